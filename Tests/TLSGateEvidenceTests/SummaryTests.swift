import Foundation
import Testing
import TLSGateAudit
import TLSGateEvidence

@Suite struct SummaryTests {
    /// Lines as the proxy writes them: allowed AWS calls (FIPS and not), a denial with its
    /// violation line, and an outage (outcome error, decision allow, no violation).
    static func writeSample(_ path: String, instance: String) {
        let log = try! AuditLog(path: path, sealing: AuditSealing(instance: instance, checkpointInterval: 0))
        func aws(_ service: String, _ region: String, fips: Bool, op: String, key: String) -> [(String, AuditValue)] {
            [("aws_partition", .string("aws")), ("aws_service", .string(service)), ("aws_region", .string(region)),
             ("fips_endpoint", .bool(fips)), ("aws_operation", .string(op)), ("aws_access_key_id", .string(key))]
        }
        for i in 0..<6 {
            log.write(AuditRecord(event: .request, mode: .forward, time: AuditTimestamp(seconds: 1_764_806_400 + i),
                                  client: "127.0.0.\(1 + i % 2):5000\(i)", host: "s3-fips.us-east-1.amazonaws.com", port: 443,
                                  status: 200, tlsVersion: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256", decision: .allow,
                                  extra: aws("s3", "us-east-1", fips: true, op: "GetObject", key: "AKIAONE")))
        }
        log.write(AuditRecord(event: .tunnel, mode: .tunnel, time: AuditTimestamp(seconds: 1_764_806_410), client: "[::1]:4000",
                              host: "sts.us-west-2.amazonaws.com", port: 443, status: 200, tlsVersion: "TLSv1.2",
                              cipher: "ECDHE-RSA-AES128-GCM-SHA256", decision: .report, violations: ["non_fips_endpoint"],
                              extra: [("aws_service", .string("sts")), ("aws_region", .string("us-west-2")), ("fips_endpoint", .bool(false))]))
        log.write(AuditRecord(event: .violation, mode: .tunnel, time: AuditTimestamp(seconds: 1_764_806_410), host: "sts.us-west-2.amazonaws.com",
                              decision: .report, violations: ["non_fips_endpoint"]))
        let denied = AuditRecord(event: .request, mode: .forward, time: AuditTimestamp(seconds: 1_764_806_420), client: "127.0.0.9:1",
                                 host: "evil.example.org", status: 403, decision: .deny, violations: ["host_not_allowed"])
        log.write(denied)
        var violation = denied
        violation.event = .violation
        log.write(violation)
        log.write(AuditRecord(event: .request, mode: .forward, time: AuditTimestamp(seconds: 1_764_806_430), client: "127.0.0.1:2",
                              host: "down.example.test", status: 502, decision: .allow, error: "upstream_unreachable",
                              reason: "DNS lookup failed"))
        log.close()
    }

    @Test func countsDecisionsOutcomesTLSFipsAndViolations() throws {
        let dir = EvidenceDir()
        Self.writeSample(dir.file("a.jsonl"), instance: "gw-a")
        Self.writeSample(dir.file("b.jsonl"), instance: "gw-b")
        var summary = AuditSummary()
        try summary.add(paths: [dir.file("a.jsonl"), dir.file("b.jsonl")])
        #expect(summary.traffic == 2 * 9)
        #expect(summary.byDecision.counts == ["allow": 14, "report": 2, "deny": 2])
        #expect(summary.byOutcome.counts == ["ok": 16, "error": 2])
        #expect(summary.byError.counts == ["upstream_unreachable": 2])
        #expect(summary.byMode.counts == ["forward": 16, "tunnel": 2])
        #expect(summary.tlsVersions.counts == ["TLSv1.3": 12, "TLSv1.2": 2])
        #expect(summary.awsCalls == 14 && summary.awsFIPSCalls == 12)
        #expect(summary.awsServices.counts == ["s3": 12, "sts": 2])
        #expect(summary.awsOperations.counts == ["GetObject": 12])
        #expect(summary.awsAccessKeys.counts == ["AKIAONE": 12])
        #expect(summary.clients.counts["::1"] == 2 && summary.clients.counts["127.0.0.1"] == 8)
        #expect(summary.hosts.top(1).first?.0 == "s3-fips.us-east-1.amazonaws.com")
        #expect(summary.instances.counts.keys.sorted() == ["gw-a", "gw-b"])
        #expect(summary.violations.keys.sorted() == ["host_not_allowed", "non_fips_endpoint"])
        let denial = try #require(summary.violations["host_not_allowed"])
        #expect(denial.count == 2 && denial.first == "2025-12-04T00:00:20.000Z" && denial.last == denial.first)
        #expect(denial.example.contains(#""event":"violation""#) && denial.example.contains("evil.example.org"))
        #expect(summary.firstTime == "2025-12-04T00:00:00.000Z")

        let json = try #require(try JSONSerialization.jsonObject(with: Data(summary.render(.json).utf8)) as? [String: Any])
        #expect((json["by_outcome"] as? [String: Int]) == ["ok": 16, "error": 2])
        #expect(((json["fips"] as? [String: Any])?["fips_calls"] as? Int) == 12)
        let text = summary.render(.text)
        #expect(text.contains("FIPS endpoints        12 of 14 AWS calls (85.7%)"), "\(text)")
        #expect(summary.render(.markdown).contains("| host_not_allowed | 2 | 2025-12-04T00:00:20.000Z | 2025-12-04T00:00:20.000Z |"))

        var window = AuditSummary(since: "2025-12-04T00:00:10", until: "2025-12-04T00:00:30")
        try window.add(paths: [dir.file("a.jsonl")])
        #expect(window.traffic == 2, "the tunnel and the denial")
    }
}
