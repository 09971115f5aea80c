import Foundation
import Testing

/// `policy.fips: require` with curl: hosts the catalog does not know, FIPS endpoints without "fips"
/// in their name (GovCloud), endpoints without a FIPS variant, non-AWS hosts; `tls.ca_bundle: amazon`.
@Suite(.serialized)
struct AWSFIPSPolicyTests {
    /// curl through the proxy in forward mode (`http://`) or tunnel mode (`https://`).
    static func curl(_ fx: AWSFIPSFixture, _ url: String, headers: String? = nil, body: String = "/dev/null") throws -> ExecResult {
        var args = ["-x", fx.gate.proxyURL, "--cacert", fx.certs.ca.cert, "--max-time", "20",
                    "-o", body, "-w", "%{http_code}"]
        if let headers { args += ["-D", headers] }
        return try Curl.run(args + [url], timeout: 30)
    }

    @Test func requireRefusesHostsTheCatalogDoesNotKnow() throws {
        let fx = try AWSFIPSFixture("fips-unknown", fips: "require", backend: .upstream)
        defer { fx.cleanup() }
        let host = AWSNames.s3FIPSSynthesized
        let lookup = try TLSGateCLI.run(["endpoints", "lookup", host, "--catalog", AWSNames.catalog])
        #expect(lookup.status == 1, "precondition: \(host) must be unknown to the catalog: \(lookup.stdoutText)")

        let headers = fx.dir.file("h"), body = fx.dir.file("b")
        let r = try Self.curl(fx, "http://\(host)/status/200", headers: headers, body: body)
        #expect(Curl.status(r) == 403, "\(r.stdoutText) \(r.stderrText)\n\(fx.gate.diagnostics)")
        #expect(Curl.headers(file: headers)["x-tlsgate-error"] == "unknown_aws_endpoint", "\(Curl.headers(file: headers))")
        let text = FileManager.default.contents(atPath: body).map { String(decoding: $0, as: UTF8.self) } ?? ""
        #expect(text.contains("not a known AWS endpoint"), "body: \(text)")
        let rec = fx.requestRecord(host, violation: "unknown_aws_endpoint")
        #expect(rec?.decision == "deny" && rec?.status == 403, "\(String(describing: rec))\n\(fx.gate.auditText)")
        #expect(rec?.isNullOrAbsent("aws_service") == true, "no catalog entry, no aws_service: \(String(describing: rec))")

        // Tunnel mode: the CONNECT is refused (curl sees 403 from the proxy).
        let t = try Curl.run(["-x", fx.gate.proxyURL, "--cacert", fx.certs.ca.cert, "--max-time", "20",
                              "-o", "/dev/null", "-w", "%{http_connect}", "https://\(host)/status/200"], timeout: 30)
        #expect(t.status != 0 && Curl.status(t) == 403, "CONNECT: exit \(t.status) \(t.stdoutText) \(t.stderrText)")
        let trec = fx.tunnelRecord(host, violation: "unknown_aws_endpoint")
        #expect(trec?.decision == "deny", "\(String(describing: trec))")
    }

    @Test func requireAllowsGovCloudFIPSEndpointWithoutFipsInItsName() throws {
        let fx = try AWSFIPSFixture("fips-govcloud", fips: "require", backend: .upstream)
        defer { fx.cleanup() }
        let host = AWSNames.stsGov
        let lookup = try TLSGateCLI.run(["endpoints", "lookup", host, "--catalog", AWSNames.catalog])
        #expect(lookup.status == 0 && lookup.stdoutText.contains("FIPS endpoint:   yes")
                && lookup.stdoutText.contains("aws-us-gov"), "precondition: \(lookup.stdoutText)")

        let r = try Self.curl(fx, "http://\(host)/bytes/10")
        #expect(Curl.status(r) == 200, "forward: \(r.stdoutText) \(r.stderrText)\n\(fx.gate.diagnostics)")
        let rec = fx.requestRecord(host)
        #expect(rec?.decision == "allow" && rec?.violations.isEmpty == true, "\(String(describing: rec))")
        rec?.expectAWS(service: "sts", region: "us-gov-west-1", partition: "aws-us-gov", fips: true, "govcloud forward")

        let t = try Self.curl(fx, "https://\(host)/bytes/10")
        #expect(t.status == 0 && Curl.status(t) == 200, "tunnel: \(t.stdoutText) \(t.stderrText)\n\(fx.gate.diagnostics)")
        let trec = fx.tunnelRecord(host)
        #expect(trec?.decision == "allow" && trec?.violations.isEmpty == true, "\(String(describing: trec))")
        trec?.expectAWS(service: "sts", region: "us-gov-west-1", partition: "aws-us-gov", fips: true, "govcloud tunnel")
        #expect(AWSFIPSTunnelTests.isAESGCM(trec?.string("cipher")), "\(String(describing: trec))")
    }

    @Test func requireLetsNonAWSHostsAndEndpointsWithoutFIPSVariantThrough() throws {
        let fx = try AWSFIPSFixture("fips-other", fips: "require", backend: .upstream)
        defer { fx.cleanup() }
        // Not an AWS domain: FIPS endpoint policy does not apply.
        let a = try Self.curl(fx, "http://\(AWSNames.nonAWS)/bytes/10")
        #expect(Curl.status(a) == 200, "\(a.stderrText)\n\(fx.gate.diagnostics)")
        let arec = fx.requestRecord(AWSNames.nonAWS)
        #expect(arec?.decision == "allow" && arec?.isNullOrAbsent("fips_endpoint") == true, "\(String(describing: arec))")

        // A catalogued endpoint with no FIPS variant (S3 in ap-southeast-1): documented behaviour
        // (AWSDestination.fipsViolation) is to let it through — there is nothing better to use.
        let host = AWSNames.s3NoFIPSVariant
        let lookup = try TLSGateCLI.run(["endpoints", "lookup", host, "--catalog", AWSNames.catalog])
        #expect(lookup.status == 0 && lookup.stdoutText.contains("FIPS variant:    none"), "precondition: \(lookup.stdoutText)")
        let r = try Self.curl(fx, "http://\(host)/bytes/10")
        #expect(Curl.status(r) == 200, "\(r.stderrText)\n\(fx.gate.diagnostics)")
        let rec = fx.requestRecord(host)
        #expect(rec?.decision == "allow", "\(String(describing: rec))")
        rec?.expectAWS(service: "s3", region: "ap-southeast-1", fips: false, "no FIPS variant")
    }

    @Test func auditModeReportsUnknownAndNonFIPSHostsButForwardsThem() throws {
        let fx = try AWSFIPSFixture("fips-audit-curl", fips: "audit", backend: .upstream)
        defer { fx.cleanup() }
        let cases: [(String, String)] = [(AWSNames.s3FIPSSynthesized, "unknown_aws_endpoint"), (AWSNames.sts, "non_fips_endpoint")]
        for (host, code) in cases {
            let r = try Self.curl(fx, "http://\(host)/bytes/10")
            #expect(Curl.status(r) == 200, "\(host) forward: \(r.stderrText)\n\(fx.gate.diagnostics)")
            let rec = fx.requestRecord(host)
            #expect(rec?.decision == "report" && rec?.violations == [code], "\(host): \(String(describing: rec))")
            let t = try Self.curl(fx, "https://\(host)/bytes/10")
            #expect(t.status == 0 && Curl.status(t) == 200, "\(host) tunnel: \(t.stderrText)\n\(fx.gate.diagnostics)")
            let trec = fx.tunnelRecord(host)
            #expect(trec?.decision == "report" && trec?.violations == [code], "\(host): \(String(describing: trec))")
        }
    }

    @Test func amazonCABundleRejectsTestCASignedUpstream() throws {
        let dir = try TempDir("fips-amazon-ca")
        defer { dir.cleanup() }
        let certs = try CertFactory(dir: dir)
        let upstream = try Upstream(cert: try certs.leaf(AWSNames.all), dir: dir)
        defer { upstream.stop() }
        // The Amazon roots are built into the binary: no amazon-roots.pem anywhere near the config.
        var config = GateConfig(caBundle: "amazon")
        for name in AWSNames.all { config.resolve[name] = upstream.target }
        config.fips = "require"
        config.awsEndpoints = AWSNames.catalog
        let gate = try TLSGate(config, dir: dir)
        defer { gate.stop() }

        let headers = dir.file("h")
        let r = try Curl.run(["-x", gate.proxyURL, "--max-time", "20", "-D", headers, "-o", "/dev/null",
                              "-w", "%{http_code}", "http://\(AWSNames.s3FIPS)/status/200"], timeout: 30)
        #expect(Curl.status(r) == 502, "\(r.stdoutText) \(r.stderrText)\n\(gate.diagnostics)")
        #expect(Curl.headers(file: headers)["x-tlsgate-error"] == "cert_untrusted", "\(Curl.headers(file: headers))")
        let rec = gate.waitForAudit { $0.event == "request" && $0.host == AWSNames.s3FIPS }
        #expect(rec?.violations.contains("cert_untrusted") == true && rec?.decision == "deny", "\(String(describing: rec))\n\(gate.auditText)")

        let doctor = try TLSGateCLI.run(["doctor", "--config", gate.configPath])
        #expect(doctor.stdoutText.contains("amazon (built-in: 5 Amazon Trust Services roots"), "doctor: \(doctor.stdoutText)")
    }
}
