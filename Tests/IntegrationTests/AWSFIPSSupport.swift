import Foundation
import Testing

/// AWS host names used by the FIPS tests (all mapped to loopback through `upstream.resolve`).
enum AWSNames {
    static let s3 = "s3.us-east-1.amazonaws.com"
    /// The legacy global S3 endpoint (us-east-1 in the catalog).
    static let s3Global = "s3.amazonaws.com"
    static let s3FIPS = "s3-fips.us-east-1.amazonaws.com"
    static let s3West2FIPS = "s3-fips.us-west-2.amazonaws.com"
    static let sts = "sts.us-east-1.amazonaws.com"
    static let stsFIPS = "sts-fips.us-east-1.amazonaws.com"
    /// GovCloud STS: FIPS per the catalog although its name has no "fips" label.
    static let stsGov = "sts.us-gov-west-1.amazonaws.com"
    /// Synthesized from the SDK template; no such endpoint exists (not in the catalog).
    static let s3FIPSSynthesized = "s3-fips.ap-southeast-1.amazonaws.com"
    /// A catalogued endpoint with no FIPS variant.
    static let s3NoFIPSVariant = "s3.ap-southeast-1.amazonaws.com"
    static let nonAWS = "a.example.test"
    static let kmsFIPS = "kms-fips.us-east-1.amazonaws.com"
    static let ec2FIPS = "ec2-fips.us-east-1.amazonaws.com"

    /// Every name the test leaf certificate covers.
    static let all = [s3, s3Global, s3FIPS, s3West2FIPS, sts, stsFIPS, stsGov, s3FIPSSynthesized, s3NoFIPSVariant,
                      "*.s3.us-east-1.amazonaws.com", "*.s3-fips.us-east-1.amazonaws.com", nonAWS, kmsFIPS, ec2FIPS]

    /// The repository's endpoint catalog (config/aws-endpoints.json).
    static var catalog: String { Paths.packageRoot + "/config/aws-endpoints.json" }
}

/// Test credentials (moto does not check them).
enum AWSTestCredentials {
    static let accessKey = "AKIAITESTFIPS0000001"
    static let secretKey = "itestFIPSsecret/tlsgate+DoNotLog0123456789"
}

/// A temp dir, a test CA and leaf for `AWSNames.all`, a backend (moto over TLS or upstream.py) and a
/// tlsgate with `policy.fips` set and the repository catalog, every AWS name resolved to the backend.
final class AWSFIPSFixture {
    enum Backend { case moto, upstream }

    let dir: TempDir
    let certs: CertFactory
    let leaf: CertPair
    let moto: MotoServer?
    let upstream: Upstream?
    let gate: TLSGate

    /// - Parameters:
    ///   - fips: `policy.fips` (off | audit | require).
    ///   - configure: adjusts the config after resolve/CA/fips/catalog are set.
    init(_ label: String, fips: String, backend: Backend = .moto,
         configure: (inout GateConfig) -> Void = { _ in }) throws {
        dir = try TempDir(label)
        do {
            certs = try CertFactory(dir: dir)
            leaf = try certs.leaf(AWSNames.all)
            let target: String
            switch backend {
            case .moto:
                let m = try MotoServer(cert: leaf, dir: dir)
                moto = m; upstream = nil; target = m.target
            case .upstream:
                let u = try Upstream(cert: leaf, dir: dir)
                upstream = u; moto = nil; target = u.target
            }
            var config = GateConfig(caBundle: certs.ca.cert)
            for name in AWSNames.all { config.resolve[name] = target }
            config.fips = fips
            config.awsEndpoints = AWSNames.catalog
            configure(&config)
            gate = try TLSGate(config, dir: dir)
        } catch {
            dir.cleanup()
            throw error
        }
    }

    func cleanup() {
        gate.stop()
        moto?.stop()
        upstream?.stop()
        dir.cleanup()
    }

    /// An isolated AWS CLI environment (no proxy variables: add them per mode).
    func awsEnvironment() throws -> [String: String] {
        let awsConfig = try dir.write("aws-config", """
            [default]
            region = us-east-1
            s3 =
              signature_version = s3v4
              addressing_style = path

            """)
        return [
            "AWS_ACCESS_KEY_ID": AWSTestCredentials.accessKey,
            "AWS_SECRET_ACCESS_KEY": AWSTestCredentials.secretKey,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": awsConfig,
            "AWS_SHARED_CREDENTIALS_FILE": dir.file("no-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_RETRY_MODE": "standard", "AWS_MAX_ATTEMPTS": "1",
            "AWS_PAGER": "",
            // us-east-1 S3 on s3.us-east-1.amazonaws.com, not the legacy global s3.amazonaws.com.
            "AWS_S3_US_EAST_1_REGIONAL_ENDPOINT": "regional",
            "NO_PROXY": "", "no_proxy": "",
        ]
    }

    /// Forward mode: `HTTP_PROXY=<gate>`, `aws --endpoint-url http://<host> ARGS`.
    func awsForward(_ host: String, _ args: [String], useFIPS: Bool = true, timeout: Double = 60) throws -> ExecResult {
        guard let aws = Paths.which("aws") else { throw HarnessError("aws CLI not found on PATH") }
        var env = try awsEnvironment()
        env["HTTP_PROXY"] = gate.proxyURL
        env["http_proxy"] = gate.proxyURL
        if useFIPS { env["AWS_USE_FIPS_ENDPOINT"] = "true" }
        return try Exec.run(aws, ["--endpoint-url", "http://\(host)"] + args, env: env, timeout: timeout)
    }

    /// CONNECT mode: `HTTPS_PROXY=<gate>`, the CLI builds its own https URL (FIPS when `useFIPS`)
    /// and trusts the test CA end to end.
    func awsTunnel(_ args: [String], useFIPS: Bool, timeout: Double = 60) throws -> ExecResult {
        guard let aws = Paths.which("aws") else { throw HarnessError("aws CLI not found on PATH") }
        var env = try awsEnvironment()
        env["HTTPS_PROXY"] = gate.proxyURL
        env["https_proxy"] = gate.proxyURL
        env["AWS_CA_BUNDLE"] = certs.ca.cert
        env["AWS_USE_FIPS_ENDPOINT"] = useFIPS ? "true" : "false"
        return try Exec.run(aws, args, env: env, timeout: timeout)
    }

    /// The forward `request` line for `host` (optionally with a violation).
    func requestRecord(_ host: String, violation: String? = nil, timeout: Double = 8) -> AuditRecord? {
        gate.waitForAudit(timeout: timeout) { rec in
            rec.event == "request" && rec.host == host && (violation.map { rec.violations.contains($0) } ?? true)
        }
    }

    /// The forward `request` line for `host` that also satisfies `predicate`.
    func requestRecord(_ host: String, timeout: Double = 8, _ predicate: (AuditRecord) -> Bool) -> AuditRecord? {
        gate.waitForAudit(timeout: timeout) { $0.event == "request" && $0.host == host && predicate($0) }
    }

    /// The `tunnel` line for `host` (optionally with a violation).
    func tunnelRecord(_ host: String, violation: String? = nil, timeout: Double = 8) -> AuditRecord? {
        gate.waitForAudit(timeout: timeout) { rec in
            rec.event == "tunnel" && rec.host == host && (violation.map { rec.violations.contains($0) } ?? true)
        }
    }

    /// The secret key and signatures never reach the audit log or tlsgate's output.
    func expectNoSecrets(_ comment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for text in [gate.auditText, gate.stderrText, gate.process.stdoutText] {
            #expect(!text.contains(AWSTestCredentials.secretKey), "\(comment): the secret key leaked", sourceLocation: sourceLocation)
            #expect(!text.contains("Signature="), "\(comment): a signature leaked", sourceLocation: sourceLocation)
        }
    }
}

extension AuditRecord {
    /// A JSON boolean field (JSONSerialization gives NSNumber or Bool).
    func bool(_ key: String) -> Bool? {
        if let b = fields?[key] as? Bool { return b }
        return nil
    }

    /// Whether `key` is absent or JSON null.
    func isNullOrAbsent(_ key: String) -> Bool {
        guard let v = fields?[key] else { return true }
        return v is NSNull
    }

    /// Checks the `aws_*` endpoint fields.
    func expectAWS(service: String, region: String, partition: String = "aws", fips: Bool,
                   _ comment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(string("aws_service") == service, "\(comment): aws_service in \(self)", sourceLocation: sourceLocation)
        #expect(string("aws_region") == region, "\(comment): aws_region in \(self)", sourceLocation: sourceLocation)
        #expect(string("aws_partition") == partition, "\(comment): aws_partition in \(self)", sourceLocation: sourceLocation)
        #expect(bool("fips_endpoint") == fips, "\(comment): fips_endpoint in \(self)", sourceLocation: sourceLocation)
    }
}

/// Runs the tlsgate binary with `args` (short-lived subcommands).
enum TLSGateCLI {
    static func run(_ args: [String], timeout: Double = 30) throws -> ExecResult {
        try Exec.run(try Paths.tlsgateBinary(), args, timeout: timeout)
    }
}
