import Foundation
import Testing

/// The AWS CLI (v1, botocore) through tlsgate in forward mode against moto behind TLS; the audit
/// log records each request with its TLS parameters and never a credential.
@Suite(.serialized)
struct AuditAWSTests {
    static let accessKey = "AKIAITESTTLSGATE0001"
    static let secretKey = "itestSECRETkey/tlsgate+DoNotLog0123456789"
    static let sessionToken = "itestSESSIONtoken-tlsgate-DoNotLog-FwoGZXIvYXdzEJr0123456789"

    /// moto over TLS, a tlsgate resolving the STS and S3 names to it, an isolated AWS CLI environment.
    final class AWSFixture {
        let dir: TempDir
        let moto: MotoServer
        let gate: TLSGate
        let env: [String: String]

        init(_ label: String, sessionToken: String? = nil) throws {
            dir = try TempDir(label)
            do {
                let certs = try CertFactory(dir: dir)
                let leaf = try certs.leaf([Names.sts, Names.s3, "*.s3.us-east-1.amazonaws.com"])
                moto = try MotoServer(cert: leaf, dir: dir)
                var config = GateConfig(caBundle: certs.ca.cert)
                config.resolve = [Names.sts: moto.target, Names.s3: moto.target,
                                  "*.s3.us-east-1.amazonaws.com": moto.target]
                gate = try TLSGate(config, dir: dir)
                let awsConfig = try dir.write("aws-config", """
                    [default]
                    region = us-east-1
                    s3 =
                      signature_version = s3v4
                      addressing_style = path

                    """)
                var e = [
                    "HTTP_PROXY": gate.proxyURL, "http_proxy": gate.proxyURL, "NO_PROXY": "", "no_proxy": "",
                    "AWS_ACCESS_KEY_ID": AuditAWSTests.accessKey,
                    "AWS_SECRET_ACCESS_KEY": AuditAWSTests.secretKey,
                    "AWS_DEFAULT_REGION": "us-east-1",
                    "AWS_CONFIG_FILE": awsConfig,
                    "AWS_SHARED_CREDENTIALS_FILE": dir.file("no-credentials"),
                    "AWS_EC2_METADATA_DISABLED": "true",
                    "AWS_RETRY_MODE": "standard", "AWS_MAX_ATTEMPTS": "1",
                    "AWS_PAGER": "",
                ]
                if let sessionToken { e["AWS_SESSION_TOKEN"] = sessionToken }
                env = e
            } catch {
                dir.cleanup()
                throw error
            }
        }

        /// Runs `aws --endpoint-url http://<endpointHost> ARGS` (with --debug, so the signature is
        /// visible to the test) through the proxy.
        func aws(_ endpointHost: String, _ args: [String], timeout: Double = 90) throws -> ExecResult {
            guard let aws = Paths.which("aws") else { throw HarnessError("aws CLI not found on PATH") }
            // Exec.environment strips proxy variables; put them back via `extra`.
            return try Exec.run(aws, ["--debug", "--endpoint-url", "http://\(endpointHost)"] + args,
                                env: env, timeout: timeout)
        }

        /// SigV4 signatures (64 hex digits after "Signature=") seen in aws --debug output.
        static func signatures(in text: String) -> [String] {
            let regex = try? NSRegularExpression(pattern: #"Signature=([0-9a-f]{64})"#)
            let range = NSRange(text.startIndex..., in: text)
            return regex?.matches(in: text, range: range).compactMap {
                Range($0.range(at: 1), in: text).map { String(text[$0]) }
            } ?? []
        }

        /// Every credential the audit file and tlsgate's stderr must not contain.
        func expectNoSecrets(extra: [String] = [], _ comment: String) {
            let audit = gate.auditText, stderr = gate.stderrText, stdout = gate.process.stdoutText
            for secret in [AuditAWSTests.secretKey, AuditAWSTests.sessionToken] + extra {
                #expect(!audit.contains(secret), "\(comment): audit file contains a secret (\(secret.prefix(12))…)")
                #expect(!stderr.contains(secret), "\(comment): tlsgate stderr contains a secret (\(secret.prefix(12))…)")
                #expect(!stdout.contains(secret), "\(comment): tlsgate stdout contains a secret (\(secret.prefix(12))…)")
            }
            #expect(!audit.contains("AWS4-HMAC-SHA256 Credential="), "\(comment): an Authorization header value is in the audit")
            #expect(!stderr.contains("AWS4-HMAC-SHA256 Credential="), "\(comment): an Authorization header value is on stderr")
        }

        func cleanup() {
            gate.stop()
            moto.stop()
            dir.cleanup()
        }
    }

    @Test func stsGetCallerIdentityAuditedWithoutSecrets() throws {
        let fx = try AWSFixture("aws-sts", sessionToken: Self.sessionToken)
        defer { fx.cleanup() }
        let r = try fx.aws(Names.sts, ["sts", "get-caller-identity", "--output", "json"])
        #expect(r.status == 0, "aws sts failed: \(r.stderrText.suffix(3000))\n\(fx.gate.diagnostics)")
        #expect(r.stdoutText.contains("\"Account\""), "stdout: \(r.stdoutText)")
        let sigs = AWSFixture.signatures(in: r.stderrText)
        #expect(!sigs.isEmpty, "could not find the request signature in aws --debug output")

        let rec = fx.gate.waitForAudit { $0.host == Names.sts && $0.event == "request" }
        #expect(rec != nil, "no audit line for STS\n\(fx.gate.diagnostics)")
        if let rec {
            #expect(rec.missingKeys.isEmpty, "missing \(rec.missingKeys): \(rec)")
            #expect(rec.status == 200, "\(rec)")
            #expect(rec.mode == "forward")
            #expect(rec.decision == "allow")
            #expect(["TLSv1.2", "TLSv1.3"].contains(rec.string("tls_version") ?? ""), "\(rec)")
            #expect(!(rec.string("cipher") ?? "").isEmpty, "\(rec)")
        }
        fx.expectNoSecrets(extra: sigs, "sts")
    }

    @Test func s3MakeBucketCopyListRoundTrip() throws {
        let fx = try AWSFixture("aws-s3")
        defer { fx.cleanup() }
        let bucket = "itest-bucket"
        let body = Pattern.bytes(300_000)
        let local = try fx.dir.write("obj.bin", body)
        let back = fx.dir.file("obj.back")
        var sigs: [String] = []
        let steps: [[String]] = [
            ["s3", "mb", "s3://\(bucket)"],
            ["s3", "cp", local, "s3://\(bucket)/dir/obj.bin"],
            ["s3", "ls", "s3://\(bucket)/dir/"],
            ["s3", "cp", "s3://\(bucket)/dir/obj.bin", back],
        ]
        for step in steps {
            let r = try fx.aws(Names.s3, step)
            #expect(r.status == 0, "aws \(step.joined(separator: " ")): \(r.stderrText.suffix(3000))\n\(fx.gate.diagnostics)")
            sigs += AWSFixture.signatures(in: r.stderrText)
            if step[1] == "ls" { #expect(r.stdoutText.contains("obj.bin"), "ls: \(r.stdoutText)") }
        }
        #expect(FileManager.default.contents(atPath: back) == body, "object differs after the round trip")

        let lines = fx.gate.auditRecords().filter { ($0.host ?? "").hasSuffix("s3.us-east-1.amazonaws.com") }
        #expect(lines.count >= 4, "expected an audit line per S3 request, got \(lines.count)\n\(fx.gate.auditText)")
        for rec in lines {
            #expect(rec.missingKeys.isEmpty, "missing \(rec.missingKeys): \(rec)")
            #expect(["TLSv1.2", "TLSv1.3"].contains(rec.string("tls_version") ?? ""), "\(rec)")
            #expect(!(rec.string("cipher") ?? "").isEmpty, "\(rec)")
        }
        #expect(lines.contains { $0.string("method") == "PUT" && $0.status == 200 }, "no PUT 200 line")
        fx.expectNoSecrets(extra: sigs, "s3")
    }

    @Test func presignedURLIsRedactedInAudit() throws {
        let fx = try AWSFixture("aws-presign", sessionToken: Self.sessionToken)
        defer { fx.cleanup() }
        let bucket = "presign-bucket"
        let body = Pattern.bytes(4096)
        let local = try fx.dir.write("obj.bin", body)
        for step in [["s3", "mb", "s3://\(bucket)"], ["s3", "cp", local, "s3://\(bucket)/k.bin"]] {
            let r = try fx.aws(Names.s3, step)
            #expect(r.status == 0, "aws \(step): \(r.stderrText.suffix(3000))\n\(fx.gate.diagnostics)")
        }
        let p = try fx.aws(Names.s3, ["s3", "presign", "s3://\(bucket)/k.bin", "--expires-in", "600"])
        let url = p.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(p.status == 0 && url.contains("X-Amz-Signature="), "presign: \(url) \(p.stderrText.suffix(1000))")
        guard let comps = URLComponents(string: url),
              let signature = comps.queryItems?.first(where: { $0.name == "X-Amz-Signature" })?.value else {
            Issue.record("no X-Amz-Signature in \(url)")
            return
        }
        let out = fx.dir.file("presigned.out")
        let c = try Curl.run(["-x", fx.gate.proxyURL, "-o", out, "-w", "%{http_code}", url])
        #expect(Curl.status(c) == 200, "presigned GET: \(c.stderrText)\n\(fx.gate.diagnostics)")
        #expect(FileManager.default.contents(atPath: out) == body)

        let rec = fx.gate.waitForAudit { ($0.path ?? "").contains("X-Amz-Signature") }
        #expect(rec != nil, "no audit line for the presigned GET\n\(fx.gate.auditText)")
        if let path = rec?.path {
            #expect(path.contains("X-Amz-Signature=REDACTED"), "path: \(path)")
            #expect(path.contains("X-Amz-Credential=REDACTED"), "path: \(path)")
            #expect(path.contains("X-Amz-Security-Token=REDACTED"), "path: \(path)")
            #expect(path.hasPrefix("/\(bucket)/k.bin?"), "path: \(path)")
        }
        fx.expectNoSecrets(extra: [signature], "presign")
    }
}
