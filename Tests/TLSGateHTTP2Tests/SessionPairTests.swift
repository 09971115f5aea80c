import Testing
import TLSGateHTTP
import TLSGateHTTP2

/// Two TLSGateHTTP2 sessions (client role and server role) talking through memory.
@Suite("HTTP/2 session pair")
struct SessionPairTests {
    @Test("a GET round-trips: request head mapped to HTTP/1.1, response body and trailers back")
    func getRoundTrip() throws {
        let pair = try Pair()
        let head = Pair.get("/a/b?c=d", [("User-Agent", "t"), ("Connection", "keep-alive"), ("TE", "trailers")])
        let id = try #require(pair.client.request(head, scheme: "https", authority: "example.test", path: "/a/b?c=d", endStream: true))
        pair.pump()

        let req = try #require(pair.serverEvents.requests.first)
        #expect(req.0 == id && req.2)
        #expect(req.1.head.method == "GET" && req.1.head.target == "/a/b?c=d" && req.1.head.version == .http11)
        #expect(req.1.head.headers.first("Host") == "example.test")
        #expect(req.1.head.headers.first("user-agent") == "t")
        #expect(!req.1.head.headers.contains("connection"))
        #expect(req.1.scheme == "https" && req.1.authority == "example.test" && req.1.acceptsTrailers)

        pair.server.respond(stream: id, head: Pair.response(200, [("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked")]), endStream: false)
        #expect(pair.server.send(stream: id, Array("hello".utf8)) == 5)
        pair.server.finish(stream: id, trailers: HTTPHeaders([("X-Sum", "42")]))
        pair.pump()

        let resp = try #require(pair.clientEvents.responses.first)
        #expect(resp.1.status == 200 && resp.1.headers.first("content-type") == "text/plain")
        #expect(!resp.1.headers.contains("transfer-encoding"))
        #expect(pair.clientEvents.body(id) == Array("hello".utf8))
        #expect(pair.clientEvents.trailers(id)?.first { $0.0 == "x-sum" }?.1 == "42")
        #expect(pair.clientEvents.contains { if case .streamClosed(id, .noError) = $0 { true } else { false } })
        #expect(pair.client.openStreamCount == 0 && pair.server.openStreamCount == 0)
    }

    @Test("a body waiting on the other side defers, and resumes when bytes arrive")
    func deferredResume() throws {
        let pair = try Pair()
        let id = try #require(pair.client.request(Pair.get("/slow"), scheme: "https", authority: "example.test", path: "/slow", endStream: true))
        pair.pump()
        pair.server.respond(stream: id, head: Pair.response(200), endStream: false)
        pair.pump()
        #expect(pair.clientEvents.responses.count == 1)
        #expect(pair.clientEvents.body(id).isEmpty && !pair.clientEvents.ended(id))
        #expect(!pair.server.wantsWrite) // deferred: nothing to send, nothing spinning

        pair.server.send(stream: id, Array(repeating: 7, count: 1000))
        pair.pump()
        #expect(pair.clientEvents.body(id).count == 1000 && !pair.clientEvents.ended(id))
        pair.server.send(stream: id, Array(repeating: 8, count: 24))
        pair.server.finish(stream: id)
        pair.pump()
        #expect(pair.clientEvents.body(id).count == 1024)
        #expect(pair.clientEvents.ended(id))
    }

    @Test("WINDOW_UPDATE only when the receiver consumes: the sender stalls at the window")
    func windowOnlyOnConsume() throws {
        var small = HTTP2Options()
        small.initialStreamWindow = 65_535
        small.connectionWindow = 65_535
        let pair = try Pair(server: small)
        let head = HTTPRequestHead(method: "POST", target: "/up", version: .http11, headers: HTTPHeaders([("Host", "example.test")]))
        let id = try #require(pair.client.request(head, scheme: "https", authority: "example.test", path: "/up", endStream: false))
        let body = (0..<200_000).map { UInt8(truncatingIfNeeded: $0) }
        var offset = 0
        offset += pair.client.send(stream: id, Array(body[offset...]))
        pair.pump()
        #expect(pair.serverEvents.body(id).count == 65_535)
        pair.pump()
        #expect(pair.serverEvents.body(id).count == 65_535) // still: nothing consumed

        var received = pair.serverEvents.body(id)
        for _ in 0..<20 where received.count < body.count || offset < body.count {
            pair.server.consume(stream: id, count: pair.server.unconsumedCount(stream: id))
            if offset < body.count { offset += pair.client.send(stream: id, Array(body[offset...])) }
            if offset == body.count { pair.client.finish(stream: id) }
            pair.pump()
            received = pair.serverEvents.body(id)
        }
        #expect(received == body)
        #expect(pair.serverEvents.ended(id))
    }

    @Test("a full send buffer turns the writer away; .writable when it drains")
    func sendBufferBackpressure() throws {
        var opts = HTTP2Options()
        opts.streamSendBuffer = 32 * 1024
        opts.maxOutputBuffer = 16 * 1024
        let pair = try Pair(server: opts)
        let id = try #require(pair.client.request(Pair.get("/dl"), scheme: "https", authority: "example.test", path: "/dl", endStream: true))
        pair.pump()
        pair.server.respond(stream: id, head: Pair.response(200), endStream: false)
        // Not pumped: nothing leaves, so the buffer fills at 32 KiB.
        let took = pair.server.send(stream: id, Array(repeating: 1, count: 100_000))
        #expect(took == 32 * 1024)
        #expect(pair.server.sendRoom(stream: id) < 32 * 1024) // part of it moved to the (bounded) output
        #expect(pair.server.outputCount < 16 * 1024 + 16_384 + 9)
        #expect(!pair.serverEvents.contains { if case .writable(id) = $0 { true } else { false } })
        pair.pump()
        #expect(pair.serverEvents.contains { if case .writable(id) = $0 { true } else { false } })
        #expect(pair.server.sendRoom(stream: id) == 32 * 1024)
        #expect(pair.clientEvents.body(id).count == took)
    }

    @Test("RST_STREAM surfaces on both sides, with its code")
    func resetSurfaces() throws {
        let pair = try Pair()
        let id = try #require(pair.client.request(Pair.get("/x"), scheme: "https", authority: "example.test", path: "/x", endStream: false))
        pair.pump()
        pair.client.reset(stream: id, code: .cancel)
        pair.pump()
        #expect(pair.serverEvents.resets.contains { $0.0 == id && $0.1 == .cancel && $0.2 })
        #expect(pair.clientEvents.resets.contains { $0.0 == id && $0.1 == .cancel && !$0.2 })
        #expect(pair.server.openStreamCount == 0)
    }

    @Test("GOAWAY: the client sees it and opens no more streams")
    func goAway() throws {
        let pair = try Pair()
        let id = try #require(pair.client.request(Pair.get("/x"), scheme: "https", authority: "example.test", path: "/x", endStream: true))
        pair.pump()
        pair.server.goAway()
        pair.pump()
        #expect(pair.clientEvents.goAways.contains { $0.0 == id && $0.1 == .noError && $0.2 })
        #expect(!pair.client.canOpenStream)
        #expect(pair.client.request(Pair.get("/y"), scheme: "https", authority: "example.test", path: "/y", endStream: true) == nil)
        // The open stream still completes.
        pair.server.respond(stream: id, head: Pair.response(204), endStream: true)
        pair.pump()
        #expect(pair.clientEvents.responses.first?.1.status == 204)
    }

    @Test("a graceful GOAWAY lets the open stream finish, then the session is finished")
    func gracefulGoAwayFinishesStreams() throws {
        let pair = try Pair()
        let id = try #require(pair.client.request(Pair.get("/dl"), scheme: "https", authority: "example.test", path: "/dl", endStream: true))
        pair.pump()
        pair.server.respond(stream: id, head: Pair.response(200), endStream: false)
        pair.server.send(stream: id, Array(repeating: 1, count: 1000))
        pair.pump()
        pair.server.goAway()
        pair.pump()
        #expect(pair.clientEvents.goAways.contains { $0.2 && $0.1 == .noError })
        #expect(!pair.server.isFinished && pair.server.wantsRead)
        var sent = 0
        for _ in 0..<20 where sent < 500_000 {
            sent += pair.server.send(stream: id, Array(repeating: 2, count: 500_000 - sent))
            pair.client.consume(stream: id, count: pair.client.unconsumedCount(stream: id))
            pair.pump()
        }
        pair.server.finish(stream: id)
        for _ in 0..<10 {
            pair.client.consume(stream: id, count: pair.client.unconsumedCount(stream: id))
            pair.pump()
        }
        #expect(pair.clientEvents.body(id).count == 501_000)
        #expect(pair.clientEvents.ended(id))
        #expect(pair.server.isFinished)
    }

    @Test("the client sees the server's MAX_CONCURRENT_STREAMS")
    func maxConcurrentStreams() throws {
        var opts = HTTP2Options()
        opts.maxConcurrentStreams = 3
        let pair = try Pair(server: opts)
        pair.pump()
        #expect(pair.client.peerMaxConcurrentStreams == 3)
        for i in 0..<3 {
            #expect(pair.client.canOpenStream)
            _ = pair.client.request(Pair.get("/\(i)"), scheme: "https", authority: "example.test", path: "/\(i)", endStream: true)
        }
        #expect(!pair.client.canOpenStream)
    }

    @Test("output stays bounded when the peer never reads")
    func boundedOutput() throws {
        var opts = HTTP2Options()
        opts.maxOutputBuffer = 64 * 1024
        let pair = try Pair(server: opts)
        var ids: [Int32] = []
        for i in 0..<20 {
            ids.append(try #require(pair.client.request(Pair.get("/\(i)"), scheme: "https", authority: "example.test", path: "/\(i)", endStream: true)))
        }
        pair.pump()
        for id in ids {
            pair.server.respond(stream: id, head: Pair.response(200), endStream: false)
            pair.server.send(stream: id, Array(repeating: 0, count: 200_000))
        }
        // Nobody takes the server's output.
        #expect(pair.server.outputCount <= 64 * 1024 + 16_384 + 9)
        #expect(!pair.server.wantsRead)
        pair.pump()
        #expect(pair.server.wantsRead)
    }
}

@Suite("HTTP/2 head mapping")
struct HeadMappingTests {
    @Test("h1 request -> h2 block: pseudo-headers, lowercase names, connection-specific fields dropped, TE: trailers only")
    func requestFields() {
        let head = HTTPRequestHead(method: "PUT", target: "http://example.test/k", version: .http11, headers: HTTPHeaders([
            ("Host", "example.test"), ("Connection", "keep-alive, X-Hop"), ("Keep-Alive", "timeout=5"),
            ("Proxy-Connection", "keep-alive"), ("Transfer-Encoding", "chunked"), ("Upgrade", "h2c"),
            ("TE", "trailers, deflate"), ("X-Hop", "1"), ("X-Amz-Date", "20260101T000000Z"), ("Content-Length", "3"),
        ]))
        let pairs = HTTP2HeadMapping.requestFields(head, scheme: "https", authority: "example.test", path: "/k").pairs
        #expect(pairs.prefix(4).map(\.name) == [":method", ":scheme", ":authority", ":path"])
        #expect(pairs[0].value == "PUT" && pairs[3].value == "/k")
        let names = pairs.map(\.name)
        for dropped in ["host", "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "x-hop"] {
            #expect(!names.contains(dropped), "\(dropped)")
        }
        #expect(pairs.filter { $0.name == "te" }.map(\.value) == ["trailers"])
        #expect(names.contains("x-amz-date") && names.contains("content-length"))
    }

    @Test("h1 response -> h2 block: :status first, hop-by-hop dropped")
    func responseFields() {
        let head = HTTPResponseHead(version: .http11, status: 404, reason: "Not Found", headers: HTTPHeaders([
            ("Connection", "close"), ("Content-Type", "text/html"), ("Transfer-Encoding", "chunked"),
        ]))
        let pairs = HTTP2HeadMapping.responseFields(head).pairs
        #expect(pairs.map(\.name) == [":status", "content-type"])
        #expect(pairs[0].value == "404")
    }

    @Test("prior-knowledge preface detection")
    func preface() {
        #expect(HTTP2Preface.classify(HTTP2Preface.bytes) == .http2)
        #expect(HTTP2Preface.classify(HTTP2Preface.bytes + [1, 2]) == .http2)
        #expect(HTTP2Preface.classify(Array("PRI * HT".utf8)) == .needMore)
        #expect(HTTP2Preface.classify(Array("GET / HTTP/1.1\r\n".utf8)) == .notHTTP2)
        #expect(HTTP2Preface.classify([UInt8]()) == .needMore)
    }

    @Test("the library and its rapid-reset limit are reported")
    func library() {
        #expect(HTTP2Library.version.hasPrefix("1."))
        #expect(HTTP2Library.summary.contains("rapid-reset"))
    }
}
