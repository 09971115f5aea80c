import Foundation
import Glibc
import Testing
import TLSGateTLS

/// The server role of `TLSConnection`: the ClientHello read off the socket before the session
/// existed is served from the prefix, then the socket; both roles over a real socket pair.
@Suite struct ServerRoleTests {
    /// A CA and an ECDSA leaf for `host`, made with the openssl CLI in a temp dir.
    static func makeCertificates(host: String) throws -> (dir: String, ca: String, cert: String, key: String) {
        let dir = NSTemporaryDirectory() + "tlsgate-server-role-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        func openssl(_ args: [String]) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            p.arguments = args
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
        }
        try openssl(["req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                     "-subj", "/CN=server role test CA", "-keyout", dir + "/ca.key", "-out", dir + "/ca.pem"])
        try openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=\(host)",
                     "-keyout", dir + "/leaf.key", "-out", dir + "/leaf.csr"])
        try "subjectAltName=DNS:\(host)\n".write(toFile: dir + "/ext", atomically: true, encoding: .utf8)
        try openssl(["x509", "-req", "-in", dir + "/leaf.csr", "-CA", dir + "/ca.pem", "-CAkey", dir + "/ca.key",
                     "-CAcreateserial", "-days", "1", "-extfile", dir + "/ext", "-out", dir + "/leaf.pem"])
        return (dir, dir + "/ca.pem", dir + "/leaf.pem", dir + "/leaf.key")
    }

    static func nonBlockingPair() -> (Int32, Int32) {
        var fds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        return (fds[0], fds[1])
    }

    /// (Both ends allow TLS 1.2 and 1.3 and settle on 1.3; TLS 1.2 through the proxy is covered by
    /// the integration tests with `openssl s_client -tls1_2`.)
    @Test func handshakeFromAPrefixThenDataBothWays() throws {
        let version = TLSProtocolVersion.tls12
        let host = "a.example.test"
        let made = try Self.makeCertificates(host: host)
        defer { try? FileManager.default.removeItem(atPath: made.dir) }
        let (clientFD, serverFD) = Self.nonBlockingPair()
        defer { close(clientFD); close(serverFD) }

        let profile = TLSClientConfiguration(minimumVersion: version, trustStore: .file(made.ca))
        let client = try TLSConnection(context: try TLSContext(client: profile), fd: clientFD, serverName: host)
        // The client's first flight, read off the socket the way the tunnel reads the ClientHello.
        guard case .wantRead = client.handshake() else { Issue.record("client handshake did not wait"); return }
        var hello = [UInt8](repeating: 0, count: 16384)
        let n = read(serverFD, &hello, hello.count)
        #expect(n > 0)
        let server = try hello.withUnsafeBytes { raw in
            try TLSConnection(server: try TLSContext(server: TLSClientConfiguration(minimumVersion: version)), fd: serverFD,
                              prefix: UnsafeRawBufferPointer(rebasing: raw[0..<n]), serverName: host,
                              certificate: try X509Certificate(pemFile: made.cert), key: try PrivateKey(pemFile: made.key), chain: [])
        }
        var clientDone = false, serverDone = false
        for _ in 0..<100 where !(clientDone && serverDone) {
            if !serverDone, case .complete = server.handshake() { serverDone = true }
            if !clientDone {
                switch client.handshake() {
                case .complete: clientDone = true
                case .failed(let error): Issue.record("client: \(error)"); return
                default: break
                }
            }
        }
        #expect(clientDone && serverDone, "handshake did not complete")
        #expect(server.protocolVersion == "TLSv1.3" && client.protocolVersion == "TLSv1.3")
        #expect(server.cipherName?.contains("GCM") == true || server.cipherName?.contains("CHACHA") == true)

        let request = Array("GET / HTTP/1.1\r\nHost: a.example.test\r\n\r\n".utf8)
        guard case .bytes(request.count) = request.withUnsafeBytes({ client.write($0.baseAddress!, count: $0.count) }) else {
            Issue.record("client write failed"); return
        }
        var got = [UInt8](repeating: 0, count: 4096)
        var received: [UInt8] = []
        for _ in 0..<50 where received.count < request.count {
            if case .bytes(let k) = got.withUnsafeMutableBytes({ server.read(into: $0.baseAddress!, count: $0.count) }) {
                received += got[0..<k]
            }
        }
        #expect(received == request)
        let answer = Array("HTTP/1.1 204 No Content\r\n\r\n".utf8)
        _ = answer.withUnsafeBytes { server.write($0.baseAddress!, count: $0.count) }
        var back: [UInt8] = []
        for _ in 0..<50 where back.count < answer.count {
            if case .bytes(let k) = got.withUnsafeMutableBytes({ client.read(into: $0.baseAddress!, count: $0.count) }) {
                back += got[0..<k]
            }
        }
        #expect(back == answer)
    }
}
