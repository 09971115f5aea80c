import Testing
import TLSGateHTTP
import TLSGateHTTP2

/// An HTTP/2 stream over an HTTP/1.1 exchange: framing both ways, checked with tlsgate's own
/// HTTP/1.1 parser and body tracker, and the request itself from a real h2 client.
@Suite("HTTP/2 stream over HTTP/1.1")
struct HTTP1StreamBridgeTests {
    /// The request of `scenario` as the server-role session delivers it.
    static func request(_ scenario: String) throws -> (HTTP2Request, Bool, [HTTP2Event]) {
        let served = try RealPeerServerTests.serve(scenario, answer: false)
        let r = try #require(served.events.requests.first)
        return (r.1, r.2, served.events)
    }

    /// `bridge.responseBody` over an array (typed throws kept out of closures: a Swift 6.3 SILGen crash).
    static func feed(_ bridge: inout HTTP1StreamBridge, _ piece: [UInt8], _ data: (UnsafeRawBufferPointer) -> Void) throws
        -> (consumed: Int, complete: Bool, trailers: HTTP2FieldList?) {
        var outcome: Result<(consumed: Int, complete: Bool, trailers: HTTP2FieldList?), any Error> = .success((0, false, nil))
        piece.withUnsafeBytes { buf in
            do { outcome = .success(try bridge.responseBody(buf, data)) } catch { outcome = .failure(error) }
        }
        return try outcome.get()
    }

    @Test("a body of unknown length goes upstream chunked, the client's trailers as chunked trailers")
    func chunkedRequest() throws {
        let (request, endStream, events) = try Self.request("post-trailers")
        let bridge = try HTTP1StreamBridge(request, endStream: endStream)
        #expect(bridge.requestFraming == .chunked)
        var wire = upstreamRequestHead(bridge.upstreamHead, originForm: request.head.target, hostIfMissing: request.authority)
        events.body(1).withUnsafeBytes { bridge.requestBody($0, into: &wire) }
        let trailers = try #require(events.trailers(1))
        #expect(bridge.requestEnd(trailers: HTTPHeaders(trailers), into: &wire))

        // Read back with the project's HTTP/1.1 parser and body tracker.
        var parser = HTTPHeadParser(maxHeadBytes: 65536)
        guard case .complete(let head, let consumed) = parser.parseRequest(wire) else { Issue.record("head"); return }
        #expect(head.method == "POST" && head.target == "/upload")
        #expect(head.headers.first("host") == "example.test")
        #expect(head.headers.containsToken("transfer-encoding", "chunked"))
        #expect(try requestFraming(head).get() == .chunked)
        var tracker = BodyTracker(.chunked)
        var parts = BodyParts()
        let rest = Array(wire[consumed...])
        var outcome: Result<(consumed: Int, complete: Bool), any Error> = .success((0, false))
        rest.withUnsafeBytes { buf in
            do { outcome = .success(try tracker.consume(buf, into: &parts)) } catch { outcome = .failure(error) }
        }
        let (n, complete) = try outcome.get()
        #expect(complete && n == rest.count)
        #expect(parts.payload.flatMap { Array(rest[$0]) } == Array("hello, world".utf8))
        #expect(parts.trailers.first("x-checksum") == "abc")
    }

    @Test("a request with content-length keeps it; one without a body has none")
    func framedRequests() throws {
        let (get, endStream, _) = try Self.request("get")
        let bridge = try HTTP1StreamBridge(get, endStream: endStream)
        #expect(bridge.requestFraming == .none)
        #expect(!bridge.upstreamHead.headers.contains("transfer-encoding"))

        let head = HTTPRequestHead(method: "PUT", target: "/k", version: .http11, headers: HTTPHeaders([("host", "h"), ("content-length", "3")]))
        let put = try HTTP1StreamBridge(HTTP2Request(head: head, scheme: "https", authority: "h", acceptsTrailers: false), endStream: false)
        #expect(put.requestFraming == .contentLength(3))
        var out: [UInt8] = []
        Array("abc".utf8).withUnsafeBytes { put.requestBody($0, into: &out) }
        #expect(out == Array("abc".utf8))
        #expect(!put.requestEnd(trailers: HTTPHeaders([("x-t", "1")]), into: &out)) // trailers cannot go with a length
    }

    @Test("a chunked upstream response becomes DATA and an HTTP/2 trailer block, for any split")
    func chunkedResponse() throws {
        let (request, endStream, _) = try Self.request("get")
        let wire = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\nContent-Type: text/plain\r\n\r\n4\r\nabcd\r\n3\r\nefg\r\n0\r\nGrpc-Status: 0\r\n\r\n".utf8)
        var parser = HTTPHeadParser(maxHeadBytes: 65536)
        guard case .complete(let head, let headBytes) = parser.parseResponse(wire) else { Issue.record("head"); return }
        for step in [1, 2, 5, 100] {
            var bridge = try HTTP1StreamBridge(request, endStream: endStream)
            let fields = try bridge.response(head)
            #expect(fields.pairs.map(\.name) == [":status", "content-type"])
            var data: [UInt8] = []
            var trailers: HTTP2FieldList?
            var offset = headBytes
            var complete = false
            while offset < wire.count && !complete {
                let piece = Array(wire[offset..<min(wire.count, offset + step)])
                let r = try Self.feed(&bridge, piece) { data += $0 }
                offset += r.consumed
                complete = r.complete
                if let t = r.trailers { trailers = t }
            }
            #expect(complete && data == Array("abcdefg".utf8), "step \(step)")
            #expect(trailers?.pairs.map(\.name) == ["grpc-status"] && trailers?.pairs.first?.value == "0", "step \(step)")
        }
    }

    @Test("responses: 1xx passes, 101 is refused, until-close ends at EOF, HEAD has no body")
    func responseKinds() throws {
        let (request, endStream, _) = try Self.request("get")
        var bridge = try HTTP1StreamBridge(request, endStream: endStream)
        _ = try bridge.response(HTTPResponseHead(version: .http11, status: 103, reason: "", headers: HTTPHeaders([("link", "</a>")])))
        #expect(!bridge.responseStarted)
        #expect(throws: HTTP2Rejection.self) { try bridge.response(HTTPResponseHead(version: .http11, status: 101, reason: "", headers: HTTPHeaders([]))) }
        _ = try bridge.response(HTTPResponseHead(version: .http11, status: 200, reason: "", headers: HTTPHeaders([("connection", "close")])))
        #expect(!bridge.responseEndOfInput() || bridge.responseStarted)
        var got: [UInt8] = []
        _ = try Self.feed(&bridge, Array("tail".utf8)) { got += $0 }
        #expect(got == Array("tail".utf8) && bridge.responseEndOfInput())

        var cut = try HTTP1StreamBridge(request, endStream: endStream)
        _ = try cut.response(HTTPResponseHead(version: .http11, status: 200, reason: "", headers: HTTPHeaders([("content-length", "10")])))
        #expect(!cut.responseEndOfInput()) // an EOF now cuts the body short
    }
}
