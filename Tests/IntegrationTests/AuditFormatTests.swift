import Foundation
import Testing

/// `audit.format: ocsf|ecs`: real output of a running tlsgate (allowed request, denial, outage,
/// tunnel), validated against a schema package from PyPI; the chain and checkpoints work in every
/// format (`audit verify` passes).
@Suite(.serialized)
struct AuditFormatTests {
    static func traffic(_ format: String) throws -> OpsFixture {
        let fx = try OpsFixture("audit-\(format)") {
            $0.allowHosts = ["*.amazonaws.com", "down.example.test"]
            $0.resolve["down.example.test"] = "127.0.0.1:1"
            $0.awsEndpoints = AWSNames.catalog
            $0.auditKeys = ["format: \(format)", "instance: gw-\(format)"]
        }
        #expect(try Operations.ReloadTests.status(fx.gate, "\(fx.s3)/delay?ms=0") == 200, "\(fx.gate.diagnostics)")
        #expect(try Operations.ReloadTests.status(fx.gate, "http://evil.example.org/x?a=1") == 403)
        #expect(try Operations.ReloadTests.status(fx.gate, "http://down.example.test/") == 502)
        let tunnel = try PyClient.raw(proxy: fx.gate.hostPort, Data("CONNECT evil.example.org:443 HTTP/1.1\r\nHost: evil.example.org:443\r\n\r\n".utf8))
        #expect(tunnel["status"] as? Int == 403)
        try fx.gate.signal(SIGTERM)
        #expect(fx.gate.waitForExit(timeout: 15) == 0, "\(fx.gate.diagnostics)")
        let verify = try Exec.run(try Paths.tlsgateBinary(), ["audit", "verify", fx.gate.auditPath])
        #expect(verify.status == 0, "the chain in \(format): \(verify.stdoutText)\(verify.stderrText)")
        return fx
    }

    static func lines(_ fx: OpsFixture) throws -> [[String: Any]] {
        try String(contentsOfFile: fx.gate.auditPath, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test(.timeLimit(.minutes(2))) func ocsfValidatesWithOCSFEmitter() throws {
        let fx = try Self.traffic("ocsf")
        defer { fx.cleanup() }
        let r = try Exec.python("ocsf_validate.py", [fx.gate.auditPath])
        #expect(r.status == 0, "\(r.stdoutText)\(r.stderrText)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdoutText.utf8)) as? [String: Any])
        let counts = try #require(doc["validated"] as? [String: Int])
        #expect((counts["4002"] ?? 0) >= 4, "requests and their violation line: \(doc)")
        #expect((counts["4001"] ?? 0) >= 2, "the tunnel and its violation line: \(doc)")
        let all = try Self.lines(fx)
        let request = try #require(all.first { ($0["class_uid"] as? Int) == 4002 && ($0["http_response"] as? [String: Any])?["code"] as? Int == 200 })
        #expect(request["action_id"] as? Int == 1)
        #expect(((request["tls"] as? [String: Any])?["version"] as? String)?.hasPrefix("TLSv1.") == true, "\(request)")
        #expect((request["dst_endpoint"] as? [String: Any])?["hostname"] as? String == "s3.us-east-1.amazonaws.com")
        #expect((request["src_endpoint"] as? [String: Any])?["ip"] as? String == "127.0.0.1")
        let unmapped = try #require(request["unmapped"] as? [String: Any])
        #expect(unmapped["aws_service"] as? String == "s3" && unmapped["seq"] as? Int != nil && unmapped["chain"] as? String != nil)
        let denied = try #require(all.first { ($0["class_uid"] as? Int) == 4002 && ($0["action_id"] as? Int) == 2 })
        #expect((denied["unmapped"] as? [String: Any])?["violations"] as? [String] == ["host_not_allowed"])
        let outage = try #require(all.first { (($0["unmapped"] as? [String: Any])?["error"] as? String) == "upstream_unreachable" })
        #expect(outage["action_id"] as? Int == 1 && outage["status_id"] as? Int == 2, "allowed by policy, failed: \(outage)")
        let tunnel = try #require(all.first { ($0["class_uid"] as? Int) == 4001 && ($0["unmapped"] as? [String: Any])?["event"] as? String == "tunnel" })
        #expect(tunnel["action_id"] as? Int == 2 && tunnel["activity_id"] as? Int == 5, "\(tunnel)")
    }

    @Test(.timeLimit(.minutes(2))) func ecsLinesCarryTheECSFields() throws {
        let fx = try Self.traffic("ecs")
        defer { fx.cleanup() }
        let all = try Self.lines(fx).filter { $0["@timestamp"] != nil }
        let request = try #require(all.first { (($0["http"] as? [String: Any])?["response"] as? [String: Any])?["status_code"] as? Int == 200 })
        #expect((request["ecs"] as? [String: Any])?["version"] as? String == "8.11.0")
        let tls = try #require(request["tls"] as? [String: Any])
        #expect(["1.2", "1.3"].contains(tls["version"] as? String ?? "") && tls["cipher"] as? String != nil, "\(tls)")
        #expect((tls["client"] as? [String: Any])?["server_name"] as? String == "s3.us-east-1.amazonaws.com")
        #expect((request["url"] as? [String: Any])?["domain"] as? String == "s3.us-east-1.amazonaws.com")
        #expect((request["source"] as? [String: Any])?["ip"] as? String == "127.0.0.1")
        #expect((request["destination"] as? [String: Any])?["port"] as? Int == 443)
        #expect((request["event"] as? [String: Any])?["outcome"] as? String == "success")
        let outage = try #require(all.first { (($0["tlsgate"] as? [String: Any])?["error"] as? String) == "upstream_unreachable" })
        #expect((outage["event"] as? [String: Any])?["type"] as? [String] == ["connection", "error"], "\(outage)")
        let denied = try #require(all.first { (($0["event"] as? [String: Any])?["type"] as? [String]) == ["connection", "denied"] })
        #expect((denied["url"] as? [String: Any])?["query"] as? String == "a=1")
    }
}
