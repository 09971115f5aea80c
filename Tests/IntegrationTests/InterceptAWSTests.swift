import Foundation
import Testing

/// The AWS CLI through `HTTPS_PROXY` with `AWS_CA_BUNDLE` = the local intercept CA, against moto
/// behind TLS: the requests inside the intercepted CONNECTs are audited one by one, with the
/// operation, the SigV4 scope and the access key id, and never a secret.
@Suite(.serialized)
struct InterceptAWSTests {
    static let names = [Names.s3, Names.sts, "sqs.us-east-1.amazonaws.com", "dynamodb.us-east-1.amazonaws.com"]

    final class Fixture {
        let dir: TempDir
        let caDir: TempDir
        let moto: MotoServer
        let gate: TLSGate
        let env: [String: String]

        init(_ label: String) throws {
            dir = try TempDir(label)
            caDir = try TempDir("\(label)-ica")
            do {
                let certs = try CertFactory(dir: dir)
                let ica = try CertFactory(dir: caDir).interceptCA(permitted: [".amazonaws.com"])
                moto = try MotoServer(cert: try certs.leaf(InterceptAWSTests.names + ["*.s3.us-east-1.amazonaws.com"]), dir: dir)
                var config = GateConfig(caBundle: certs.ca.cert)
                for name in InterceptAWSTests.names + ["*.s3.us-east-1.amazonaws.com"] { config.resolve[name] = moto.target }
                config.awsEndpoints = Paths.packageRoot + "/config/aws-endpoints.json"
                config.enableIntercept(ca: ica, hosts: ["*.amazonaws.com"])
                gate = try TLSGate(config, dir: dir)
                let awsConfig = try dir.write("aws-config", """
                    [default]
                    region = us-east-1
                    s3 =
                      addressing_style = path

                    """)
                env = [
                    "HTTPS_PROXY": gate.proxyURL, "https_proxy": gate.proxyURL, "NO_PROXY": "", "no_proxy": "",
                    "AWS_CA_BUNDLE": ica.cert,
                    "AWS_ACCESS_KEY_ID": AuditAWSTests.accessKey, "AWS_SECRET_ACCESS_KEY": AuditAWSTests.secretKey,
                    "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": awsConfig,
                    "AWS_SHARED_CREDENTIALS_FILE": dir.file("no-credentials"), "AWS_EC2_METADATA_DISABLED": "true",
                    "AWS_RETRY_MODE": "standard", "AWS_MAX_ATTEMPTS": "1", "AWS_PAGER": "",
                ]
            } catch {
                dir.cleanup()
                caDir.cleanup()
                throw error
            }
        }

        /// `aws --endpoint-url https://HOST ARGS` through the proxy (HTTPS_PROXY: intercepted).
        func aws(_ host: String, _ args: [String], timeout: Double = 120) throws -> ExecResult {
            guard let aws = Paths.which("aws") else { throw HarnessError("aws CLI not found on PATH") }
            return try Exec.run(aws, ["--endpoint-url", "https://\(host)"] + args, env: env, timeout: timeout)
        }

        /// The intercept request lines for `host` with `operation`.
        func lines(_ host: String, _ operation: String, count: Int = 1) -> [AuditRecord] {
            gate.waitForAudit(count: count, timeout: 10) {
                $0.event == "request" && $0.mode == "intercept" && $0.host == host && $0.string("aws_operation") == operation
            }
        }

        func expectOperation(_ host: String, _ operation: String, count: Int = 1, _ comment: String) {
            let recs = lines(host, operation, count: count)
            #expect(recs.count >= count, "\(comment): no \(operation) line for \(host)\n\(gate.auditText.suffix(4000))")
            for rec in recs {
                #expect(rec.missingKeys.isEmpty, "\(comment): missing \(rec.missingKeys): \(rec)")
                #expect(rec.string("aws_access_key_id") == AuditAWSTests.accessKey, "\(comment): \(rec)")
                #expect(rec.string("sigv4_scope")?.hasSuffix("/us-east-1") == true, "\(comment): \(rec)")
                #expect(rec.string("sni") == host && rec.string("client_tls_version") != nil, "\(comment): \(rec)")
            }
        }

        func cleanup() {
            gate.stop()
            moto.stop()
            dir.cleanup()
            caDir.cleanup()
        }
    }

    @Test func s3PutGetMultipartAndRangedGet() throws {
        let fx = try Fixture("icpt-aws-s3")
        defer { fx.cleanup() }
        let bucket = "icpt-bucket"
        let mb = try fx.aws(Names.s3, ["s3api", "create-bucket", "--bucket", bucket])
        #expect(mb.status == 0, "create-bucket: \(mb.stderrText.suffix(2000))\n\(fx.gate.diagnostics)")
        // Every byte value, several times over.
        let small = Pattern.bytes(256 * 1024 + 3)
        let smallFile = try fx.dir.write("all-bytes.bin", small)
        let put = try fx.aws(Names.s3, ["s3", "cp", smallFile, "s3://\(bucket)/all-bytes.bin"])
        #expect(put.status == 0, "put: \(put.stderrText.suffix(2000))")
        let back = fx.dir.file("back.bin")
        let get = try fx.aws(Names.s3, ["s3", "cp", "s3://\(bucket)/all-bytes.bin", back])
        #expect(get.status == 0 && FileManager.default.contents(atPath: back) == small, "get: \(get.stderrText.suffix(2000))")
        // 9 MiB: above the CLI's 8 MiB multipart threshold.
        let big = Pattern.bytes(9 * 1024 * 1024)
        let bigFile = try fx.dir.write("big.bin", big)
        let multi = try fx.aws(Names.s3, ["s3", "cp", bigFile, "s3://\(bucket)/big.bin"])
        #expect(multi.status == 0, "multipart: \(multi.stderrText.suffix(2000))")
        let bigBack = fx.dir.file("big-back.bin")
        let getBig = try fx.aws(Names.s3, ["s3", "cp", "s3://\(bucket)/big.bin", bigBack])
        #expect(getBig.status == 0 && FileManager.default.contents(atPath: bigBack) == big, "get big: \(getBig.stderrText.suffix(2000))")
        let ranged = fx.dir.file("range.bin")
        let range = try fx.aws(Names.s3, ["s3api", "get-object", "--bucket", bucket, "--key", "all-bytes.bin",
                                          "--range", "bytes=1000-1999", ranged])
        #expect(range.status == 0 && FileManager.default.contents(atPath: ranged) == small.subdata(in: 1000..<2000),
                "ranged get: \(range.stderrText.suffix(2000))")
        fx.expectOperation(Names.s3, "CreateBucket", "create-bucket")
        fx.expectOperation(Names.s3, "PutObject", "put")
        fx.expectOperation(Names.s3, "GetObject", count: 3, "get")
        fx.expectOperation(Names.s3, "CreateMultipartUpload", "multipart")
        fx.expectOperation(Names.s3, "UploadPart", count: 2, "multipart")
        fx.expectOperation(Names.s3, "CompleteMultipartUpload", "multipart")
        #expect(!fx.gate.auditText.contains(AuditAWSTests.secretKey), "secret in the audit")
    }

    @Test func stsSqsDynamoDB() throws {
        let fx = try Fixture("icpt-aws-api")
        defer { fx.cleanup() }
        let sts = try fx.aws(Names.sts, ["sts", "get-caller-identity", "--output", "json"])
        #expect(sts.status == 0 && sts.stdoutText.contains("\"Account\""), "sts: \(sts.stderrText.suffix(2000))\n\(fx.gate.diagnostics)")
        fx.expectOperation(Names.sts, "GetCallerIdentity", "sts")

        let sqsHost = "sqs.us-east-1.amazonaws.com"
        let queue = try fx.aws(sqsHost, ["sqs", "create-queue", "--queue-name", "icpt-queue", "--output", "json"])
        #expect(queue.status == 0, "sqs create-queue: \(queue.stderrText.suffix(2000))")
        let url = "https://\(sqsHost)/123456789012/icpt-queue"
        let send = try fx.aws(sqsHost, ["sqs", "send-message", "--queue-url", url, "--message-body", "hello through tlsgate"])
        #expect(send.status == 0, "sqs send-message: \(send.stderrText.suffix(2000))")
        fx.expectOperation(sqsHost, "CreateQueue", "sqs")
        fx.expectOperation(sqsHost, "SendMessage", "sqs")

        let ddbHost = "dynamodb.us-east-1.amazonaws.com"
        let table = try fx.aws(ddbHost, ["dynamodb", "create-table", "--table-name", "icpt", "--billing-mode", "PAY_PER_REQUEST",
                                         "--attribute-definitions", "AttributeName=id,AttributeType=S",
                                         "--key-schema", "AttributeName=id,KeyType=HASH"])
        #expect(table.status == 0, "dynamodb create-table: \(table.stderrText.suffix(2000))")
        let item = try fx.aws(ddbHost, ["dynamodb", "put-item", "--table-name", "icpt", "--item", #"{"id":{"S":"one"}}"#])
        #expect(item.status == 0, "dynamodb put-item: \(item.stderrText.suffix(2000))")
        fx.expectOperation(ddbHost, "CreateTable", "dynamodb")
        fx.expectOperation(ddbHost, "PutItem", "dynamodb")
    }
}
