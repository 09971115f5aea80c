import Testing
@testable import TLSGateHTTP

@Suite struct ResponseHeadTests {
    @Test func s3Response() throws {
        let text = "HTTP/1.1 200 OK\r\nx-amz-id-2: abc=\r\nx-amz-request-id: 0123\r\n"
            + "Date: Mon, 01 Jan 2024 00:00:00 GMT\r\nETag: \"d41d8cd98f00b204e9800998ecf8427e\"\r\n"
            + "Content-Length: 0\r\nServer: AmazonS3\r\n\r\n"
        let r = parseResponse(text)
        let head = try #require(r.head)
        #expect(r.consumed == text.utf8.count)
        #expect(head.status == 200)
        #expect(head.reason == "OK")
        #expect(head.version == .http11)
        #expect(head.keepAlive)
        #expect(!head.isInformational)
        #expect(head.headers.first("etag") == "\"d41d8cd98f00b204e9800998ecf8427e\"")
    }

    @Test(arguments: [
        ("HTTP/1.1 100 Continue\r\n\r\n", 100, "Continue", true),
        ("HTTP/1.1 101 Switching Protocols\r\n\r\n", 101, "Switching Protocols", false),
        ("HTTP/1.1 103 Early Hints\r\n\r\n", 103, "Early Hints", true),
        ("HTTP/1.1 204 No Content\r\n\r\n", 204, "No Content", false),
        ("HTTP/1.1 404 \r\n\r\n", 404, "", false),
        ("HTTP/1.1 404\r\n\r\n", 404, "", false),
        ("HTTP/1.1 500 Internal  Server\tError\r\n\r\n", 500, "Internal  Server\tError", false),
        ("HTTP/1.0 599 x\n\n", 599, "x", false),
    ])
    func statusLines(text: String, status: Int, reason: String, informational: Bool) throws {
        let head = try #require(parseResponse(text).head)
        #expect(head.status == status)
        #expect(head.reason == reason)
        #expect(head.isInformational == informational)
    }

    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\n\r\n", true),
        ("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", false),
        ("HTTP/1.0 200 OK\r\n\r\n", false),
        ("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", true),
    ])
    func keepAlive(text: String, expected: Bool) throws {
        #expect(try #require(parseResponse(text).head).keepAlive == expected)
    }

    @Test func continueThenFinalInOneBuffer() throws {
        let text = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        var buffer = bytes(text)
        var p = HTTPHeadParser()
        let first = flatten(p.parseResponse(buffer))
        #expect(first.head?.isInformational == true)
        buffer.removeFirst(try #require(first.consumed))
        let second = flatten(p.parseResponse(buffer))
        #expect(second.head?.status == 200)
        #expect(second.consumed == buffer.count - 2)
    }
}
