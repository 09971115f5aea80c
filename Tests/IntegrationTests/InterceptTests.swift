import Foundation
import Testing

/// TLS interception (CONNECT to an `intercept.hosts` host): upstream first, a leaf from the local
/// CA, then the decrypted requests on the forward-mode request path, one audit line each.
@Suite(.serialized)
struct InterceptTests {
    static func expectInterceptLine(_ rec: AuditRecord, _ comment: String) {
        #expect(rec.mode == "intercept" && rec.event == "request", "\(comment): \(rec)")
        #expect(rec.missingKeys.isEmpty, "\(comment): missing \(rec.missingKeys): \(rec)")
        #expect(rec.string("sni") == Names.a, "\(comment): sni: \(rec)")
        #expect(rec.string("client_tls_version")?.hasPrefix("TLSv1.") == true, "\(comment): client_tls_version: \(rec)")
        #expect(rec.string("client_cipher") != nil, "\(comment): client_cipher: \(rec)")
        #expect(rec.string("tls_version") != nil && rec.string("cipher") != nil, "\(comment): upstream TLS: \(rec)")
        #expect(rec.string("upstream")?.hasPrefix("127.0.0.1:") == true, "\(comment): upstream: \(rec)")
    }

    // MARK: - (a) one request end to end

    @Test func curlGetIsDecryptedForwardedAndAudited() throws {
        let f = try InterceptFixture("icpt-get")
        defer { f.cleanup() }
        let r = try f.curl(["-o", f.dir.file("body"), "-w", "%{http_code}",
                            "https://\(Names.a)/headers?X-Amz-Signature=secret123&x=1"])
        #expect(r.status == 0 && Curl.status(r) == 200, "curl: \(r.stderrText)\n\(f.gate.diagnostics)")
        let body = (try? String(contentsOfFile: f.dir.file("body"), encoding: .utf8)) ?? ""
        // The origin saw an origin-form request for the CONNECT host.
        #expect(body.contains("\"path\": \"/headers?X-Amz-Signature=secret123&x=1\"") && body.contains("a.example.test"), "\(body)")
        guard let rec = f.requestLines().first else {
            Issue.record("no intercept request line\n\(f.gate.diagnostics)")
            return
        }
        Self.expectInterceptLine(rec, "GET")
        #expect(rec.host == Names.a && rec.int("port") == 443 && rec.string("method") == "GET" && rec.status == 200, "\(rec)")
        #expect(rec.decision == "allow" && rec.violations.isEmpty, "\(rec)")
        #expect(rec.path?.contains("secret123") == false && rec.path?.hasPrefix("/headers") == true, "path not redacted: \(rec)")
        #expect(!f.gate.auditText.contains("secret123"), "secret in the audit log")
        let tunnel = f.tunnelLine()
        #expect(tunnel?.string("method") == "CONNECT" && tunnel?.int("requests") == 1 && tunnel?.string("sni") == Names.a,
                "\(tunnel?.description ?? "no tunnel line")\n\(f.gate.auditText)")
    }

    /// `/metrics`: the connection is counted under `mode="intercept"`, with its client handshake.
    @Test func metricsCountInterceptedConnections() throws {
        let f = try InterceptFixture("icpt-metrics") { $0.admin = "127.0.0.1:0" }
        defer { f.cleanup() }
        let r = try f.curl(["-o", "/dev/null", "-w", "%{http_code}", "https://\(Names.a)/headers"])
        #expect(Curl.status(r) == 200, "curl: \(r.stderrText)")
        _ = f.tunnelLine()
        let metrics = try f.gate.metricsText()
        #expect(metrics.contains(#"tlsgate_connections_total{mode="intercept"} 1"#), "\(metrics.prefix(4000))")
        #expect(metrics.contains(#"tlsgate_handshake_duration_seconds_count{mode="intercept"} 1"#), "\(metrics.prefix(4000))")
    }

    /// The certificate the client sees is a leaf of the local CA for the CONNECT host.
    @Test func leafIsIssuedByTheLocalCAForTheHost() throws {
        let f = try InterceptFixture("icpt-leaf")
        defer { f.cleanup() }
        let r = try Exec.run("openssl", ["s_client", "-proxy", f.gate.hostPort, "-connect", "\(Names.a):443",
                                         "-servername", Names.a, "-showcerts", "-CAfile", f.interceptCA.cert,
                                         "-verify_return_error", "-verify_hostname", Names.a],
                             timeout: 20, stdin: "")
        #expect(r.stdoutText.contains("Verify return code: 0 (ok)"), "s_client: \(r.stdoutText)\n\(r.stderrText)")
        guard let start = r.stdoutText.range(of: "-----BEGIN CERTIFICATE-----"),
              let end = r.stdoutText.range(of: "-----END CERTIFICATE-----", range: start.upperBound..<r.stdoutText.endIndex) else {
            Issue.record("no certificate in s_client output")
            return
        }
        let pem = try f.dir.write("leaf.pem", String(r.stdoutText[start.lowerBound..<end.upperBound]) + "\n")
        let text = try Exec.run("openssl", ["x509", "-in", pem, "-noout", "-text"]).stdoutText
        #expect(text.contains("DNS:\(Names.a)"), "SAN: \(text)")
        #expect(text.contains("Issuer: CN = tlsgate integration intercept CA"), "issuer: \(text)")
        #expect(text.contains("TLS Web Server Authentication"), "EKU: \(text)")
        #expect(text.contains("CA:FALSE"), "basic constraints: \(text)")
        let verify = try Exec.run("openssl", ["verify", "-CAfile", f.interceptCA.cert, pem])
        #expect(verify.status == 0, "openssl verify: \(verify.stdoutText) \(verify.stderrText)")
    }

    // MARK: - (b) the forward request path inside

    @Test func keepAliveChunkedContinueAndBodiesRoundTrip() throws {
        let f = try InterceptFixture("icpt-bodies")
        defer { f.cleanup() }
        let payload = Pattern.bytes(3 * 1024 * 1024 + 17)
        let upload = try f.dir.write("payload", payload)
        // Three requests on one connection: a GET, a chunked POST, a POST with Expect: 100-continue.
        let r = try f.curl(["-w", "%{num_connects} %{http_code}\\n",
                            "-o", f.dir.file("r1"), "https://\(Names.a)/bytes/100000",
                            "--next", "-x", f.gate.proxyURL, "--cacert", f.interceptCA.cert,
                            "-H", "Transfer-Encoding: chunked", "--data-binary", "@\(upload)", "-o", f.dir.file("r2"),
                            "-w", "%{num_connects} %{http_code}\\n", "https://\(Names.a)/echo",
                            "--next", "-x", f.gate.proxyURL, "--cacert", f.interceptCA.cert,
                            "-H", "Expect: 100-continue", "--data-binary", "@\(upload)", "-o", f.dir.file("r3"),
                            "-D", f.dir.file("h3"), "-w", "%{num_connects} %{http_code}\\n", "https://\(Names.a)/echo"])
        let lines = r.stdoutText.split(separator: "\n").map(String.init)
        #expect(r.status == 0 && lines == ["1 200", "0 200", "0 200"], "curl: \(r.stdoutText) \(r.stderrText)\n\(f.gate.diagnostics)")
        #expect(FileManager.default.contents(atPath: f.dir.file("r1")) == Pattern.bytes(100_000), "GET body")
        #expect(FileManager.default.contents(atPath: f.dir.file("r2")) == payload, "chunked upload echo")
        #expect(FileManager.default.contents(atPath: f.dir.file("r3")) == payload, "100-continue upload echo")
        let h3 = Curl.headers(file: f.dir.file("h3"))
        #expect(h3["x-echo-expect"] == "100-continue" && h3["x-echo-framing"] == "length", "\(h3)")
        let recs = f.requestLines(count: 3)
        #expect(recs.count == 3, "\(f.gate.auditText)")
        for rec in recs { Self.expectInterceptLine(rec, "keep-alive") }
        #expect(f.tunnelLine()?.int("requests") == 3, "\(f.gate.auditText)")
    }

    @Test func largeDownloadInBoundedMemory() throws {
        let f = try InterceptFixture("icpt-large")
        defer { f.cleanup() }
        let size = 256 * 1024 * 1024
        let r = try f.curl(["-o", "/dev/null", "-w", "%{size_download} %{http_code}", "https://\(Names.a)/bytes/\(size)"], timeout: 120)
        #expect(r.status == 0 && r.stdoutText == "\(size) 200", "curl: \(r.stdoutText) \(r.stderrText)")
        if let pid = f.gate.pid, let hwm = procStatusKB(pid: pid, field: "VmHWM") {
            #expect(hwm < 96 * 1024, "peak RSS \(hwm) kB for a 256 MiB body")
        }
        #expect(f.requestLines().first?.int("bytes_out") ?? 0 > size, "\(f.gate.auditText)")
    }

    @Test func hostHeaderNamingAnotherHostIsRefusedWith421() throws {
        let f = try InterceptFixture("icpt-421")
        defer { f.cleanup() }
        let r = try f.curl(["-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: \(Names.other)", "https://\(Names.a)/headers"])
        #expect(Curl.status(r) == 421, "curl: \(r.stdoutText) \(r.stderrText)")
        let rec = f.gate.waitForAudit(timeout: 8) { $0.event == "violation" && $0.violations == ["host_header_mismatch"] }
        #expect(rec?.decision == "deny" && rec?.status == 421 && rec?.mode == "intercept", "\(f.gate.auditText)")
    }

    @Test func reportModeLetsAHostMismatchThroughAndLogsIt() throws {
        let f = try InterceptFixture("icpt-421-report") { $0.mode = "report" }
        defer { f.cleanup() }
        let r = try f.curl(["-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: \(Names.other)", "https://\(Names.a)/headers"])
        #expect(Curl.status(r) == 200, "curl: \(r.stdoutText) \(r.stderrText)")
        let rec = f.requestLines().first
        #expect(rec?.decision == "report" && rec?.violations == ["host_header_mismatch"], "\(f.gate.auditText)")
    }

    @Test func redirectToPlainHTTPIsReported() throws {
        let f = try InterceptFixture("icpt-redirect")
        defer { f.cleanup() }
        let r = try f.curl(["-o", "/dev/null", "-w", "%{http_code}", "https://\(Names.a)/redirect?to=http://\(Names.a)/x"])
        #expect(Curl.status(r) == 302, "curl: \(r.stdoutText) \(r.stderrText)")
        let rec = f.requestLines().first
        #expect(rec?.violations == ["insecure_redirect"] && rec?.decision == "report" && rec?.status == 302, "\(f.gate.auditText)")
        let safe = try f.curl(["-o", "/dev/null", "-w", "%{http_code}", "https://\(Names.a)/redirect?to=https://\(Names.a)/x"])
        #expect(Curl.status(safe) == 302)
        let second = f.requestLines(count: 2).last
        #expect(second?.violations == [], "an https redirect is fine: \(f.gate.auditText)")
    }

    @Test func sniNamingAnotherHostIsRefusedBeforeAnyCertificate() throws {
        let f = try InterceptFixture("icpt-sni")
        defer { f.cleanup() }
        let r = try Exec.run("openssl", ["s_client", "-proxy", f.gate.hostPort, "-connect", "\(Names.a):443",
                                         "-servername", Names.other], timeout: 20, stdin: "")
        #expect(!r.stdoutText.contains("-----BEGIN CERTIFICATE-----"), "a certificate was served: \(r.stdoutText)")
        let rec = f.tunnelLine(violation: "sni_mismatch")
        #expect(rec?.decision == "deny", "\(f.gate.auditText)")
    }

    @Test func hostOutsideTheAllowlistIsRefused() throws {
        let f = try InterceptFixture("icpt-allow") { $0.allowHosts = ["*.amazonaws.com"] }
        defer { f.cleanup() }
        let r = try f.curl(["-o", "/dev/null", "-w", "%{http_code}", "https://\(Names.a)/headers"])
        #expect(r.status != 0, "curl got through: \(r.stdoutText)")
        let rec = f.gate.waitForAudit(timeout: 8) { $0.event == "tunnel" && $0.violations.contains("host_not_allowed") }
        #expect(rec?.decision == "deny", "\(f.gate.auditText)")
    }

    // MARK: - upstream first: a broken upstream gets no certificate

    /// Runs s_client through a gate intercepting a.example.test whose upstream serves `leaf`.
    static func refusedUpstream(_ label: String, violation: String,
                                upstream makeUpstream: (CertFactory, TempDir) throws -> Upstream) throws {
        let caDir = try TempDir("\(label)-ica")
        defer { caDir.cleanup() }
        let dir = try TempDir(label)
        defer { dir.cleanup() }
        let certs = try CertFactory(dir: dir)
        let ica = try CertFactory(dir: caDir).interceptCA()
        let upstream = try makeUpstream(certs, dir)
        defer { upstream.stop() }
        var config = GateConfig(caBundle: certs.ca.cert)
        config.resolve[Names.a] = upstream.target
        config.enableIntercept(ca: ica, hosts: ["*.example.test"])
        let gate = try TLSGate(config, dir: dir)
        defer { gate.stop() }
        let r = try Exec.run("openssl", ["s_client", "-proxy", gate.hostPort, "-connect", "\(Names.a):443",
                                         "-servername", Names.a], timeout: 20, stdin: "")
        #expect(!r.stdoutText.contains("-----BEGIN CERTIFICATE-----"), "\(label): a certificate was served: \(r.stdoutText)")
        #expect(r.stderrText.contains("alert"), "\(label): no TLS alert: \(r.stderrText)")
        let rec = gate.waitForAudit(timeout: 8) { $0.event == "tunnel" && $0.mode == "intercept" && $0.violations.contains(violation) }
        #expect(rec?.decision == "deny", "\(label): \(gate.auditText)\n\(gate.diagnostics)")
        let curl = try Curl.run(["-x", gate.proxyURL, "--cacert", ica.cert, "--max-time", "15", "https://\(Names.a)/"], timeout: 25)
        #expect(curl.status != 0, "\(label): curl got through")
    }

    @Test func untrustedUpstreamIsRefusedWithAnAlert() throws {
        try Self.refusedUpstream("icpt-untrusted", violation: "cert_untrusted") { certs, dir in
            try Upstream(cert: try certs.leaf([Names.a], issuer: try certs.untrustedCA()), dir: dir)
        }
    }

    @Test func upstreamWithAnotherNameIsRefusedWithAnAlert() throws {
        try Self.refusedUpstream("icpt-mismatch", violation: "cert_name_mismatch") { certs, dir in
            try Upstream(cert: try certs.leaf([Names.other]), dir: dir)
        }
    }

    @Test func legacyUpstreamIsRefusedWithAnAlert() throws {
        try Self.refusedUpstream("icpt-legacy", violation: "legacy_tls_negotiated") { certs, dir in
            try Upstream.legacy(cert: try certs.leaf([Names.a]), dir: dir)
        }
    }
}
