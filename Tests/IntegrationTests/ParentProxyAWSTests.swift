import Foundation
import Testing

/// The AWS CLI through tlsgate through a parent proxy (squid, tinyproxy) to moto behind TLS, in
/// forward mode (`HTTP_PROXY`, tlsgate re-originates TLS inside the parent's tunnel) and tunnel
/// mode (`HTTPS_PROXY`, the CLI's own TLS inside tlsgate's CONNECT through the parent's).
@Suite(.serialized)
struct ParentProxyAWSTests {
    /// A parent in its own directory, an AWS fixture (moto, every AWS name resolved to it) whose
    /// tlsgate uses that parent.
    static func withParent(_ kind: String, _ body: (AWSFIPSFixture) throws -> Void) throws {
        let parentDir = try TempDir("aws-parent-\(kind)")
        defer { parentDir.cleanup() }
        let url: String
        let stop: () -> Void
        var squid: SquidParent?
        if kind == "squid" {
            let s = try SquidParent(dir: parentDir)
            squid = s
            url = s.url; stop = { s.stop() }
        } else {
            let t = try TinyproxyParent(dir: parentDir)
            url = t.url; stop = { t.stop() }
        }
        defer { stop() }
        let fx = try AWSFIPSFixture("aws-via-\(kind)", fips: "off") { $0.parentProxy = url }
        defer { fx.cleanup() }
        try body(fx)
        if let squid {
            // Every upstream connection went through the parent: squid logs each tunnel as it ends.
            fx.gate.stop()
            let log = squid.accessLog(waitingFor: "CONNECT")
            #expect(log.contains("CONNECT \(fx.moto!.target)"), "squid saw no CONNECT to moto: \(log)")
        }
    }

    @Test(arguments: ["squid", "tinyproxy"])
    func awsCLIForwardModeThroughParent(kind: String) throws {
        try Self.withParent(kind) { fx in
            let bucket = "via-parent-fwd"
            let local = try fx.dir.write("obj.bin", Pattern.bytes(200_000))
            let back = fx.dir.file("obj.back")
            for step in [["s3", "mb", "s3://\(bucket)"], ["s3", "cp", local, "s3://\(bucket)/obj.bin"],
                         ["s3", "cp", "s3://\(bucket)/obj.bin", back]] {
                let r = try fx.awsForward(AWSNames.s3, step, useFIPS: false)
                #expect(r.status == 0, "\(kind): aws \(step.joined(separator: " ")): \(r.stderrText.suffix(2000))\n\(fx.gate.diagnostics)")
            }
            #expect(FileManager.default.contents(atPath: back) == Pattern.bytes(200_000), "\(kind): object differs")
            let sts = try fx.awsForward(AWSNames.sts, ["sts", "get-caller-identity", "--output", "json"], useFIPS: false)
            #expect(sts.status == 0 && sts.stdoutText.contains("\"Account\""), "\(kind): sts: \(sts.stderrText.suffix(2000))")
            let lines = fx.gate.waitForAudit(count: 4) { $0.event == "request" && $0.status == 200 }
            #expect(lines.count >= 4, "\(kind): \(fx.gate.auditText)")
            for rec in lines {
                #expect(["TLSv1.2", "TLSv1.3"].contains(rec.string("tls_version") ?? ""), "\(kind): \(rec)")
            }
            fx.expectNoSecrets("\(kind) forward")
        }
    }

    @Test(arguments: ["squid", "tinyproxy"])
    func awsCLITunnelModeThroughParent(kind: String) throws {
        try Self.withParent(kind) { fx in
            let mb = try fx.awsTunnel(["s3", "mb", "s3://via-parent-tun"], useFIPS: false)
            #expect(mb.status == 0, "\(kind): aws s3 mb (CONNECT): \(mb.stderrText.suffix(2000))\n\(fx.gate.diagnostics)")
            let ls = try fx.awsTunnel(["s3", "ls"], useFIPS: false)
            #expect(ls.status == 0 && ls.stdoutText.contains("via-parent-tun"), "\(kind): aws s3 ls: \(ls.stderrText.suffix(2000))")
            let lines = fx.gate.waitForAudit(count: 2, timeout: 8) { $0.event == "tunnel" && $0.host == AWSNames.s3 }
            #expect(lines.count >= 2, "\(kind): \(fx.gate.auditText)")
            for rec in lines {
                #expect(rec.decision == "allow" && rec.violations.isEmpty, "\(kind): \(rec)")
                #expect(rec.string("sni") == AWSNames.s3, "\(kind): \(rec)")
            }
            fx.expectNoSecrets("\(kind) tunnel")
        }
    }
}
