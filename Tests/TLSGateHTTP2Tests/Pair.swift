import TLSGateHTTP
import TLSGateHTTP2

/// A client-role and a server-role session wired back to back through memory.
final class Pair {
    let client: HTTP2Session
    let server: HTTP2Session
    var clientEvents: [HTTP2Event] = []
    var serverEvents: [HTTP2Event] = []

    init(client: HTTP2Options = HTTP2Options(), server: HTTP2Options = HTTP2Options()) throws {
        self.client = try HTTP2Session(role: .client, options: client)
        self.server = try HTTP2Session(role: .server, options: server)
    }

    /// Moves bytes both ways until neither side has anything to send (at most `rounds` exchanges).
    func pump(rounds: Int = 200) {
        for _ in 0..<rounds {
            collect()
            let c = client.takeOutput()
            let s = server.takeOutput()
            if c.isEmpty && s.isEmpty { break }
            if !c.isEmpty { serverEvents += server.receive(c) }
            if !s.isEmpty { clientEvents += client.receive(s) }
        }
        collect()
    }

    private func collect() {
        clientEvents += client.takeEvents()
        serverEvents += server.takeEvents()
    }

    /// A GET request head for `path` (HTTP/1.1 fields as tlsgate's parser would hand them over).
    static func get(_ path: String, _ fields: [(String, String)] = []) -> HTTPRequestHead {
        HTTPRequestHead(method: "GET", target: path, version: .http11, headers: HTTPHeaders([("Host", "example.test")] + fields))
    }

    static func response(_ status: Int, _ fields: [(String, String)] = []) -> HTTPResponseHead {
        HTTPResponseHead(version: .http11, status: status, reason: "", headers: HTTPHeaders(fields))
    }
}
