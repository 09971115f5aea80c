import Foundation
import Testing

/// `policy.fips` in tunnel (CONNECT) mode with the AWS CLI (`HTTPS_PROXY`, `AWS_USE_FIPS_ENDPOINT`)
/// against moto over TLS; the CLI trusts the test CA end to end.
@Suite(.serialized)
struct AWSFIPSTunnelTests {
    /// The FIPS ciphers tlsgate's FIPS profile accepts (AES-GCM only).
    static func isAESGCM(_ cipher: String?) -> Bool {
        guard let cipher else { return false }
        return cipher.contains("AES_128_GCM") || cipher.contains("AES_256_GCM") || cipher.contains("AES128-GCM")
            || cipher.contains("AES256-GCM")
    }

    @Test func requireTunnelsToFIPSEndpointAndRefusesStandardEndpoint() throws {
        let fx = try AWSFIPSFixture("fips-tun-require", fips: "require")
        defer { fx.cleanup() }

        let mb = try fx.awsTunnel(["s3", "mb", "s3://tunnel-bucket"], useFIPS: true)
        #expect(mb.status == 0, "aws s3 mb (FIPS, CONNECT): \(mb.stderrText.suffix(2000))\n\(fx.gate.diagnostics)")
        let ls = try fx.awsTunnel(["s3", "ls"], useFIPS: true)
        #expect(ls.status == 0 && ls.stdoutText.contains("tunnel-bucket"),
                "aws s3 ls (FIPS, CONNECT): \(ls.stdoutText) \(ls.stderrText.suffix(2000))\n\(fx.gate.diagnostics)")

        let lines = fx.gate.waitForAudit(count: 2, timeout: 8) { $0.event == "tunnel" && $0.host == AWSNames.s3FIPS }
        #expect(lines.count >= 2, "expected a tunnel line per CLI run\n\(fx.gate.auditText)")
        for rec in lines {
            #expect(rec.missingKeys.isEmpty, "missing \(rec.missingKeys): \(rec)")
            #expect(rec.decision == "allow" && rec.violations.isEmpty, "\(rec)")
            #expect(rec.string("sni") == AWSNames.s3FIPS, "\(rec)")
            #expect(rec.int("port") == 443, "\(rec)")
            #expect(Self.isAESGCM(rec.string("cipher")), "FIPS profile cipher expected: \(rec)")
            rec.expectAWS(service: "s3", region: "us-east-1", fips: true, "tunnel s3-fips")
            // The request inside the tunnel is opaque: no operation or signature scope.
            #expect(rec.isNullOrAbsent("aws_operation") && rec.isNullOrAbsent("sigv4_scope"), "\(rec)")
        }

        // Without AWS_USE_FIPS_ENDPOINT the CLI CONNECTs to s3.us-east-1: refused.
        let refused = try fx.awsTunnel(["s3", "ls"], useFIPS: false)
        #expect(refused.status != 0, "aws s3 ls to the standard endpoint succeeded through a fips=require tunnel: \(refused.stdoutText)")
        let rec = fx.tunnelRecord(AWSNames.s3, violation: "non_fips_endpoint")
        #expect(rec != nil, "no non_fips_endpoint tunnel line\n\(fx.gate.diagnostics)")
        if let rec {
            #expect(rec.decision == "deny" && rec.status == 403, "\(rec)")
            #expect((rec.string("reason") ?? "").contains("use \(AWSNames.s3FIPS)"), "\(rec)")
            #expect(rec.isNullOrAbsent("tls_version"), "no TLS may have started: \(rec)")
            rec.expectAWS(service: "s3", region: "us-east-1", fips: false, "tunnel s3 refused")
        }
        fx.expectNoSecrets("fips tunnel")
    }

    @Test func requireRefusesConnectWithErrorHeader() throws {
        let fx = try AWSFIPSFixture("fips-tun-raw", fips: "require", backend: .upstream)
        defer { fx.cleanup() }
        let cases: [(String, String)] = [
            (AWSNames.s3, "non_fips_endpoint"),
            (AWSNames.s3Global, "non_fips_endpoint"),
            (AWSNames.sts, "non_fips_endpoint"),
            (AWSNames.s3FIPSSynthesized, "unknown_aws_endpoint"),
            ("bucket.s3.us-east-1.amazonaws.com", "non_fips_endpoint"),
        ]
        for (host, code) in cases {
            let r = try PyClient.raw(proxy: fx.gate.hostPort,
                                     Data("CONNECT \(host):443 HTTP/1.1\r\nHost: \(host):443\r\n\r\n".utf8))
            #expect(r["status"] as? Int == 403, "\(host): \(r)\n\(fx.gate.diagnostics)")
            let head = (r["head"] as? String ?? "").lowercased()
            #expect(head.contains("x-tlsgate-error: \(code)"), "\(host): \(r)")
            let rec = fx.tunnelRecord(host, violation: code)
            #expect(rec?.decision == "deny", "\(host): \(String(describing: rec))\n\(fx.gate.auditText.suffix(2000))")
        }
        // The virtual-hosted bucket gets a bucket-qualified alternative.
        let bucket = fx.tunnelRecord("bucket.s3.us-east-1.amazonaws.com", violation: "non_fips_endpoint")
        let bucketReason = bucket?.string("reason") ?? ""
        #expect(bucketReason.contains("use bucket.s3-fips.us-east-1.amazonaws.com"), "\(String(describing: bucket))")
    }

    @Test func auditModeTunnelToStandardEndpointIsReported() throws {
        let fx = try AWSFIPSFixture("fips-tun-audit", fips: "audit")
        defer { fx.cleanup() }
        let mb = try fx.awsTunnel(["s3", "mb", "s3://audit-tunnel"], useFIPS: false)
        #expect(mb.status == 0, "aws s3 mb (standard endpoint, audit): \(mb.stderrText.suffix(2000))\n\(fx.gate.diagnostics)")
        let rec = fx.tunnelRecord(AWSNames.s3)
        #expect(rec != nil, "no tunnel line\n\(fx.gate.diagnostics)")
        if let rec {
            #expect(rec.decision == "report", "\(rec)")
            #expect(rec.violations == ["non_fips_endpoint"], "\(rec)")
            #expect(Self.isAESGCM(rec.string("cipher")), "\(rec)")
            rec.expectAWS(service: "s3", region: "us-east-1", fips: false, "audit tunnel")
        }
        // The violation's own line names the FIPS alternative. (The tunnel line's `reason` stays
        // null for a reported tunnel, unlike forward mode's request line; not asserted.)
        let violation = fx.gate.waitForAudit {
            $0.event == "violation" && $0.mode == "tunnel" && $0.violations == ["non_fips_endpoint"]
        }
        let reason = violation?.string("reason") ?? ""
        #expect(violation?.decision == "report" && reason.contains("use \(AWSNames.s3FIPS)"), "\(String(describing: violation))")
    }
}
