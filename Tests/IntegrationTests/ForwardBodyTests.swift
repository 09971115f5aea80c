import Foundation
import Testing

/// Forward mode: bodies of every byte value, chunked framing, 100-continue, through curl and
/// Python http.client.
@Suite(.serialized)
struct ForwardBodyTests {
    static let mib = 1 << 20

    @Test func curlUploadAndDownloadEveryByteValue() throws {
        let fx = try ProxyFixture("fwd-curl")
        defer { fx.cleanup() }
        let body = Pattern.bytes(Self.mib)
        let input = try fx.dir.write("in.bin", body)
        let echoed = fx.dir.file("echo.bin"), downloaded = fx.dir.file("down.bin")

        let up = try Curl.run(["-x", fx.gate.proxyURL, "--data-binary", "@\(input)", "-H", "Expect:",
                               "-H", "Content-Type: application/octet-stream",
                               "-o", echoed, "-w", "%{http_code}", "\(fx.s3)/echo"])
        #expect(up.status == 0, "curl: \(up.stderrText)\n\(fx.gate.diagnostics)")
        #expect(Curl.status(up) == 200)
        #expect(FileManager.default.contents(atPath: echoed) == body, "upload echo differs")

        let down = try Curl.run(["-x", fx.gate.proxyURL, "-o", downloaded, "-w", "%{http_code}",
                                 "\(fx.s3)/bytes/\(Self.mib)"])
        #expect(down.status == 0, "curl: \(down.stderrText)\n\(fx.gate.diagnostics)")
        #expect(Curl.status(down) == 200)
        #expect(FileManager.default.contents(atPath: downloaded) == body, "download differs")

        // Audit: one forward request line each, complete and accurate.
        let post = fx.gate.waitForAudit { $0.path == "/echo" && $0.string("method") == "POST" }
        let get = fx.gate.waitForAudit { $0.path == "/bytes/\(Self.mib)" }
        #expect(post != nil && get != nil, "audit lines missing\n\(fx.gate.diagnostics)")
        for rec in [post, get].compactMap({ $0 }) {
            #expect(rec.missingKeys.isEmpty, "missing keys \(rec.missingKeys) in \(rec)")
            #expect(rec.timeIsRFC3339MillisUTC, "time format: \(rec)")
            #expect(rec.event == "request")
            #expect(rec.mode == "forward")
            #expect(rec.host == Names.s3)
            #expect(rec.int("port") == 443)
            #expect(rec.status == 200)
            #expect(rec.decision == "allow")
            #expect(rec.violations.isEmpty)
            #expect(rec.string("tls_version") == "TLSv1.3")
            #expect(!(rec.string("cipher") ?? "").isEmpty)
        }
        #expect((post?.int("bytes_in") ?? 0) >= Self.mib, "POST bytes_in: \(String(describing: post))")
        #expect((get?.int("bytes_out") ?? 0) >= Self.mib, "GET bytes_out: \(String(describing: get))")
    }

    @Test func pythonHTTPClientRoundTrip() throws {
        let fx = try ProxyFixture("fwd-py")
        defer { fx.cleanup() }
        let r = try PyClient.run(["roundtrip", "--proxy", fx.gate.hostPort, "--base", fx.s3,
                                  "--size", String(Self.mib)])
        #expect(r["upload_ok"] as? Bool == true, "\(r)\n\(fx.gate.diagnostics)")
        #expect(r["download_ok"] as? Bool == true, "\(r)")
        #expect(r["statuses"] as? [Int] == [200, 200], "\(r)")
        #expect(r["connects"] as? Int == 1, "one client connection for both requests: \(r)")
    }

    @Test func chunkedUploadAndChunkedDownload() throws {
        let fx = try ProxyFixture("fwd-chunked")
        defer { fx.cleanup() }
        let size = Self.mib + 12345
        let body = Pattern.bytes(size)
        let input = try fx.dir.write("in.bin", body)
        let echoed = fx.dir.file("echo.bin"), headers = fx.dir.file("echo.headers")

        let up = try Curl.run(["-x", fx.gate.proxyURL, "--data-binary", "@\(input)",
                               "-H", "Transfer-Encoding: chunked", "-H", "Expect:",
                               "-D", headers, "-o", echoed, "-w", "%{http_code}", "\(fx.s3)/echo"])
        #expect(up.status == 0 && Curl.status(up) == 200, "curl: \(up.stderrText)\n\(fx.gate.diagnostics)")
        #expect(FileManager.default.contents(atPath: echoed) == body, "chunked upload echo differs")
        #expect(Curl.headers(file: headers)["x-echo-length"] == String(size))

        let downloaded = fx.dir.file("down.bin")
        let down = try Curl.run(["-x", fx.gate.proxyURL, "-o", downloaded, "-w", "%{http_code}",
                                 "\(fx.s3)/chunked?size=\(size)&chunk=4093"])
        #expect(down.status == 0 && Curl.status(down) == 200, "curl: \(down.stderrText)\n\(fx.gate.diagnostics)")
        #expect(FileManager.default.contents(atPath: downloaded) == body, "chunked download differs")
    }

    @Test func expect100ContinueUpload() throws {
        let fx = try ProxyFixture("fwd-100")
        defer { fx.cleanup() }
        let body = Pattern.bytes(2 * Self.mib)
        let input = try fx.dir.write("in.bin", body)
        let echoed = fx.dir.file("echo.bin")
        // A long expect100-timeout: the upload only starts once a 100 (or a final status) arrives.
        let r = try Curl.run(["-v", "-x", fx.gate.proxyURL, "--data-binary", "@\(input)",
                              "-H", "Expect: 100-continue", "--expect100-timeout", "30",
                              "-o", echoed, "-w", "%{http_code}", "\(fx.s3)/echo"], timeout: 90)
        #expect(r.status == 0 && Curl.status(r) == 200, "curl: \(r.stderrText.suffix(2000))\n\(fx.gate.diagnostics)")
        #expect(r.stderrText.contains("< HTTP/1.1 100"), "no 100 Continue reached the client:\n\(r.stderrText.suffix(2000))")
        #expect(FileManager.default.contents(atPath: echoed) == body, "100-continue upload echo differs")
    }
}
