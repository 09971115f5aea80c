import Foundation
import Glibc
import Logging
import Synchronization
import TLSGateAdmin
import TLSGateIO

/// A thread-safe value the handlers read and the tests flip.
final class Shared<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    var get: Value { value.withLock { $0 } }
    func set(_ v: Value) { value.withLock { $0 = v } }
}

/// The admin server under test plus the knobs its handlers read.
final class AdminFixture: Sendable {
    let serving = Shared(true)
    let ready = Shared(true)
    let reloadResult = Shared<Result<String, AdminError>>(.success("reloaded config v2"))
    let reloads = Shared(0)
    let server: AdminServer

    init(limits: AdminLimits = AdminLimits(requestTimeout: 5, lingerTimeout: 1)) throws {
        let serving = self.serving, ready = self.ready, reloadResult = self.reloadResult, reloads = self.reloads
        let handlers = AdminHandlers(
            health: { serving.get },
            ready: { ready.get },
            metrics: { "# HELP tlsgate_up Up.\n# TYPE tlsgate_up gauge\ntlsgate_up 1\n" },
            reload: { reloads.set(reloads.get + 1); return reloadResult.get })
        guard let address = SocketAddress(ip: "127.0.0.1", port: 0) else { throw AdminError("address") }
        var logger = Logger(label: "tlsgate.admin.test")
        logger.logLevel = .error
        server = try AdminServer(listen: address, handlers: handlers, logger: logger, limits: limits)
        server.start()
    }

    var port: Int { server.boundAddress.port }

    deinit { server.stop() }
}

/// A parsed HTTP response.
struct RawResponse {
    var status: Int
    var headers: [(String, String)]
    var body: String

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// Blocking loopback client sockets with timeouts (real sockets, no mocks).
enum RawClient {
    /// A connected blocking socket with 5 s send/receive timeouts.
    static func connect(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard let address = SocketAddress(ip: "127.0.0.1", port: port) else { close(fd); return nil }
        let rc = address.withSockAddr { Glibc.connect(fd, $0, $1) }
        guard rc == 0 else { close(fd); return nil }
        return fd
    }

    @discardableResult
    static func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            off += n
        }
        return true
    }

    /// Everything until end of stream (or an error / the receive timeout), at most 8 MiB.
    static func readToEnd(_ fd: Int32) -> (bytes: [UInt8], eof: Bool) {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while out.count < 8 << 20 {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return (out, true) }
            if n < 0 { return (out, false) }
            out.append(contentsOf: chunk[0..<n])
        }
        return (out, false)
    }

    static func parse(_ bytes: [UInt8]) -> RawResponse? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { return nil }
        let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, statusParts[0] == "HTTP/1.1", let status = Int(statusParts[1]) else { return nil }
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return RawResponse(status: status, headers: headers, body: String(text[split.upperBound...]))
    }

    /// Sends `request` on a new connection and reads the response until the server closes.
    static func exchange(port: Int, _ request: String) -> RawResponse? {
        exchange(port: port, Array(request.utf8))
    }

    static func exchange(port: Int, _ request: [UInt8]) -> RawResponse? {
        guard let fd = connect(port: port) else { return nil }
        defer { close(fd) }
        guard send(fd, request) else { return nil }
        let (bytes, eof) = readToEnd(fd)
        guard eof else { return nil }
        return parse(bytes)
    }
}

/// Polls `condition` every 10 ms for up to `seconds`.
func eventually(_ seconds: Double = 3, _ condition: () -> Bool) -> Bool {
    let rounds = Int(seconds * 100)
    for _ in 0..<rounds {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}
