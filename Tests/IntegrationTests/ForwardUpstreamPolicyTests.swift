import Foundation
import Testing

/// Forward mode: the upstream hop is TLS 1.2+ with a verified chain and name; policy refusals.
@Suite(.serialized)
struct ForwardUpstreamPolicyTests {
    /// Fetches `url` through `gate` with curl; returns (status, headers, body).
    static func fetch(_ gate: TLSGate, _ url: String, dir: TempDir) throws -> (Int?, [String: String], String) {
        let headers = dir.file("h-\(UUID().uuidString)"), body = dir.file("b-\(UUID().uuidString)")
        let r = try Curl.run(["-x", gate.proxyURL, "--max-time", "30", "-D", headers, "-o", body,
                              "-w", "%{http_code}", url], timeout: 40)
        let text = FileManager.default.contents(atPath: body).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return (Curl.status(r), Curl.headers(file: headers), text)
    }

    /// Checks a 502/403 refusal: status, X-TLSGate-Error, a body, and an audit line with the code
    /// (decision "deny" for policy refusals; `decision: nil` skips that check, e.g. for an
    /// unreachable upstream, which is a failure rather than a policy decision).
    static func expectRefusal(_ gate: TLSGate, _ url: String, host: String, status: Int, code: String,
                              decision: String? = "deny", dir: TempDir) throws {
        let (st, headers, body) = try fetch(gate, url, dir: dir)
        #expect(st == status, "\(url): status \(String(describing: st)) headers \(headers) body \(body)\n\(gate.diagnostics)")
        #expect(headers["x-tlsgate-error"] == code, "\(url): headers \(headers)")
        #expect(!body.isEmpty, "\(url): the error body should name the reason")
        let rec = gate.waitForAudit { $0.host == host && $0.violations.contains(code) }
        #expect(rec != nil, "no audit line with violation \(code)\n\(gate.auditText)")
        if let rec {
            if let decision { #expect(rec.decision == decision, "\(rec)") }
            #expect(rec.status == status, "\(rec)")
            #expect(rec.missingKeys.isEmpty, "missing \(rec.missingKeys): \(rec)")
        }
    }

    @Test func tls12WithRSAUpstream() throws {
        let fx = try ProxyFixture("fwd-rsa12", keyType: .rsa, upstreamTLSMax: "1.2")
        defer { fx.cleanup() }
        let (st, _, body) = try Self.fetch(fx.gate, "\(fx.s3)/headers", dir: fx.dir)
        #expect(st == 200, "\(fx.gate.diagnostics)")
        // The upstream saw an origin-form request with the Host of the absolute URL.
        let doc = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
        #expect(doc?["path"] as? String == "/headers", "upstream saw: \(body)")
        let hostHeader = (doc?["headers"] as? [[String]])?.first { $0.first?.lowercased() == "host" }?.last
        #expect(hostHeader == Names.s3, "Host header upstream: \(String(describing: hostHeader))")
        let rec = fx.gate.waitForAudit { $0.path == "/headers" }
        #expect(rec?.string("tls_version") == "TLSv1.2", "\(String(describing: rec))")
        #expect(rec?.string("cipher")?.contains("RSA") == true, "cipher: \(String(describing: rec))")
    }

    @Test func legacyTLSUpstreamIsRefused() throws {
        let dir = try TempDir("fwd-legacy")
        defer { dir.cleanup() }
        let certs = try CertFactory(dir: dir)
        let legacy = try Upstream.legacy(cert: try certs.leaf([Names.s3]), dir: dir, tlsMin: "1.0", tlsMax: "1.1")
        defer { legacy.stop() }
        // Sanity: the upstream really speaks TLS 1.1.
        let probe = try Exec.run("openssl", ["s_client", "-connect", legacy.target, "-tls1_1",
                                             "-cipher", "DEFAULT@SECLEVEL=0", "-servername", Names.s3],
                                 env: Upstream.legacyEnv, timeout: 15, stdin: "")
        #expect(probe.stdoutText.contains("Protocol  : TLSv1.1"), "legacy upstream does not serve TLS 1.1:\n\(probe.stdoutText.suffix(1500))")

        var config = GateConfig(caBundle: certs.ca.cert)
        config.resolve = [Names.s3: legacy.target]
        let gate = try TLSGate(config, dir: dir)
        defer { gate.stop() }
        try Self.expectRefusal(gate, "http://\(Names.s3)/x", host: Names.s3, status: 502,
                               code: "legacy_tls_negotiated", dir: dir)
    }

    @Test func minVersion13RefusesTLS12Upstream() throws {
        let fx = try ProxyFixture("fwd-min13", upstreamTLSMax: "1.2") { $0.minVersion = "1.3" }
        defer { fx.cleanup() }
        try Self.expectRefusal(fx.gate, "\(fx.s3)/x", host: Names.s3, status: 502,
                               code: "legacy_tls_negotiated", dir: fx.dir)
    }

    @Test func untrustedCertificateIsRefused() throws {
        let dir = try TempDir("fwd-untrusted")
        defer { dir.cleanup() }
        let certs = try CertFactory(dir: dir)
        let rogue = try certs.untrustedCA()
        let up = try Upstream(cert: try certs.leaf([Names.s3], issuer: rogue), dir: dir)
        defer { up.stop() }
        var config = GateConfig(caBundle: certs.ca.cert)
        config.resolve = [Names.s3: up.target]
        let gate = try TLSGate(config, dir: dir)
        defer { gate.stop() }
        try Self.expectRefusal(gate, "http://\(Names.s3)/x", host: Names.s3, status: 502,
                               code: "cert_untrusted", dir: dir)
    }

    @Test func wrongNameCertificateIsRefused() throws {
        let dir = try TempDir("fwd-wrongname")
        defer { dir.cleanup() }
        let certs = try CertFactory(dir: dir)
        let up = try Upstream(cert: try certs.leaf(["wrong.example.test"]), dir: dir)
        defer { up.stop() }
        var config = GateConfig(caBundle: certs.ca.cert)
        config.resolve = [Names.s3: up.target]
        let gate = try TLSGate(config, dir: dir)
        defer { gate.stop() }
        try Self.expectRefusal(gate, "http://\(Names.s3)/x", host: Names.s3, status: 502,
                               code: "cert_name_mismatch", dir: dir)
    }

    @Test func hostNotAllowedIsRefused() throws {
        let fx = try ProxyFixture("fwd-notallowed") { $0.resolve["forbidden.example.org"] = "127.0.0.1:1" }
        defer { fx.cleanup() }
        try Self.expectRefusal(fx.gate, "http://forbidden.example.org/secret", host: "forbidden.example.org",
                               status: 403, code: "host_not_allowed", dir: fx.dir)
        // The proxy still serves allowed hosts.
        let (st, _, _) = try Self.fetch(fx.gate, "\(fx.s3)/bytes/10", dir: fx.dir)
        #expect(st == 200)
    }

    @Test func unreachableUpstreamIs502() throws {
        // Port 1 on loopback: nothing listens, the connect is refused at once.
        let fx = try ProxyFixture("fwd-unreachable") { $0.resolve["down.example.test"] = "127.0.0.1:1" }
        defer { fx.cleanup() }
        let (st, headers, _) = try Self.fetch(fx.gate, "http://down.example.test/x", dir: fx.dir)
        #expect(st == 502 && headers["x-tlsgate-error"] == "upstream_unreachable", "\(headers)")
        // An outage is no policy finding: policy allowed the host, the outcome is an error, and
        // there is no violation (an auditor counting denials does not count outages).
        let rec = fx.gate.waitForAudit { $0.host == "down.example.test" && $0.event == "request" }
        #expect(rec?.decision == "allow", "\(String(describing: rec))")
        #expect(rec?.string("outcome") == "error" && rec?.string("error") == "upstream_unreachable", "\(String(describing: rec))")
        #expect(rec?.violations == [], "\(String(describing: rec))")
        #expect(rec?.missingKeys == [], "\(String(describing: rec))")
        #expect(!fx.gate.auditRecords().contains { $0.event == "violation" }, "\(fx.gate.auditText)")
        let ok = fx.gate.auditRecords().filter { $0.event == "request" && $0.host != "down.example.test" }
        #expect(ok.allSatisfy { $0.string("outcome") == "ok" })
    }

    @Test func explicitPortIsKept() throws {
        // http://host:8443/ keeps its port: the audit shows 8443 (the resolve entry, address:port,
        // still decides where the connection goes).
        let fx = try ProxyFixture("fwd-port")
        defer { fx.cleanup() }
        let (st, _, body) = try Self.fetch(fx.gate, "http://\(Names.a):8443/headers", dir: fx.dir)
        #expect(st == 200, "\(body)\n\(fx.gate.diagnostics)")
        let rec = fx.gate.waitForAudit { $0.path == "/headers" }
        #expect(rec?.int("port") == 8443, "\(String(describing: rec))")
    }
}
