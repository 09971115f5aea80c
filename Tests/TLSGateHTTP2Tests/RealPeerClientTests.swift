import Testing
import TLSGateHTTP
import TLSGateHTTP2

/// A client-role session (tlsgate's upstream side) against a real HTTP/2 server (Python h2).
@Suite("HTTP/2 client role against Python h2")
struct RealPeerClientTests {
    /// Opens one GET, lets the h2 server answer per `scenario`, and feeds its answer back.
    static func exchange(_ scenario: String, head: HTTPRequestHead = Pair.get("/r", [("Accept", "*/*"), ("Connection", "keep-alive")]))
        throws -> (H2Peer.Report, [HTTP2Event], HTTP2Session, Int32) {
        let session = try HTTP2Session(role: .client)
        let id = try #require(session.request(head, scheme: "https", authority: "example.test", path: "/r", endStream: true))
        let report = try H2Peer.server(scenario, session.takeOutput())
        var events = session.receive(report.out)
        _ = session.takeOutput()
        events += session.takeEvents()
        return (report, events, session, id)
    }

    @Test("h2 accepts our request (no connection-specific fields, SETTINGS without push) and we read its response and trailers")
    func respond() throws {
        let (report, events, _, id) = try Self.exchange("respond")
        #expect(report.events.filter { $0["error"] != nil }.isEmpty, "\(report.events)")
        let request = try #require(report.events("RequestReceived").first)
        let headers = (request["headers"] as? [[String]]) ?? []
        #expect(headers.prefix(4).map { $0[0] } == [":method", ":scheme", ":authority", ":path"])
        #expect(!headers.contains { $0[0] == "connection" || $0[0] == "host" })
        #expect(headers.contains { $0 == ["accept", "*/*"] })
        let settings = try #require(report.frames("SETTINGS").first?["settings"] as? [String: Int])
        #expect(settings["2"] == 0 && settings["8"] == nil)

        let response = try #require(events.responses.first)
        #expect(response.0 == id && response.1.status == 200 && response.1.version == .http11)
        #expect(response.1.headers.first("set-cookie") == "k=v")
        #expect(events.body(id) == Array("from h2 server".utf8))
        #expect(events.trailers(id)?.first { $0.0 == "grpc-status" }?.1 == "0")
    }

    @Test("1xx interim responses come before the final one")
    func informational() throws {
        let (_, events, _, id) = try Self.exchange("informational")
        let statuses = events.responses.filter { $0.0 == id }.map(\.1.status)
        #expect(statuses == [103, 204])
        #expect(events.responses.last?.2 == true)
    }

    @Test("a PUSH_PROMISE after ENABLE_PUSH 0 is a connection error")
    func pushRefused() throws {
        let (_, events, session, _) = try Self.exchange("push")
        #expect(events.connectionErrors.count == 1 || events.goAways.contains { !$0.2 && $0.1 == .protocolError })
        #expect(!session.wantsRead)
    }

    @Test("a response header list over the cap resets the stream (CANCEL)")
    func bigResponseHeaders() throws {
        let session = try HTTP2Session(role: .client)
        let id = try #require(session.request(Pair.get("/r"), scheme: "https", authority: "example.test", path: "/r", endStream: true))
        let report = try H2Peer.server("big-response-headers", session.takeOutput())
        var events = session.receive(report.out)
        let out = session.takeOutput()
        events += session.takeEvents()
        #expect(events.responses.isEmpty)
        #expect(events.rejections.first?.0 == id)
        #expect(events.resets.contains { $0.0 == id && $0.1 == .cancel && !$0.2 })
        _ = out
    }

    @Test("GOAWAY from the server is surfaced; no new streams")
    func serverGoAway() throws {
        let (_, events, session, _) = try Self.exchange("goaway")
        #expect(events.goAways.contains { $0.2 && $0.0 == 0 })
        #expect(!session.canOpenStream)
        #expect(events.contains { if case .streamClosed(_, .refusedStream) = $0 { true } else { false } })
    }

    @Test("a server RST_STREAM is surfaced with its code")
    func serverReset() throws {
        let (_, events, _, id) = try Self.exchange("reset")
        #expect(events.resets.contains { $0.0 == id && $0.1 == .internalError && $0.2 })
    }
}
