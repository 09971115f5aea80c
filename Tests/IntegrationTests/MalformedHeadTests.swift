import Foundation
import Testing

/// Forward mode: malformed or oversized request heads get 400/431 and the proxy keeps serving.
@Suite(.serialized)
struct MalformedHeadTests {
    static let cases: [(String, String, Int, String)] = {
        let big = String(repeating: "a", count: 16_000)
        return [
            ("garbage", "\u{01}\u{02}\u{7f} this is not http\r\n\r\n", 400, "bad_request"),
            ("missing version", "GET http://\(Names.s3)/x\r\nHost: \(Names.s3)\r\n\r\n", 400, "bad_request"),
            ("bad version", "GET http://\(Names.s3)/x HTTP/9.Z\r\nHost: \(Names.s3)\r\n\r\n", 400, "bad_request"),
            ("header without colon", "GET http://\(Names.s3)/x HTTP/1.1\r\nHost \(Names.s3)\r\n\r\n", 400, "bad_request"),
            ("space before colon", "GET http://\(Names.s3)/x HTTP/1.1\r\nHost : \(Names.s3)\r\n\r\n", 400, "bad_request"),
            ("bad content-length", "POST http://\(Names.s3)/echo HTTP/1.1\r\nHost: \(Names.s3)\r\nContent-Length: -5\r\n\r\n", 400, "bad_request"),
            ("conflicting content-length", "POST http://\(Names.s3)/echo HTTP/1.1\r\nHost: \(Names.s3)\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", 400, "bad_request"),
            ("oversized head", "GET http://\(Names.s3)/x HTTP/1.1\r\nHost: \(Names.s3)\r\nX-Big: \(big)\r\n\r\n", 431, "head_too_large"),
        ]
    }()

    @Test func malformedHeadsAreRefusedAndProxyKeepsServing() throws {
        let fx = try ProxyFixture("fwd-malformed") { $0.maxRequestHeadBytes = 8192 }
        defer { fx.cleanup() }
        for (name, head, status, code) in Self.cases {
            let r = try PyClient.raw(proxy: fx.gate.hostPort, Data(head.utf8), timeout: 10)
            #expect(r["status"] as? Int == status, "\(name): \(r)\n\(fx.gate.diagnostics)")
            let headText = (r["head"] as? String ?? "").lowercased()
            #expect(headText.contains("x-tlsgate-error: \(code)"), "\(name): \(r)")

            // The next client is served normally.
            let ok = try Curl.run(["-x", fx.gate.proxyURL, "--max-time", "15", "-o", "/dev/null",
                                   "-w", "%{http_code}", "\(fx.s3)/bytes/10"], timeout: 25)
            #expect(Curl.status(ok) == 200, "after \(name): \(ok.stderrText)\n\(fx.gate.diagnostics)")
        }
        #expect(fx.gate.process.isRunning, "tlsgate died:\n\(fx.gate.diagnostics)")
    }
}
