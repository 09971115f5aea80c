import Glibc
import Testing
@testable import TLSGateIO

/// A TCP connection over 127.0.0.1 (not a socketpair: loopback TCP is what the proxy sees):
/// the listening socket, the client end and the accepted end, all non-blocking.
func loopbackPair() throws -> (listener: Int32, client: Int32, server: Int32) {
    let listener = try Posix.socket(domain: AF_INET)
    try Posix.bind(listener, SocketAddress(ip: "127.0.0.1", port: 0)!)
    try Posix.listen(listener, backlog: 8)
    let bound = try Posix.localAddress(listener)
    let client = try Posix.socket(domain: AF_INET)
    _ = try Posix.connect(client, bound)
    var accepted: Int32 = -1
    for _ in 0..<200 {
        if case .processed(let (fd, _)) = try Posix.accept(listener) { accepted = fd; break }
        usleep(5_000)
    }
    #expect(accepted >= 0)
    return (listener, client, accepted)
}
