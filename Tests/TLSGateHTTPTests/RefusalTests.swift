import Testing
@testable import TLSGateHTTP

@Suite struct RefusalTests {
    static let requestRefusals: [(String, String, HTTPParseError)] = [
        ("lone token", "GET\r\n\r\n", .invalidRequestLine),
        ("missing version", "GET /\r\n\r\n", .invalidVersion),
        ("empty method", " / HTTP/1.1\r\n\r\n", .invalidMethod),
        ("bad method char", "GE(T / HTTP/1.1\r\n\r\n", .invalidMethod),
        ("method with NUL", "GE\0T / HTTP/1.1\r\n\r\n", .invalidMethod),
        ("tab separator", "GET\t/ HTTP/1.1\r\n\r\n", .invalidRequestLine),
        ("double space", "GET  / HTTP/1.1\r\n\r\n", .invalidRequestLine),
        ("trailing space", "GET / HTTP/1.1 \r\n\r\n", .invalidVersion),
        ("space in target", "GET /a b HTTP/1.1\r\n\r\n", .invalidVersion),
        ("control in target", "GET /a\u{1}b HTTP/1.1\r\n\r\n", .invalidTarget),
        ("DEL in target", "GET /a\u{7F} HTTP/1.1\r\n\r\n", .invalidTarget),
        ("non-ASCII target", "GET /caf\u{E9} HTTP/1.1\r\n\r\n", .invalidTarget),
        ("lowercase version", "GET / http/1.1\r\n\r\n", .invalidVersion),
        ("garbage version", "GET / HTTX/1.1\r\n\r\n", .invalidVersion),
        ("short version", "GET / HTTP/1\r\n\r\n", .invalidVersion),
        ("long version", "GET / HTTP/1.10\r\n\r\n", .invalidVersion),
        ("HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", .unsupportedVersion),
        ("HTTP/0.9", "GET / HTTP/0.9\r\n\r\n", .unsupportedVersion),
        ("bare CR in request line", "GET / HTTP/1.1\r\r\n\r\n", .invalidVersion),
        ("obs-fold", "GET / HTTP/1.1\r\nX-A: 1\r\n  2\r\n\r\n", .obsoleteLineFolding),
        ("tab fold", "GET / HTTP/1.1\r\nX-A: 1\r\n\t2\r\n\r\n", .obsoleteLineFolding),
        ("space before first header", "GET / HTTP/1.1\r\n Host: x\r\n\r\n", .obsoleteLineFolding),
        ("space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", .whitespaceBeforeColon),
        ("tab before colon", "GET / HTTP/1.1\r\nContent-Length\t: 5\r\n\r\n", .whitespaceBeforeColon),
        ("no colon", "GET / HTTP/1.1\r\nHost x\r\n\r\n", .whitespaceBeforeColon),
        ("no colon at all", "GET / HTTP/1.1\r\nHostx\r\n\r\n", .invalidHeaderName),
        ("empty name", "GET / HTTP/1.1\r\n: x\r\n\r\n", .invalidHeaderName),
        ("bad name char", "GET / HTTP/1.1\r\nX(A): x\r\n\r\n", .invalidHeaderName),
        ("non-ASCII name", "GET / HTTP/1.1\r\nX-\u{E9}: x\r\n\r\n", .invalidHeaderName),
        ("NUL in value", "GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n", .invalidHeaderValue),
        ("control in value", "GET / HTTP/1.1\r\nX-A: a\u{1B}b\r\n\r\n", .invalidHeaderValue),
        ("DEL in value", "GET / HTTP/1.1\r\nX-A: a\u{7F}\r\n\r\n", .invalidHeaderValue),
        ("bare CR in value", "GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n", .bareCR),
        ("bare CR ending value", "GET / HTTP/1.1\r\nX-A: a\r\r\n\r\n", .bareCR),
        ("name only", "GET / HTTP/1.1\r\nX-A\r\n\r\n", .invalidHeaderName),
        ("bare CR after name", "GET / HTTP/1.1\r\nX-A\r: b\r\n\r\n", .bareCR),
        ("bare CR line", "GET / HTTP/1.1\r\nX-A: a\r\n\rX\r\n\r\n", .bareCR),
        ("bare CR leading", "\rGET / HTTP/1.1\r\n\r\n", .bareCR),
        ("duplicate Host", "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", .duplicateHost),
    ]

    @Test(arguments: requestRefusals)
    func requestRefused(name: String, text: String, expected: HTTPParseError) {
        #expect(parseRequest(text).error == expected, "\(name)")
    }

    /// The same refusals, fed one byte at a time, give the same error.
    @Test(arguments: requestRefusals)
    func requestRefusedBytewise(name: String, text: String, expected: HTTPParseError) {
        var p = HTTPHeadParser()
        let (r, _) = parseRequestBytewise(bytes(text), parser: &p)
        #expect(r.error == expected, "\(name)")
    }

    /// Field values are validated eight bytes at a time when they look plain: a forbidden byte
    /// must be caught at every offset, and trailing whitespace trimmed whatever the length.
    @Test func valueBytesCheckedAtEveryOffset() {
        for offset in 0..<20 {
            let prefix = String(repeating: "v", count: offset), suffix = String(repeating: "w", count: 19 - offset)
            for (bad, error) in [("\u{00}", HTTPParseError.invalidHeaderValue), ("\u{7F}", .invalidHeaderValue),
                                 ("\u{01}", .invalidHeaderValue), ("\r", .bareCR)] {
                let text = "GET / HTTP/1.1\r\nHost: h\r\nX-V: " + prefix + bad + suffix + "\r\n\r\n"
                #expect(parseRequest(text).error == error, "offset \(offset) byte \(bad.unicodeScalars.first!.value)")
            }
            let ok = "GET / HTTP/1.1\r\nHost: h\r\nX-V: \ta" + prefix + "\tx é" + suffix + " \t \r\n\r\n"
            #expect(parseRequest(ok).head?.headers.first("x-v") == "a" + prefix + "\tx é" + suffix, "offset \(offset)")
        }
    }

    @Test func oversizeHead() {
        let big = "GET / HTTP/1.1\r\nX-Big: " + String(repeating: "a", count: 2000) + "\r\n\r\n"
        #expect(parseRequest(big, maxHeadBytes: 1024).error == .headTooLarge)
        #expect(parseRequest(big, maxHeadBytes: 4096).head != nil)
    }

    @Test func oversizeHeadDetectedBeforeTerminator() {
        // An endless header line: refused once the limit is reached, without waiting for an end.
        let partial = "GET / HTTP/1.1\r\nX-Big: " + String(repeating: "a", count: 1100)
        #expect(parseRequest(partial, maxHeadBytes: 1024).error == .headTooLarge)
        #expect(parseRequest(String(partial.prefix(1000)), maxHeadBytes: 1024).isIncomplete)
    }

    @Test func headExactlyAtLimit() {
        let base = "GET / HTTP/1.1\r\nX: "
        let filler = String(repeating: "a", count: 100 - base.utf8.count - 4)
        let text = base + filler + "\r\n\r\n"
        #expect(text.utf8.count == 100)
        #expect(parseRequest(text, maxHeadBytes: 100).head != nil)
        #expect(parseRequest(text, maxHeadBytes: 99).error == .headTooLarge)
    }

    @Test func tooManyHeaders() {
        let fields = (0..<300).map { "X-\($0): v\r\n" }.joined()
        let text = "GET / HTTP/1.1\r\n" + fields + "\r\n"
        #expect(parseRequest(text).error == .tooManyHeaders)
        #expect(parseRequest(text, maxHeaderCount: 300).head?.headers.count == 300)
        #expect(parseRequest(text, maxHeaderCount: 299).error == .tooManyHeaders)
    }

    @Test(arguments: [
        (HTTPParseError.headTooLarge, 431), (.tooManyHeaders, 431), (.unsupportedTransferCoding, 501),
        (.unsupportedVersion, 505), (.invalidRequestLine, 400), (.obsoleteLineFolding, 400),
        (.transferEncodingWithContentLength, 400), (.conflictingContentLength, 400), (.invalidChunkSize, 400),
    ])
    func statusCodes(error: HTTPParseError, status: Int) {
        #expect(error.status == status)
        #expect(!error.reason.isEmpty)
    }

    @Test func everyErrorHasReason() {
        let all: [HTTPParseError] = [
            .invalidRequestLine, .invalidMethod, .invalidTarget, .invalidVersion, .unsupportedVersion,
            .invalidStatusLine, .invalidHeaderName, .whitespaceBeforeColon, .obsoleteLineFolding,
            .invalidHeaderValue, .bareCR, .headTooLarge, .tooManyHeaders, .duplicateHost,
            .invalidContentLength, .conflictingContentLength, .transferEncodingWithContentLength,
            .invalidTransferEncoding, .unsupportedTransferCoding, .transferEncodingInHTTP10,
            .invalidChunkSize, .chunkSizeOverflow, .chunkLineTooLong, .invalidChunkFraming,
            .trailersTooLarge, .invalidTrailer,
        ]
        #expect(Set(all.map(\.reason)).count == all.count)
        for e in all { #expect([400, 431, 501, 505].contains(e.status)) }
    }

    static let responseRefusals: [(String, HTTPParseError)] = [
        ("HTTP/1.1\r\n\r\n", .invalidStatusLine),
        ("HTTP/1.1 20 OK\r\n\r\n", .invalidStatusLine),
        ("HTTP/1.1 2000 OK\r\n\r\n", .invalidStatusLine),
        ("HTTP/1.1 099 Low\r\n\r\n", .invalidStatusLine),
        ("HTTP/1.1 600 High\r\n\r\n", .invalidStatusLine),
        ("HTTP/1.1 abc OK\r\n\r\n", .invalidStatusLine),
        ("HTTP/1.1  200 OK\r\n\r\n", .invalidStatusLine),
        ("HTTP/1.1 200 O\u{1}K\r\n\r\n", .invalidStatusLine),
        ("HTTP/1.1 200OK\r\n\r\n", .invalidStatusLine),
        ("HTTX/1.1 200 OK\r\n\r\n", .invalidStatusLine),
        ("HTTP/2.0 200 OK\r\n\r\n", .unsupportedVersion),
        ("\r\nHTTP/1.1 200 OK\r\n\r\n", .invalidStatusLine),
        ("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", .obsoleteLineFolding),
        ("HTTP/1.1 200 OK\r\nX : a\r\n\r\n", .whitespaceBeforeColon),
        ("HTTP/1.1 200 OK\r\nX: a\0\r\n\r\n", .invalidHeaderValue),
    ]

    @Test(arguments: responseRefusals)
    func responseRefused(text: String, expected: HTTPParseError) {
        #expect(parseResponse(text).error == expected, "\(text.debugDescription)")
        var p = HTTPHeadParser()
        #expect(parseResponseBytewise(bytes(text), parser: &p).0.error == expected, "\(text.debugDescription)")
    }
}
