import Testing
@testable import TLSGateHTTP

@Suite struct RequestHeadTests {
    @Test func curlForwardGet() throws {
        let text = "GET http://s3.us-east-1.amazonaws.com/bucket/key?x=1 HTTP/1.1\r\n"
            + "Host: s3.us-east-1.amazonaws.com\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n"
            + "Proxy-Connection: Keep-Alive\r\n\r\n"
        let r = parseRequest(text)
        let head = try #require(r.head)
        #expect(r.consumed == text.utf8.count)
        #expect(head.method == "GET")
        #expect(head.target == "http://s3.us-east-1.amazonaws.com/bucket/key?x=1")
        #expect(head.version == .http11)
        #expect(head.headers.count == 4)
        #expect(head.headers.first("host") == "s3.us-east-1.amazonaws.com")
        #expect(head.headers.first("USER-AGENT") == "curl/8.5.0")
        #expect(head.keepAlive)
        #expect(!head.expectsContinue)
        #expect(!head.isConnect)
    }

    @Test func curlConnect() throws {
        let text = "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n"
            + "User-Agent: curl/8.5.0\r\nProxy-Connection: Keep-Alive\r\n\r\n"
        let head = try #require(parseRequest(text).head)
        #expect(head.isConnect)
        #expect(head.target == "example.com:443")
        #expect(Authority.parse(head.target) == Authority(host: "example.com", port: 443))
    }

    @Test func botocoreConnectHTTP10NoHeaders() throws {
        let text = "CONNECT s3.us-east-1.amazonaws.com:443 HTTP/1.0\r\n\r\n"
        let r = parseRequest(text)
        let head = try #require(r.head)
        #expect(r.consumed == text.utf8.count)
        #expect(head.version == .http10)
        #expect(head.headers.isEmpty)
        #expect(head.headers.count == 0)
        #expect(!head.keepAlive)
        #expect(Authority.parse(head.target)?.host == "s3.us-east-1.amazonaws.com")
    }

    @Test func awsCliPutWithExpectContinue() throws {
        let text = "PUT http://s3.us-east-1.amazonaws.com/bkt/obj HTTP/1.1\r\n"
            + "Host: s3.us-east-1.amazonaws.com\r\n"
            + "Accept-Encoding: identity\r\n"
            + "Content-MD5: 1B2M2Y8AsgTpgAmY7PhCfg==\r\n"
            + "Expect: 100-continue\r\n"
            + "User-Agent: aws-cli/2.15.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1\r\n"
            + "X-Amz-Date: 20240101T000000Z\r\n"
            + "X-Amz-Content-SHA256: UNSIGNED-PAYLOAD\r\n"
            + "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/s3/aws4_request, "
            + "SignedHeaders=content-md5;host;x-amz-content-sha256;x-amz-date, Signature=abc123\r\n"
            + "Content-Length: 5\r\n\r\nhello"
        let r = parseRequest(text)
        let head = try #require(r.head)
        #expect(r.consumed == text.utf8.count - 5)
        #expect(head.expectsContinue)
        #expect(head.keepAlive)
        #expect(head.headers.first("x-amz-content-sha256") == "UNSIGNED-PAYLOAD")
        #expect(try requestFraming(head).get() == .contentLength(5))
    }

    @Test func expectContinueIgnoredOnHTTP10() throws {
        let head = try #require(parseRequest("PUT /x HTTP/1.0\r\nExpect: 100-continue\r\n\r\n").head)
        #expect(!head.expectsContinue)
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\n\r\n", true),
        ("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false),
        ("GET / HTTP/1.1\r\nConnection: Keep-Alive, CLOSE\r\n\r\n", false),
        ("GET / HTTP/1.1\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", false),
        ("GET / HTTP/1.0\r\n\r\n", false),
        ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true),
        ("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true),
        ("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", false),
        ("GET / HTTP/1.0\r\nConnection: keep-alived\r\n\r\n", false),
        ("GET / HTTP/1.1\r\nConnection: closed\r\n\r\n", true),
    ])
    func keepAlive(text: String, expected: Bool) throws {
        let head = try #require(parseRequest(text).head)
        #expect(head.keepAlive == expected)
    }

    @Test func bareLFLineEndings() throws {
        let text = "GET /a HTTP/1.1\nHost: h\nX-A: 1\n\nBODY"
        let r = parseRequest(text)
        let head = try #require(r.head)
        #expect(r.consumed == text.utf8.count - 4)
        #expect(head.headers.first("x-a") == "1")
    }

    @Test func mixedLineEndings() throws {
        let text = "GET /a HTTP/1.1\r\nHost: h\nX-A: 1\r\n\n"
        let r = parseRequest(text)
        #expect(r.head?.headers.count == 2)
        #expect(r.consumed == text.utf8.count)
    }

    @Test func leadingEmptyLinesSkipped() throws {
        let text = "\r\n\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"
        let r = parseRequest(text)
        let head = try #require(r.head)
        #expect(r.consumed == text.utf8.count)
        #expect(head.method == "GET")
        #expect(head.headers.headByteCount == text.utf8.count - 5)
    }

    @Test func leadingEmptyLinesBoundedByHeadLimit() {
        let text = String(repeating: "\r\n", count: 600) + "GET / HTTP/1.1\r\n\r\n"
        #expect(parseRequest(text, maxHeadBytes: 1024).error == .headTooLarge)
    }

    @Test func valueWhitespaceTrimmedAndInnerKept() throws {
        let head = try #require(parseRequest("GET / HTTP/1.1\r\nX-A: \t a  b \t\r\nX-B:\r\nX-C:c\r\n\r\n").head)
        #expect(head.headers.first("x-a") == "a  b")
        #expect(head.headers.first("x-b") == "")
        #expect(head.headers.first("x-c") == "c")
    }

    @Test func obsTextAllowedInValues() throws {
        let raw: [UInt8] = bytes("GET / HTTP/1.1\r\nX-U: caf") + [0xC3, 0xA9, 0xFF] + bytes("\r\n\r\n")
        var p = HTTPHeadParser()
        let head = try #require(flatten(p.parseRequest(raw)).head)
        #expect(head.headers.first("x-u")?.hasPrefix("caf\u{E9}") == true)
    }

    @Test func methodsAreTokens() throws {
        for m in ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "M-SEARCH", "X~Y!"] {
            #expect(parseRequest("\(m) / HTTP/1.1\r\n\r\n").head?.method == m)
        }
    }

    @Test func higherMinorVersionIsHTTP11() throws {
        #expect(parseRequest("GET / HTTP/1.7\r\n\r\n").head?.version == .http11)
    }

    @Test func asteriskAndAuthorityTargets() throws {
        #expect(parseRequest("OPTIONS * HTTP/1.1\r\n\r\n").head?.target == "*")
        #expect(parseRequest("CONNECT [::1]:8443 HTTP/1.1\r\n\r\n").head?.target == "[::1]:8443")
    }

    @Test func bodyBytesAfterHeadNotConsumed() throws {
        let text = "POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\n\r\n"
        var p = HTTPHeadParser()
        let all = bytes(text)
        let first = flatten(p.parseRequest(all))
        let consumed = try #require(first.consumed)
        #expect(Array(all[consumed..<consumed + 3]) == bytes("abc"))
        // The parser reset itself: the next message parses from the remainder.
        let second = flatten(p.parseRequest(Array(all[(consumed + 3)...])))
        #expect(second.head?.method == "GET")
    }

    @Test func pipelinedRequests() throws {
        let one = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
        let two = "GET /2 HTTP/1.1\r\nHost: b\r\n\r\n"
        var buffer = bytes(one + two)
        var p = HTTPHeadParser()
        var targets: [String] = []
        for _ in 0..<3 {
            guard case .complete(let head, let consumed) = flatten(p.parseRequest(buffer)) else { break }
            targets.append(head.target)
            buffer.removeFirst(consumed)
        }
        #expect(targets == ["/1", "/2"])
        #expect(buffer.isEmpty)
    }

    @Test func iterationYieldsNamesAndValuesInOrder() throws {
        let head = try #require(parseRequest("GET / HTTP/1.1\r\nB: 2\r\na: 1\r\nB: 3\r\n\r\n").head)
        let pairs = head.headers.map { "\($0.name)=\($0.value)" }
        #expect(pairs == ["B=2", "a=1", "B=3"])
        #expect(head.headers.all("b") == ["2", "3"])
        #expect(head.headers.count(named: "B") == 2)
        #expect(head.headers.contains("A"))
        #expect(!head.headers.contains("C"))
        #expect(head.headers.first("c") == nil)
        #expect(head.headers.all("c").isEmpty)
    }

    @Test(arguments: [
        ("Connection", "close", "Connection: keep-alive, close", true),
        ("connection", "CLOSE", "Connection: Close", true),
        ("Connection", "close", "Connection: closed", false),
        ("Connection", "close", "Connection: xclose", false),
        ("Connection", "close", "Connection: ,, close ,", true),
        ("Connection", "close", "Connection: \tclose\t", true),
        ("Connection", "close", "Connection: upgrade\r\nConnection: close", true),
        ("Connection", "close", "Connectio: close", false),
        ("TE", "trailers", "TE: deflate, trailers", true),
        ("Expect", "100-continue", "Expect: 100-Continue", true),
    ])
    func containsToken(name: String, token: String, field: String, expected: Bool) throws {
        let head = try #require(parseRequest("GET / HTTP/1.1\r\n\(field)\r\n\r\n").head)
        #expect(head.headers.containsToken(name, token) == expected)
    }

    @Test func headersFromPairs() {
        let h = HTTPHeaders([("Host", "x"), ("Connection", "close")])
        #expect(h.count == 2)
        #expect(h.first("host") == "x")
        #expect(h.containsToken("connection", "close"))
    }

    @Test func tcharTableMatchesRFC() {
        let tchars = Set(bytes("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        for b in 0...255 {
            #expect(ByteClass.isTchar(UInt8(b)) == tchars.contains(UInt8(b)), "byte \(b)")
        }
    }
}
