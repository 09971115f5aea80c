import Testing
@testable import TLSGateHTTP

@Suite struct FramingTests {
    static let requestMatrix: [(String, Result<BodyFraming, HTTPParseError>)] = [
        ("", .success(.none)),
        ("Content-Length: 0", .success(.contentLength(0))),
        ("Content-Length: 42", .success(.contentLength(42))),
        ("Content-Length: 42\r\nContent-Length: 42", .success(.contentLength(42))),
        ("Content-Length: 42, 42", .success(.contentLength(42))),
        ("Content-Length: 42,42 , 42", .success(.contentLength(42))),
        ("Content-Length: 042", .success(.contentLength(42))),
        ("Content-Length: 9223372036854775807", .success(.contentLength(9_223_372_036_854_775_807))),
        ("Content-Length: 9223372036854775808", .failure(.invalidContentLength)),
        ("Content-Length: 99999999999999999999999", .failure(.invalidContentLength)),
        ("Content-Length: 42\r\nContent-Length: 43", .failure(.conflictingContentLength)),
        ("Content-Length: 42, 43", .failure(.conflictingContentLength)),
        ("Content-Length: ", .failure(.invalidContentLength)),
        ("Content-Length: -1", .failure(.invalidContentLength)),
        ("Content-Length: +1", .failure(.invalidContentLength)),
        ("Content-Length: 0x10", .failure(.invalidContentLength)),
        ("Content-Length: 1 2", .failure(.invalidContentLength)),
        ("Content-Length: 1.0", .failure(.invalidContentLength)),
        ("Content-Length: 5,", .failure(.invalidContentLength)),
        ("Content-Length: ,5", .failure(.invalidContentLength)),
        ("Content-Length: 5,,5", .failure(.invalidContentLength)),
        ("Transfer-Encoding: chunked", .success(.chunked)),
        ("Transfer-Encoding: Chunked", .success(.chunked)),
        ("Transfer-Encoding: gzip, chunked", .success(.chunked)),
        ("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked", .success(.chunked)),
        ("Transfer-Encoding: chunked\r\nContent-Length: 5", .failure(.transferEncodingWithContentLength)),
        ("Content-Length: 5\r\nTransfer-Encoding: chunked", .failure(.transferEncodingWithContentLength)),
        ("Transfer-Encoding: chunked, gzip", .failure(.invalidTransferEncoding)),
        ("Transfer-Encoding: gzip", .failure(.invalidTransferEncoding)),
        ("Transfer-Encoding: chunked, chunked", .failure(.invalidTransferEncoding)),
        ("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked", .failure(.invalidTransferEncoding)),
        ("Transfer-Encoding: ", .failure(.invalidTransferEncoding)),
        ("Transfer-Encoding: ,", .failure(.invalidTransferEncoding)),
        ("Transfer-Encoding: \"chunked\"", .failure(.invalidTransferEncoding)),
        ("Transfer-Encoding: chunked;q=1", .failure(.invalidTransferEncoding)),
        ("Transfer-Encoding: xchunked", .failure(.unsupportedTransferCoding)),
        ("Transfer-Encoding: identity", .failure(.unsupportedTransferCoding)),
        ("Transfer-Encoding: foo, chunked", .failure(.unsupportedTransferCoding)),
        ("Transfer-Encoding: chunked, foo", .failure(.unsupportedTransferCoding)),
    ]

    @Test(arguments: requestMatrix)
    func requestFramingMatrix(fields: String, expected: Result<BodyFraming, HTTPParseError>) throws {
        let text = "POST / HTTP/1.1\r\n" + (fields.isEmpty ? "" : fields + "\r\n") + "\r\n"
        let head = try #require(parseRequest(text).head)
        #expect(requestFraming(head) == expected, "\(fields.debugDescription)")
    }

    @Test func transferEncodingInHTTP10Request() throws {
        let head = try #require(parseRequest("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n").head)
        #expect(requestFraming(head) == .failure(.transferEncodingInHTTP10))
    }

    @Test func unsupportedCodingIs501() throws {
        let head = try #require(parseRequest("POST / HTTP/1.1\r\nTransfer-Encoding: br\r\n\r\n").head)
        guard case .failure(let e) = requestFraming(head) else { Issue.record("accepted"); return }
        #expect(e.status == 501)
    }

    static let responseMatrix: [(String, String, String, Result<BodyFraming, HTTPParseError>)] = [
        ("GET", "200 OK", "Content-Length: 10", .success(.contentLength(10))),
        ("HEAD", "200 OK", "Content-Length: 10", .success(.none)),
        ("HEAD", "200 OK", "Transfer-Encoding: chunked", .success(.none)),
        ("GET", "100 Continue", "", .success(.none)),
        ("GET", "101 Switching Protocols", "", .success(.none)),
        ("GET", "103 Early Hints", "Content-Length: 5", .success(.none)),
        ("GET", "204 No Content", "Content-Length: 5", .success(.none)),
        ("GET", "304 Not Modified", "Content-Length: 5", .success(.none)),
        ("CONNECT", "200 Connection established", "", .success(.none)),
        ("CONNECT", "407 Proxy Auth", "Content-Length: 3", .success(.contentLength(3))),
        ("GET", "200 OK", "Transfer-Encoding: chunked", .success(.chunked)),
        ("GET", "200 OK", "Transfer-Encoding: gzip, chunked", .success(.chunked)),
        ("GET", "200 OK", "Transfer-Encoding: gzip", .success(.untilClose)),
        ("GET", "200 OK", "Transfer-Encoding: br", .success(.untilClose)),
        ("GET", "200 OK", "Transfer-Encoding: chunked, chunked", .failure(.invalidTransferEncoding)),
        ("GET", "200 OK", "Transfer-Encoding: chunked\r\nContent-Length: 5", .failure(.transferEncodingWithContentLength)),
        ("GET", "200 OK", "", .success(.untilClose)),
        ("GET", "404 Not Found", "Content-Length: 0", .success(.contentLength(0))),
        ("GET", "200 OK", "Content-Length: 5\r\nContent-Length: 6", .failure(.conflictingContentLength)),
        ("GET", "200 OK", "Content-Length: abc", .failure(.invalidContentLength)),
        ("PUT", "500 Internal Server Error", "Content-Length: 7", .success(.contentLength(7))),
    ]

    @Test(arguments: responseMatrix)
    func responseFramingMatrix(method: String, status: String, fields: String, expected: Result<BodyFraming, HTTPParseError>) throws {
        let text = "HTTP/1.1 \(status)\r\n" + (fields.isEmpty ? "" : fields + "\r\n") + "\r\n"
        let head = try #require(parseResponse(text).head)
        #expect(responseFraming(head, requestMethod: method) == expected, "\(method) \(status) \(fields.debugDescription)")
    }

    @Test func transferEncodingInHTTP10Response() throws {
        let head = try #require(parseResponse("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").head)
        #expect(responseFraming(head, requestMethod: "GET") == .failure(.transferEncodingInHTTP10))
    }
}
