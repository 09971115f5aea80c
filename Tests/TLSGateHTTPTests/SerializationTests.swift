import Testing
@testable import TLSGateHTTP

@Suite struct SerializationTests {
    /// SigV4-signed headers (odd spacing and case included) must reach upstream byte for byte, in order.
    @Test func sigV4HeadersForwardedByteForByte() throws {
        let signed = [
            "host: s3.us-east-1.amazonaws.com",
            "X-Amz-Date: 20240101T000000Z",
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "X-AMZ-Security-Token:   FwoGZXIvYXdzEJr//////////wEaDA+/=  ",
            "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/s3/aws4_request,"
                + " SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"
                + " Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
            "x-amz-meta-weird-key: a,  b\t",
        ]
        let text = "GET http://s3.us-east-1.amazonaws.com/bucket/a%20b?list-type=2&prefix= HTTP/1.1\r\n"
            + signed.prefix(2).joined(separator: "\r\n") + "\r\n"
            + "Proxy-Connection: Keep-Alive\r\n"
            + signed.dropFirst(2).prefix(2).joined(separator: "\r\n") + "\r\n"
            + "Connection: keep-alive\r\n"
            + signed.dropFirst(4).joined(separator: "\r\n") + "\r\n\r\n"
        let head = try #require(parseRequest(text).head)
        let uri = try #require(AbsoluteURI.parse(head.target))
        let out = upstreamRequestHead(head, originForm: uri.pathAndQuery, hostIfMissing: uri.host)
        let expected = "GET /bucket/a%20b?list-type=2&prefix= HTTP/1.1\r\n"
            + signed.joined(separator: "\r\n") + "\r\n\r\n"
        #expect(out == bytes(expected))
    }

    /// The keep/drop mask is a bit set for the first 64 fields and an array past them; both halves,
    /// and more Connection tokens than are kept inline, must strip the same way.
    @Test func hopByHopStrippedPastSixtyFourFieldsAndFourTokens() throws {
        let filler = (0..<70).map { "X-F\($0): v\($0)" }
        let text = "GET /p HTTP/1.1\r\nHost: h\r\n"
            + "Connection: X-F3, X-F10, x-f65, X-F69, X-F2\r\n"
            + filler.joined(separator: "\r\n") + "\r\nKeep-Alive: 5\r\n\r\n"
        let head = try #require(parseRequest(text).head)
        let out = String(decoding: upstreamRequestHead(head, originForm: "/p", hostIfMissing: "h"), as: UTF8.self)
        let dropped: Set = [2, 3, 10, 65, 69]
        let kept = filler.enumerated().filter { !dropped.contains($0.offset) }.map(\.element)
        #expect(out == "GET /p HTTP/1.1\r\nHost: h\r\n" + kept.joined(separator: "\r\n") + "\r\n\r\n")
    }

    @Test func hopByHopStripped() throws {
        let text = "POST /p HTTP/1.1\r\n"
            + "Host: h\r\n"
            + "Connection: keep-alive, X-Secret-Hop, Upgrade\r\n"
            + "Keep-Alive: timeout=5\r\n"
            + "Proxy-Authorization: Basic Zm9vOmJhcg==\r\n"
            + "Proxy-Authenticate: Basic\r\n"
            + "TE: trailers\r\n"
            + "Trailer: X-Checksum\r\n"
            + "Upgrade: h2c\r\n"
            + "Proxy-Connection: keep-alive\r\n"
            + "x-secret-hop: 1\r\n"
            + "X-Keep: 2\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n"
        let head = try #require(parseRequest(text).head)
        let out = upstreamRequestHead(head, originForm: "/p", hostIfMissing: "ignored")
        #expect(out == bytes("POST /p HTTP/1.1\r\nHost: h\r\nX-Keep: 2\r\nTransfer-Encoding: chunked\r\n\r\n"))
    }

    @Test func connectionCannotStripFramingOrHost() throws {
        let text = "POST /p HTTP/1.1\r\nHost: h\r\nConnection: Content-Length, Transfer-Encoding, Host, X-A\r\n"
            + "X-A: 1\r\nContent-Length: 3\r\n\r\n"
        let head = try #require(parseRequest(text).head)
        let out = upstreamRequestHead(head, originForm: "/p", hostIfMissing: "x")
        #expect(out == bytes("POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n"))
    }

    @Test func multipleConnectionFieldsAllHonored() throws {
        let text = "GET / HTTP/1.1\r\nConnection: X-One\r\nX-One: 1\r\nConnection: x-two\r\nX-Two: 2\r\nX-Three: 3\r\n\r\n"
        let head = try #require(parseRequest(text).head)
        let out = upstreamRequestHead(head, originForm: "/", hostIfMissing: "h")
        #expect(out == bytes("GET / HTTP/1.1\r\nHost: h\r\nX-Three: 3\r\n\r\n"))
    }

    @Test func manyConnectionTokens() throws {
        let tokens = (0..<2000).map { "x-\($0 % 300)" }.joined(separator: ",")
        let fields = (0..<200).map { "X-\($0 * 2): v\r\n" }.joined()
        let text = "GET / HTTP/1.1\r\nHost: h\r\nConnection: \(tokens), HOST\r\n\(fields)Y: 1\r\n\r\n"
        let head = try #require(parseRequest(text, maxHeadBytes: 64 * 1024).head)
        let out = upstreamRequestHead(head, originForm: "/", hostIfMissing: "h")
        // x-0 … x-298 (even) are named by Connection; x-300 … x-398 are not.
        let kept = (150..<200).map { "X-\($0 * 2): v\r\n" }.joined()
        #expect(out == bytes("GET / HTTP/1.1\r\nHost: h\r\n\(kept)Y: 1\r\n\r\n"))
    }

    @Test func hostAddedWhenMissingAndVersionKept() throws {
        let head = try #require(parseRequest("GET http://h:8080/x HTTP/1.0\nAccept: */*\n\n").head)
        let out = upstreamRequestHead(head, originForm: "/x", hostIfMissing: "h:8080")
        #expect(out == bytes("GET /x HTTP/1.0\r\nHost: h:8080\r\nAccept: */*\r\n\r\n"))
    }

    @Test func closeUpstreamAppendsConnectionClose() throws {
        let head = try #require(parseRequest("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n").head)
        let out = upstreamRequestHead(head, originForm: "/", hostIfMissing: "h", closeUpstream: true)
        #expect(out == bytes("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"))
    }

    @Test func forwardedHeadReparsesToSameFields() throws {
        let text = "PUT /k HTTP/1.1\r\nHost: s3\r\nX-Amz-Date: 1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"
        let head = try #require(parseRequest(text).head)
        let out = upstreamRequestHead(head, originForm: "/k", hostIfMissing: "s3")
        #expect(out == bytes(text))
        var p = HTTPHeadParser()
        let again = try #require(flatten(p.parseRequest(out)).head)
        #expect(again.headers.map { $0.value } == head.headers.map { $0.value })
    }

    @Test func responseHeadKeepAliveForHTTP11Client() throws {
        let text = "HTTP/1.1 200 OK\r\nx-amz-request-id: R1\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
            + "ETag:  \"abc\" \r\nContent-Length: 5\r\n\r\n"
        let head = try #require(parseResponse(text).head)
        let out = clientResponseHead(head, keepAlive: true, clientVersion: .http11)
        #expect(out == bytes("HTTP/1.1 200 OK\r\nx-amz-request-id: R1\r\nETag:  \"abc\" \r\nContent-Length: 5\r\n\r\n"))
    }

    @Test func responseHeadClose() throws {
        let head = try #require(parseResponse("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n").head)
        let out = clientResponseHead(head, keepAlive: false, clientVersion: .http11)
        #expect(out == bytes("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
    }

    @Test func responseHeadKeepAliveForHTTP10Client() throws {
        let head = try #require(parseResponse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n").head)
        let out = clientResponseHead(head, keepAlive: true, clientVersion: .http10)
        #expect(out == bytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n"))
    }

    @Test func responseReasonVerbatimAndEmpty() throws {
        let a = try #require(parseResponse("HTTP/1.1 503 Slow  Down\tPlease\r\n\r\n").head)
        #expect(clientResponseHead(a, keepAlive: true, clientVersion: .http11)
                == bytes("HTTP/1.1 503 Slow  Down\tPlease\r\n\r\n"))
        let b = try #require(parseResponse("HTTP/1.1 200\r\n\r\n").head)
        #expect(clientResponseHead(b, keepAlive: true, clientVersion: .http11) == bytes("HTTP/1.1 200 \r\n\r\n"))
    }

    @Test func informationalGetsNoConnectionField() throws {
        let head = try #require(parseResponse("HTTP/1.1 100 Continue\r\n\r\n").head)
        #expect(clientResponseHead(head, keepAlive: false, clientVersion: .http11) == bytes("HTTP/1.1 100 Continue\r\n\r\n"))
    }

    @Test func responseHopByHopIncludingConnectionNamed() throws {
        let text = "HTTP/1.1 200 OK\r\nConnection: X-Hop\r\nX-Hop: 1\r\nUpgrade: h2\r\nTrailer: X-T\r\n"
            + "Transfer-Encoding: chunked\r\nProxy-Authenticate: Basic\r\n\r\n"
        let head = try #require(parseResponse(text).head)
        #expect(clientResponseHead(head, keepAlive: true, clientVersion: .http11)
                == bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"))
    }

    @Test func builtHeadsSerialize() {
        let head = HTTPResponseHead(version: .http11, status: 502, reason: "Bad\r\nGateway",
                                    headers: HTTPHeaders([("Content-Length", "0")]))
        #expect(clientResponseHead(head, keepAlive: false, clientVersion: .http11)
                == bytes("HTTP/1.1 502 BadGateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
    }
}

@Suite struct ChunkedPrefixTests {
    @Test func dechunksWholeAndPartialChunks() {
        let a = "Action=GetCallerIdentity&Vers", b = "ion=2011-"
        let body = Array("\(String(a.utf8.count, radix: 16))\r\n\(a)\r\n\(String(b.utf8.count, radix: 16));ext=1\r\n\(b)\r\n0\r\n\r\n".utf8)
        #expect(String(decoding: ChunkedPrefix.decode(body), as: UTF8.self) == "Action=GetCallerIdentity&Version=2011-")
        #expect(String(decoding: ChunkedPrefix.decode(Array("a\r\nAction".utf8)), as: UTF8.self) == "Action")
        #expect(ChunkedPrefix.decode(Array("zz\r\nx".utf8)).isEmpty)
        #expect(ChunkedPrefix.decode([]).isEmpty)
    }
}
