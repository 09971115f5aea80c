import Foundation
import Testing

/// `tlsgate audit keygen|verify|summary|report` over the audit file of a real tlsgate: allowed
/// AWS requests, a policy denial and an outage (DNS/connect failure), then an edit.
@Suite(.serialized)
struct AuditToolsTests {
    /// A gate signing with a fresh key; returns (fixture, key dir) after the traffic and a clean stop.
    static func run(_ label: String) throws -> (OpsFixture, TempDir) {
        let keys = try TempDir("audit-tools-keys")
        let keygen = try Exec.run(try Paths.tlsgateBinary(), ["audit", "keygen", "--dir", keys.path])
        try #require(keygen.status == 0, "\(keygen.stderrText)")
        let again = try Exec.run(try Paths.tlsgateBinary(), ["audit", "keygen", "--dir", keys.path])
        #expect(again.status != 0 && again.stderrText.contains("already exists"), "keygen must not overwrite: \(again.stderrText)")
        let fx = try OpsFixture(label) {
            $0.allowHosts = ["*.amazonaws.com", "down.example.test"]
            $0.resolve["down.example.test"] = "127.0.0.1:1"
            $0.awsEndpoints = AWSNames.catalog
            $0.auditKeys = ["signing_key: \(GateConfig.quote(keys.file("audit-key.pem")))", "instance: gw-tools"]
        }
        for _ in 0..<5 { #expect(try Operations.ReloadTests.status(fx.gate, "\(fx.s3)/delay?ms=0") == 200, "\(fx.gate.diagnostics)") }
        #expect(try Operations.ReloadTests.status(fx.gate, "http://evil.example.org/") == 403)
        #expect(try Operations.ReloadTests.status(fx.gate, "http://down.example.test/") == 502)
        try fx.gate.signal(SIGTERM)
        #expect(fx.gate.waitForExit(timeout: 15) == 0, "\(fx.gate.diagnostics)")
        return (fx, keys)
    }

    @Test(.timeLimit(.minutes(2))) func verifySummaryAndEdit() throws {
        let (fx, keys) = try Self.run("audit-tools")
        defer { fx.cleanup(); keys.cleanup() }
        let bin = try Paths.tlsgateBinary()
        let audit = fx.gate.auditPath
        let ok = try Exec.run(bin, ["audit", "verify", "--key", keys.file("audit-key.pub.pem"), audit])
        #expect(ok.status == 0, "\(ok.stdoutText)\(ok.stderrText)")
        #expect(ok.stdoutText.contains("1 instance (gw-tools): intact"), "\(ok.stdoutText)")

        let summary = try Exec.run(bin, ["audit", "summary", "--format", "json", audit])
        #expect(summary.status == 0, "\(summary.stderrText)")
        let doc = try #require(try JSONSerialization.jsonObject(with: summary.stdout) as? [String: Any])
        #expect(doc["by_decision"] as? [String: Int] == ["allow": 6, "deny": 1], "\(doc)")
        #expect(doc["by_outcome"] as? [String: Int] == ["ok": 6, "error": 1], "\(doc)")
        #expect(doc["errors"] as? [String: Int] == ["upstream_unreachable": 1], "\(doc)")
        #expect((doc["violations"] as? [String: Any])?.keys.sorted() == ["host_not_allowed"], "\(doc)")
        #expect(doc["aws_services"] as? [String: Int] == ["s3": 5], "\(doc)")
        #expect(doc["instances"] as? [String: Int] != nil)
        let text = try Exec.run(bin, ["audit", "summary", audit])
        #expect(text.stdoutText.contains("FIPS endpoints        0 of 5 AWS calls (0.0%)"), "\(text.stdoutText)")
        let bad = try Exec.run(bin, ["audit", "summary", "--format", "yaml", audit])
        #expect(bad.status != 0 && bad.stderrText.contains("--format must be text, json or markdown"), "\(bad.stderrText)")

        // An edit: the denial rewritten as allowed.
        var lines = try String(contentsOfFile: audit, encoding: .utf8).split(separator: "\n").map(String.init)
        let index = try #require(lines.firstIndex { $0.contains("evil.example.org") && $0.contains(#""event":"request""#) })
        lines[index] = lines[index].replacingOccurrences(of: #""decision":"deny""#, with: #""decision":"allow""#)
        try (lines.joined(separator: "\n") + "\n").write(toFile: audit, atomically: false, encoding: .utf8)
        let edited = try Exec.run(bin, ["audit", "verify", "--key", keys.file("audit-key.pub.pem"), audit])
        #expect(edited.status == 1, "\(edited.stdoutText)")
        #expect(edited.stdoutText.contains("modified: \(audit):\(index + 1)"), "\(edited.stdoutText)")
    }

    /// The HTML report renders in headless Chromium: every chart is an SVG with a non-zero laid-out
    /// size and drawn marks (the page's inline script records what the browser laid out).
    @Test(.timeLimit(.minutes(2))) func htmlReportRendersInChromium() throws {
        let (fx, keys) = try Self.run("audit-report")
        defer { fx.cleanup(); keys.cleanup() }
        let bin = try Paths.tlsgateBinary()
        let out = fx.dir.file("report.html")
        let r = try Exec.run(bin, ["audit", "report", fx.gate.auditPath, "--key", keys.file("audit-key.pub.pem"), "--html", out])
        try #require(r.status == 0, "\(r.stdoutText)\(r.stderrText)")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(!html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("url("), "no external fetch")
        #expect(!html.contains("<link") && !html.contains(" src="), "self-contained: no external resources")
        #expect(html.contains("intact"), "the verify result is at the top")

        let chromium = try #require(Paths.which("chromium"), "chromium is not installed (make deps-test installs it)")
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(fx.dir.file("chromium-profile"))", "--window-size=1200,2400"]
        let dom = try Exec.run(chromium, flags + ["--dump-dom", "file://\(out)"], timeout: 90)
        #expect(dom.status == 0, "\(dom.stderrText)")
        for id in ["chart-traffic", "chart-tls", "chart-violations", "chart-codes", "chart-hosts", "chart-fips"] {
            let pattern = #"<svg[^>]*id=""# + id + #""[^>]*data-rendered-width="(\d+)" data-rendered-height="(\d+)" data-rendered-marks="(\d+)""#
            let match = dom.stdoutText.range(of: pattern, options: .regularExpression).map { String(dom.stdoutText[$0]) }
            let found = try #require(match, "\(id) not drawn:\n\(dom.stdoutText.prefix(3000))")
            let numbers = found.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }.suffix(3)
            #expect(numbers.count == 3 && numbers.allSatisfy { $0 > 0 }, "\(id): \(found)")
        }
        let shot = fx.dir.file("report.png")   // in the test's temp dir: never committed
        let s = try Exec.run(chromium, flags + ["--screenshot=\(shot)", "file://\(out)"], timeout: 90)
        #expect(s.status == 0, "\(s.stderrText)")
        let png = try Data(contentsOf: URL(fileURLWithPath: shot))
        #expect(png.count > 10_000 && png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]), "screenshot: \(png.count) bytes")
    }
}
