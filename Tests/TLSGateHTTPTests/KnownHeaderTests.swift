import Testing
@testable import TLSGateHTTP

/// The per-field name tags built while parsing (`KnownHeader`) and the serializer's run copying.
@Suite struct KnownHeaderTests {
    static let names: [(String, KnownHeader)] = [
        ("host", .host), ("content-length", .contentLength), ("transfer-encoding", .transferEncoding),
        ("connection", .connection), ("proxy-connection", .proxyConnection), ("keep-alive", .keepAlive),
        ("proxy-authorization", .proxyAuthorization), ("proxy-authenticate", .proxyAuthenticate),
        ("te", .te), ("trailer", .trailer), ("upgrade", .upgrade), ("expect", .expect),
        ("content-type", .contentType), ("authorization", .authorization),
    ]

    @Test func classifiesEveryKnownNameInAnyCase() {
        #expect(Self.names.count == KnownHeader.allCases.count - 1)
        for (name, known) in Self.names {
            #expect(KnownHeader.classify(name) == known)
            #expect(KnownHeader.classify(name.uppercased()) == known)
            // Alternate case per byte.
            let mixed = String(name.enumerated().map { $0.offset % 2 == 0 ? Character($0.element.uppercased()) : $0.element })
            #expect(KnownHeader.classify(mixed) == known)
        }
    }

    @Test func oneByteOffIsNoKnownName() {
        // Every byte of every name changed to each other value: exact comparison, no false match
        // (in particular CR for '-' and case-flipped non-letters, which a plain |0x20 would accept).
        for (name, _) in Self.names {
            let original = Array(name.utf8)
            for position in original.indices {
                for value in 0...255 where UInt8(value) != original[position]
                    && !(ByteClass.lower(UInt8(value)) == original[position]) {
                    var changed = original
                    changed[position] = UInt8(value)
                    let known = changed.withUnsafeBufferPointer { KnownHeader.classify($0) }
                    #expect(known == .other, "\(changed)")
                }
            }
        }
        #expect(KnownHeader.classify("hosts") == .other)
        #expect(KnownHeader.classify("hos") == .other)
        #expect(KnownHeader.classify("") == .other)
        #expect(KnownHeader.classify("x-amz-date") == .other)
    }

    @Test func parsedFieldsAreTaggedAndIndexed() throws {
        let text = "GET http://h/ HTTP/1.1\r\nhOsT: h\r\nX-A: 1\r\nCONTENT-LENGTH: 5\r\ncontent-length: 5\r\nX-a: 2\r\n\r\n"
        let head = try #require(parseRequest(text).head)
        let h = head.headers
        #expect(h.fields.map(\.known) == [.host, .other, .contentLength, .contentLength, .other])
        #expect(h.present == KnownHeader.host.bit | KnownHeader.contentLength.bit)
        #expect(h.contains(.host) && h.contains(.contentLength) && !h.contains(.transferEncoding))
        #expect(h.first("Host") == "h")
        #expect(h.all("Content-Length") == ["5", "5"])
        #expect(h.all("x-a") == ["1", "2"])
        #expect(h.count(named: "CONTENT-length") == 2)
        #expect(!h.contains("Transfer-Encoding"))
        #expect(try requestFraming(head).get() == .contentLength(5))
    }

    @Test func repeatedKnownFieldsKeepTheirRules() throws {
        let differing = try #require(parseRequest("POST http://h/ HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nCONTENT-LENGTH: 6\r\n\r\n").head)
        #expect(requestFraming(differing) == .failure(.conflictingContentLength))
        #expect(parseRequest("GET http://h/ HTTP/1.1\r\nHost: h\r\nX: 1\r\nHOST: h\r\n\r\n").error == .duplicateHost)
        // A later invalid line still wins over the duplicate Host, as before.
        #expect(parseRequest("GET http://h/ HTTP/1.1\r\nHost: h\r\nhost: h\r\nBad Name: 1\r\n\r\n").error == .whitespaceBeforeColon)
        let te = try #require(parseResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\ntransfer-encoding: chunked\r\n\r\n").head)
        #expect(try responseFraming(te, requestMethod: "GET").get() == .chunked)
        let closing = try #require(parseResponse("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nCONNECTION: Close\r\n\r\n").head)
        #expect(!closing.keepAlive)
    }

    @Test func builtHeadersAreTaggedToo() {
        let h = HTTPHeaders([("Content-Length", "3"), ("connection", "close"), ("content\rlength", "4")])
        #expect(h.fields.map(\.known) == [.contentLength, .connection, .other])
        #expect(h.containsToken("Connection", "CLOSE"))
        #expect(h.all("content-length") == ["3"])
    }

    @Test func invalidInputRejectedAsBefore() {
        let base = "GET http://h/ HTTP/1.1\r\nHost: h\r\n"
        #expect(parseRequest(base + "X: 1\r\n  folded\r\n\r\n").error == .obsoleteLineFolding)
        #expect(parseRequest(base + "X: 1\r\n\tfolded\r\n\r\n").error == .obsoleteLineFolding)
        #expect(parseRequest(base + "Content\rLength: 1\r\n\r\n").error == .bareCR)
        #expect(parseRequest(base + "NoColon\r\n\r\n").error == .invalidHeaderName)
        #expect(parseRequest(base + "NoColon\n\r\n").error == .invalidHeaderName)
        #expect(parseRequest(base + ": empty\r\n\r\n").error == .invalidHeaderName)
        #expect(parseRequest(base + "X : 1\r\n\r\n").error == .whitespaceBeforeColon)
        #expect(parseRequest(base + "X: a\rb\r\n\r\n").error == .bareCR)
        #expect(parseRequest(base + "X: a\r\r\n\r\n").error == .bareCR)
        #expect(parseRequest(base + "X: a\u{7F}\r\n\r\n").error == .invalidHeaderValue)
    }

    @Test func valueBytesCheckedAtEveryWordPosition() {
        // The value scan skips eight plain bytes at a time: put the byte of interest at every offset.
        for offset in 0..<24 {
            let before = String(repeating: "v", count: offset)
            let after = String(repeating: "w", count: 11)
            func value(_ c: String) -> String {
                "GET http://h/ HTTP/1.1\r\nHost: h\r\nX-Long-Name: " + before + c + after + "\r\nY: 1\r\n\r\n"
            }
            let tab = parseRequest(value("\t")).head
            // (At offset 0 the tab is leading whitespace, which is not part of the value.)
            #expect(tab?.headers.first("x-long-name") == (offset == 0 ? after : before + "\t" + after))
            #expect(tab?.headers.first("y") == "1")
            #expect(parseRequest(value("\u{01}")).error == .invalidHeaderValue)
            #expect(parseRequest(value("\u{7F}")).error == .invalidHeaderValue)
            #expect(parseRequest(value("\r")).error == .bareCR)
            #expect(parseRequest(value("\u{00}")).error == .invalidHeaderValue)
            #expect(parseRequest(value("é")).head?.headers.first("X-Long-Name") == before + "é" + after)
            // A value ending at each offset, with trailing whitespace trimmed for lookups only.
            let trimmed = parseRequest("GET http://h/ HTTP/1.1\r\nHost: h\r\nX: " + before + " \t \r\n\r\n").head
            #expect(trimmed?.headers.first("x") == before)
        }
    }

    @Test func serializedRunsKeepExactBytes() throws {
        // Mixed line endings, hop-by-hop fields between kept ones, untrimmed values: each kept line
        // goes out byte for byte with CRLF, consecutive CRLF lines copied together.
        let text = "HTTP/1.1 200 OK\r\nA: 1 \r\nB:2\nKeep-Alive: timeout=5\r\nC:  3\r\nD: 4\r\nConnection: keep-alive, D\r\nE: 5\n\n"
        let head = try #require(parseResponse(text).head)
        #expect(clientResponseHead(head, keepAlive: true, clientVersion: .http11)
            == bytes("HTTP/1.1 200 OK\r\nA: 1 \r\nB:2\r\nC:  3\r\nE: 5\r\n\r\n"))
        #expect(clientResponseHead(head, keepAlive: false, clientVersion: .http11)
            == bytes("HTTP/1.1 200 OK\r\nA: 1 \r\nB:2\r\nC:  3\r\nE: 5\r\nConnection: close\r\n\r\n"))
    }

    @Test func typicalOriginResponseByteExact() throws {
        let fields = "Server: nginx/1.22.1\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\nContent-Type: application/octet-stream\r\n"
            + "Content-Length: 1024\r\nLast-Modified: Mon, 01 Jan 2024 00:00:00 GMT\r\n"
        let text = "HTTP/1.1 200 OK\r\n" + fields + "Connection: keep-alive\r\nETag: \"65920000-400\"\r\nAccept-Ranges: bytes\r\n\r\n"
        let head = try #require(parseResponse(text).head)
        #expect(head.keepAlive)
        #expect(try responseFraming(head, requestMethod: "GET").get() == .contentLength(1024))
        let tail = "ETag: \"65920000-400\"\r\nAccept-Ranges: bytes\r\n"
        #expect(clientResponseHead(head, keepAlive: true, clientVersion: .http11) == bytes("HTTP/1.1 200 OK\r\n" + fields + tail + "\r\n"))
        #expect(clientResponseHead(head, keepAlive: true, clientVersion: .http10)
            == bytes("HTTP/1.1 200 OK\r\n" + fields + tail + "Connection: keep-alive\r\n\r\n"))
    }

    @Test func typicalProxyRequestByteExact() throws {
        let text = "GET http://origin.example/1k?a=b HTTP/1.1\r\nHost: origin.example\r\nAccept-Encoding: identity\r\n"
            + "Proxy-Connection: keep-alive\r\nProxy-Authorization: Basic eDp5\r\nUser-Agent: t/1\r\n\r\n"
        let head = try #require(parseRequest(text).head)
        let uri = try #require(AbsoluteURI.parse(head.target))
        #expect(head.headers.withFirstValueBytes("HOST") { uri.matchesHostHeader(bytes: $0) } == true)
        var built = false
        let out = upstreamRequestHead(head, originForm: uri.pathAndQuery, hostIfMissing: { built = true; return "x" })
        #expect(!built)
        #expect(out == bytes("GET /1k?a=b HTTP/1.1\r\nHost: origin.example\r\nAccept-Encoding: identity\r\nUser-Agent: t/1\r\n\r\n"))
        #expect(upstreamRequestHead(head, originForm: "/", hostIfMissing: "x", closeUpstream: true)
            == bytes("GET / HTTP/1.1\r\nHost: origin.example\r\nAccept-Encoding: identity\r\nUser-Agent: t/1\r\nConnection: close\r\n\r\n"))
    }

    @Test func hostMatchingAndURIValidation() throws {
        let uri = try #require(AbsoluteURI.parse("http://Origin.Example:8080/x"))
        #expect(uri.matchesHostHeader("origin.example:8080"))
        #expect(!uri.matchesHostHeader("origin.example"))
        #expect(!uri.matchesHostHeader("origin.exampl:8080"))
        #expect(!uri.matchesHostHeader("origin.examplf:8080"))
        let plain = try #require(AbsoluteURI.parse("http://h.test/x"))
        #expect(plain.matchesHostHeader("H.TEST") && plain.matchesHostHeader("h.test:80") && !plain.matchesHostHeader("h.test:443"))
        // Visible ASCII only, at every position of a word.
        let target = "http://host.example/abcdefghijklmnopq"
        for i in target.utf8.indices.dropFirst(19) {
            for bad: UInt8 in [0x20, 0x7F, 0x80, 0xFF, 0x00, 0x09] {
                var b = Array(target.utf8)
                b[target.utf8.distance(from: target.utf8.startIndex, to: i)] = bad
                #expect(AbsoluteURI.parse(String(decoding: b, as: UTF8.self)) == nil)
            }
        }
        #expect(AbsoluteURI.parse(target)?.pathAndQuery == "/abcdefghijklmnopq")
        for b in 0...255 {
            let byte = UInt8(b)
            let reference = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F
            #expect(ByteClass.isRegName(byte) == reference)
        }
    }
}
