import Testing
@testable import TLSGateHTTP

@Suite struct ProxyResponseTests {
    @Test func errorClose() {
        let out = ProxyResponse.error(status: 403, code: "host_not_allowed", message: "host evil.com is not allowed", keepAlive: false)
        let body = "host evil.com is not allowed\n"
        #expect(out == bytes("HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + "Content-Length: \(body.utf8.count)\r\nX-TLSGate-Error: host_not_allowed\r\nConnection: close\r\n\r\n" + body))
    }

    @Test func errorKeepAlive() throws {
        let out = ProxyResponse.error(status: 502, code: "tls_verify_failed", message: "é", keepAlive: true)
        var p = HTTPHeadParser()
        let r = flatten(p.parseResponse(out))
        let head = try #require(r.head)
        #expect(head.status == 502)
        #expect(head.reason == "Bad Gateway")
        #expect(head.keepAlive)
        #expect(!head.headers.contains("Connection"))
        #expect(head.headers.first("x-tlsgate-error") == "tls_verify_failed")
        let framing = try responseFraming(head, requestMethod: "GET").get()
        #expect(framing == .contentLength(UInt64("é\n".utf8.count)))
        #expect(out.count - (r.consumed ?? 0) == "é\n".utf8.count)
    }

    @Test func errorCannotInjectHeaders() throws {
        let out = ProxyResponse.error(status: 400, code: "x\r\nSet-Cookie: a=b", message: "line1\r\nline2", keepAlive: true)
        var p = HTTPHeadParser()
        let head = try #require(flatten(p.parseResponse(out)).head)
        #expect(!head.headers.contains("Set-Cookie"))
        #expect(head.headers.first("X-TLSGate-Error") == "xSet-Cookieab")
        #expect(out.suffix(13) == bytes("line1  line2\n"))
    }

    @Test(arguments: [(400, "Bad Request"), (407, "Proxy Authentication Required"), (431, "Request Header Fields Too Large"),
                      (501, "Not Implemented"), (505, "HTTP Version Not Supported"), (599, "Server Error"), (450, "Client Error")])
    func reasonPhrases(status: Int, reason: String) {
        #expect(ProxyResponse.reasonPhrase(status) == reason)
    }

    @Test func fixedResponses() {
        #expect(ProxyResponse.connectEstablished() == bytes("HTTP/1.1 200 Connection established\r\n\r\n"))
        #expect(ProxyResponse.continue100() == bytes("HTTP/1.1 100 Continue\r\n\r\n"))
    }
}
