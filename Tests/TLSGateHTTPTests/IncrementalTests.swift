import Testing
@testable import TLSGateHTTP

@Suite struct IncrementalTests {
    static let requests: [String] = [
        "GET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n",
        "CONNECT a.b:443 HTTP/1.0\r\n\r\n",
        "\r\n\r\nPOST /x HTTP/1.1\nContent-Length: 3\n\nabc",
        "PUT /k HTTP/1.1\r\nHost: s3\r\nX-Amz-Date: 20240101T000000Z\r\nExpect: 100-continue\r\n\r\n",
        "GET / HTTP/1.1\r\nX-Empty:\r\nX-Spaces:   \r\n\r\n",
    ]

    /// Feeding one byte at a time gives the same head and consumed count as parsing at once.
    @Test(arguments: requests)
    func bytewiseEqualsWhole(text: String) throws {
        let whole = parseRequest(text)
        var p = HTTPHeadParser()
        let (r, _) = parseRequestBytewise(bytes(text), parser: &p)
        let a = try #require(whole.head)
        let b = try #require(r.head)
        #expect(whole.consumed == r.consumed)
        #expect(a.method == b.method && a.target == b.target && a.version == b.version)
        #expect(a.headers.map { "\($0.name):\($0.value)" } == b.headers.map { "\($0.name):\($0.value)" })
        #expect(a.headers.raw == b.headers.raw)
    }

    /// Every proper prefix of a head is incomplete, and the scan never goes backwards (no rescans).
    @Test(arguments: requests)
    func prefixesIncompleteAndScannedOnce(text: String) throws {
        let all = bytes(text)
        let consumed = try #require(parseRequest(text).consumed)
        var p = HTTPHeadParser()
        for n in 0..<consumed {
            let r = flatten(p.parseRequest(Array(all[0..<n])))
            #expect(r.isIncomplete, "prefix \(n)")
            #expect(p.scannedBytes == n)
        }
    }

    /// Slowloris: a 30 KB head fed in 1-byte steps is scanned linearly and completes once.
    @Test func slowHeadIsLinear() throws {
        let text = "GET / HTTP/1.1\r\n" + (0..<250).map { "X-H\($0): " + String(repeating: "v", count: 100) + "\r\n" }.joined() + "\r\n"
        let all = bytes(text)
        var p = HTTPHeadParser(maxHeadBytes: 64 * 1024)
        var completed = 0
        try all.withUnsafeBytes { whole in
            for n in 1...all.count {
                switch p.parseRequest(UnsafeRawBufferPointer(rebasing: whole[0..<n])) {
                case .incomplete: #expect(p.scannedBytes == n)
                case .complete(let head, let consumed):
                    completed += 1
                    #expect(consumed == all.count)
                    #expect(head.headers.count == 250)
                case .invalid(let e): Issue.record("unexpected \(e)"); return
                }
            }
            _ = try #require(Optional(completed))
        }
        #expect(completed == 1)
    }

    @Test func responseBytewise() throws {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nx-amz-request-id: 1\r\n\r\n"
        var p = HTTPHeadParser()
        let (r, n) = parseResponseBytewise(bytes(text), parser: &p)
        #expect(r.head?.status == 200)
        #expect(r.consumed == n)
        #expect(n == text.utf8.count)
    }

    @Test func shrinkingBufferRestartsScan() throws {
        var p = HTTPHeadParser()
        #expect(flatten(p.parseRequest(bytes("GET / HTTP/1.1\r\nX: abcdef"))).isIncomplete)
        // The caller replaced its buffer with a shorter one: the parser starts over instead of trusting stale progress.
        let r = flatten(p.parseRequest(bytes("GET /b HTTP/1.1\r\n\r\n")))
        #expect(r.head?.target == "/b")
    }

    @Test func resetForgetsProgress() {
        var p = HTTPHeadParser()
        _ = p.parseRequest(bytes("GET / HTTP/1.1\r\n"))
        #expect(p.scannedBytes > 0)
        p.reset()
        #expect(p.scannedBytes == 0)
    }
}
