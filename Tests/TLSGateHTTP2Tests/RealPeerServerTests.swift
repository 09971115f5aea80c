import Testing
import TLSGateHTTP
import TLSGateHTTP2

/// A server-role session fed the bytes a real HTTP/2 client (Python h2) sends, its answers
/// decoded by h2 again.
@Suite("HTTP/2 server role against Python h2")
struct RealPeerServerTests {
    struct Served {
        var events: [HTTP2Event] = []
        var output: [UInt8] = []
        let session: HTTP2Session
    }

    /// Feeds `scenario`'s client bytes in 16 KiB reads, answering each request with 200 and
    /// `ok <path>` unless `answer` is given; the output is collected as a reading peer would.
    static func serve(_ scenario: String, options: HTTP2Options = HTTP2Options(),
                      answer: Bool = true) throws -> Served {
        let input = try H2Peer.clientBytes(scenario)
        var served = Served(session: try HTTP2Session(role: .server, options: options))
        let s = served.session
        var offset = 0
        var reads = 0
        while offset < input.count && s.wantsRead && reads < 100_000 {
            reads += 1
            let n = min(16_384, input.count - offset)
            let events = input[offset..<(offset + n)].withUnsafeBytes { s.receive($0) }
            offset += n
            served.events += events
            if answer {
                for (id, request, _) in events.requests {
                    s.respond(stream: id, head: Pair.response(200, [("content-type", "text/plain")]), endStream: false)
                    s.send(stream: id, Array("ok \(request.head.target)".utf8))
                    s.finish(stream: id)
                }
            }
            served.output += s.takeOutput()
            served.events += s.takeEvents()
        }
        served.output += s.takeOutput()
        served.events += s.takeEvents()
        return served
    }

    @Test("GET: h2 reads our response; the request head is the HTTP/1.1 one (Host, joined cookies, TE flag)")
    func get() throws {
        let served = try Self.serve("get")
        let request = try #require(served.events.requests.first)
        #expect(request.0 == 1 && request.2)
        let head = request.1.head
        #expect(head.method == "GET" && head.target == "/x?y=1")
        #expect(head.headers.first("host") == "example.test")
        #expect(head.headers.all("cookie") == ["a=1; b=2"])
        #expect(head.headers.first("user-agent") == "h2peer")
        #expect(!head.headers.contains("te"))
        #expect(request.1.acceptsTrailers)

        let report = try H2Peer.clientParse("get", served.output)
        #expect(report.events.filter { $0["error"] != nil }.isEmpty, "\(report.events)")
        let response = try #require(report.events("ResponseReceived").first)
        #expect((response["headers"] as? [[String]])?.first == [":status", "200"])
        #expect(report.events("DataReceived").compactMap { $0["data"] as? String }.joined() == "ok /x?y=1")
        #expect(report.events("StreamEnded").count == 1)
        // Our SETTINGS: no push, 100 streams, 64 KiB header list, 1 MiB stream window; never ENABLE_CONNECT_PROTOCOL (8).
        let settings = try #require(report.frames("SETTINGS").first { ($0["flags"] as? [String])?.isEmpty == true }?["settings"] as? [String: Int])
        #expect(settings["2"] == 0 && settings["3"] == 100 && settings["6"] == 65536 && settings["4"] == 1 << 20)
        #expect(settings["8"] == nil)
    }

    @Test("request body and trailers arrive as data and trailers events")
    func postTrailers() throws {
        let served = try Self.serve("post-trailers")
        let request = try #require(served.events.requests.first)
        #expect(request.1.head.method == "POST" && !request.2)
        #expect(served.events.body(1) == Array("hello, world".utf8))
        #expect(served.events.trailers(1)?.first { $0.0 == "x-checksum" }?.1 == "abc")
    }

    @Test("WINDOW_UPDATE goes out only for consumed bytes")
    func windowUpdatesOnConsume() throws {
        var served = try Self.serve("post-big", answer: false)
        let body = served.events.body(1)
        #expect(body.count == 204_800)
        #expect(body == Array((0..<800).flatMap { _ in (0..<256).map { UInt8($0) } }))
        let before = try H2Peer.clientParse("post-big", served.output)
        // Only the initial connection-window raise (stream 0), nothing for stream 1.
        #expect(before.frames("WINDOW_UPDATE", stream: 1).isEmpty)
        #expect(before.frames("WINDOW_UPDATE", stream: 0).compactMap { $0["inc"] as? Int } == [(8 << 20) - 65_535])

        served.session.consume(stream: 1, count: 100_000)
        let after = served.session.takeOutput()
        let report = try H2Peer.clientParse("post-big", served.output + after)
        let streamIncrements = report.frames("WINDOW_UPDATE", stream: 1).compactMap { $0["inc"] as? Int }
        #expect(streamIncrements.reduce(0, +) <= 100_000)
        #expect(served.session.unconsumedCount(stream: 1) == 104_800)
    }

    @Test("padding is given back by the library: consuming the data bytes returns the whole window")
    func padding() throws {
        var small = HTTP2Options()
        small.initialStreamWindow = 65_535
        small.connectionWindow = 65_535
        var served = try Self.serve("post-padded", options: small, answer: false)
        #expect(served.events.body(1).count == 50_000)
        served.session.consume(stream: 1, count: 50_000)
        served.output += served.session.takeOutput()
        let report = try H2Peer.clientParse("post-padded", served.output)
        // Everything the frames counted against the window (data + padding + pad-length bytes) is back.
        let connection = report.frames("WINDOW_UPDATE", stream: 0).compactMap { $0["inc"] as? Int }
        #expect(connection == [50 * 1201], "\(report.frames("WINDOW_UPDATE"))")
    }

    @Test("malformed requests are reset with PROTOCOL_ERROR and never delivered",
          arguments: ["connection-header", "te-gzip", "missing-path", "extended-connect"])
    func malformed(scenario: String) throws {
        let served = try Self.serve(scenario)
        #expect(served.events.requests.isEmpty)
        let report = try H2Peer.clientParse(scenario, served.output)
        #expect(report.frames("RST_STREAM", stream: 1).first?["code"] as? Int == 1, "\(report.frames)")
        #expect(report.frames("GOAWAY").isEmpty)
    }

    @Test("CONNECT inside the connection is answered 405")
    func connectRefused() throws {
        let served = try Self.serve("connect")
        #expect(served.events.requests.isEmpty)
        #expect(served.events.rejections.first?.1 == 405)
        let report = try H2Peer.clientParse("connect", served.output)
        #expect(report.status(stream: 1) == "405")
    }

    @Test("a header list over 64 KiB gets 431; the next stream is served",
          arguments: ["big-headers", "hpack-bomb"])
    func headerListCap(scenario: String) throws {
        let served = try Self.serve(scenario)
        #expect(served.events.rejections.first?.1 == 431)
        #expect(!served.events.requests.contains { $0.0 == 1 })
        let report = try H2Peer.clientParse(scenario, served.output)
        #expect(report.status(stream: 1) == "431")
        if scenario == "big-headers" {
            #expect(served.events.requests.map(\.0) == [3])
            #expect(report.status(stream: 3) == "200")
        }
        #expect(report.frames("GOAWAY").isEmpty)
    }

    @Test("floods end the connection with GOAWAY ENHANCE_YOUR_CALM, bounded",
          arguments: ["ping-flood", "settings-flood", "empty-data-flood"])
    func floods(scenario: String) throws {
        let served = try Self.serve(scenario)
        #expect(served.events.connectionErrors.count == 1)
        let report = try H2Peer.clientParse(scenario, served.output)
        let goaway = try #require(report.frames("GOAWAY").last)
        #expect(goaway["code"] as? Int == 11)
        #expect(served.session.counters.floods == 1 && served.session.counters.goAwaysSent == 1)
        #expect(report.frames("PING").count <= 101)
        #expect(report.frames("SETTINGS").count <= 102)
        #expect(served.session.isFinished)
    }

    @Test("rapid reset (HEADERS + RST_STREAM x 3000) ends in GOAWAY before all are processed (library limit and tlsgate's own)",
          arguments: [true, false])
    func rapidReset(inLibrary: Bool) throws {
        var opts = HTTP2Options()
        opts.resetLimitInLibrary = inLibrary
        let served = try Self.serve("rapid-reset", options: opts, answer: false)
        let report = try H2Peer.clientParse("rapid-reset", served.output)
        #expect(!report.frames("GOAWAY").isEmpty)
        if !inLibrary || !HTTP2Library.hasStreamResetRateLimit {
            #expect(report.frames("GOAWAY").last?["code"] as? Int == 11)
        }
        #expect(served.events.requests.count < 3000)
        #expect(served.events.resets.filter(\.2).count < 3000)
    }

    @Test("CONTINUATION flood ends the connection")
    func continuationFlood() throws {
        let served = try Self.serve("continuation-flood", answer: false)
        #expect(served.events.requests.isEmpty)
        #expect(served.events.connectionErrors.count == 1 || !served.session.wantsRead)
        let report = try H2Peer.clientParse("continuation-flood", served.output)
        #expect(!report.frames("GOAWAY").isEmpty || served.events.connectionErrors.count == 1)
    }

    @Test("streams over MAX_CONCURRENT_STREAMS are refused")
    func tooManyStreams() throws {
        var opts = HTTP2Options()
        opts.maxConcurrentStreams = 100
        let served = try Self.serve("too-many-streams", options: opts, answer: false)
        #expect(served.events.requests.count == 100)
        let report = try H2Peer.clientParse("too-many-streams", served.output)
        let refused = report.frames("RST_STREAM").filter { $0["code"] as? Int == 7 }
        #expect(refused.count == 50, "\(report.frames("RST_STREAM").prefix(3))")
        // Refused streams leave nothing behind; the 100 accepted ones wait for their answers.
        #expect(served.session.openStreamCount == 100)
        #expect(served.session.counters.streamsOpened == 100)
    }

    @Test("a client RST_STREAM is surfaced with its code")
    func clientReset() throws {
        let served = try Self.serve("client-reset", answer: false)
        #expect(served.events.resets.contains { $0.0 == 1 && $0.1 == .cancel && $0.2 })
        #expect(served.session.counters.resetsReceived == [.cancel: 1])
        #expect(served.events.contains { if case .streamClosed(1, .cancel) = $0 { true } else { false } })
        #expect(served.session.unconsumedCount(stream: 1) == 7)
        served.session.abandonInbound(stream: 1)
        #expect(served.session.unconsumedCount(stream: 1) == 0)
    }

    @Test("an HTTP/1.1 request instead of the preface is a connection error")
    func badPreface() throws {
        let served = try Self.serve("bad-preface")
        #expect(served.events.connectionErrors.count == 1)
        #expect(!served.session.wantsRead)
    }
}
