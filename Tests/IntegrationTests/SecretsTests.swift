import Foundation
import Testing

/// Credentials never reach the audit log or diagnostics, even at the most verbose log level.
@Suite(.serialized)
struct SecretsTests {
    static let signature = String(repeating: "5ec7e7", count: 10) + "abcd"          // 64 hex digits
    static let querySignature = String(repeating: "a1b2c3d4", count: 8)
    static let token = "FwoGZXIvYXdzEItestSessionTokenDoNotLog0123456789"
    static let queryToken = "IQoJb3JpZ2luX2VjEItestQueryTokenDoNotLog"
    static let bearer = "bearer-secret-DoNotLog-42"
    static let accessKey = "AKIAITESTQUERY000001"

    @Test func credentialsAbsentFromAuditAndTraceLogs() throws {
        let fx = try ProxyFixture("secrets") { $0.logLevel = "trace" }
        defer { fx.cleanup() }
        let auth = "AWS4-HMAC-SHA256 Credential=AKIAITESTHEADER00001/20250101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=\(Self.signature)"
        let query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=\(Self.accessKey)%2F20250101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20250101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Security-Token=\(Self.queryToken)&X-Amz-Signature=\(Self.querySignature)"
        // Forward mode: header credentials and a presigned-style query.
        let r = try Curl.run(["-x", fx.gate.proxyURL, "-o", "/dev/null", "-w", "%{http_code}",
                              "-H", "Authorization: \(auth)", "-H", "X-Amz-Security-Token: \(Self.token)",
                              "\(fx.s3)/bytes/10?\(query)"])
        #expect(Curl.status(r) == 200, "\(r.stderrText)\n\(fx.gate.diagnostics)")
        // A refused request carrying the same credentials.
        let d = try Curl.run(["-x", fx.gate.proxyURL, "-o", "/dev/null", "-w", "%{http_code}",
                              "-H", "Authorization: Bearer \(Self.bearer)",
                              "http://forbidden.example.org/x?\(query)"])
        #expect(Curl.status(d) == 403)

        let rec = fx.gate.waitForAudit { ($0.path ?? "").hasPrefix("/bytes/10?") }
        #expect(rec != nil, "\(fx.gate.auditText)")
        if let path = rec?.path {
            for name in ["X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token"] {
                #expect(path.contains("\(name)=REDACTED"), "\(name) not redacted: \(path)")
            }
            #expect(path.contains("X-Amz-Date=20250101T000000Z"), "other parameters are kept: \(path)")
        }
        _ = fx.gate.waitForAudit { $0.host == "forbidden.example.org" }
        fx.gate.stop()  // flush everything
        let everything = fx.gate.auditText + fx.gate.stderrText + fx.gate.process.stdoutText
        for secret in [Self.signature, Self.querySignature, Self.token, Self.queryToken, Self.bearer] {
            #expect(!everything.contains(secret), "secret \(secret.prefix(10))… found in audit/stderr/stdout")
        }
        // The access key id is not a secret: auditors need it, so the request line names it
        // (`aws_access_key_id`, with `sigv4_scope`); the path still shows X-Amz-Credential redacted.
        #expect(rec?.string("aws_access_key_id") == "AKIAITESTHEADER00001", "\(String(describing: rec))")
        #expect(rec?.string("sigv4_scope") == "s3/us-east-1", "\(String(describing: rec))")
    }

    @Test func auditToStdout() throws {
        let dir = try TempDir("audit-stdout")
        defer { dir.cleanup() }
        let certs = try CertFactory(dir: dir)
        let up = try Upstream(cert: try certs.leaf([Names.s3]), dir: dir)
        defer { up.stop() }
        var config = GateConfig(caBundle: certs.ca.cert)
        config.resolve = [Names.s3: up.target]
        let gate = try TLSGate(config, dir: dir, auditToStdout: true)
        defer { gate.stop() }
        let r = try Curl.run(["-x", gate.proxyURL, "-o", "/dev/null", "-w", "%{http_code}",
                              "http://\(Names.s3)/bytes/3"])
        #expect(Curl.status(r) == 200)
        let rec = gate.waitForAudit { $0.path == "/bytes/3" }
        #expect(rec?.missingKeys.isEmpty == true, "audit line on stdout: \(gate.process.stdoutText)")
        // Only JSON lines on stdout; diagnostics stay on stderr.
        let allJSON = gate.auditRecords().allSatisfy { $0.isValid }
        #expect(allJSON, "non-JSON on stdout: \(gate.process.stdoutText)")
    }
}
