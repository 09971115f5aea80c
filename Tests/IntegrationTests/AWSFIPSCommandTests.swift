import Foundation
import Testing

/// `tlsgate doctor` and `tlsgate endpoints lookup`, and how check-config / doctor / run agree on
/// FIPS configurations whose catalog is missing or broken.
@Suite(.serialized)
struct AWSFIPSCommandTests {
    // MARK: - doctor

    @Test func doctorOnTheShippedConfigIsClean() throws {
        let r = try TLSGateCLI.run(["doctor", "--config", Paths.packageRoot + "/config/tlsgate.yaml"])
        let out = r.stdoutText
        #expect(r.status == 0, "doctor exit \(r.status): \(out) \(r.stderrText)")
        #expect(!out.contains("problem:"), "\(out)")
        #expect(out.range(of: #"OpenSSL:\s+OpenSSL 3\."#, options: .regularExpression) != nil, "OpenSSL version: \(out)")
        #expect(out.contains("FIPS provider:"), "\(out)")
        #expect(out.contains("CA bundle:"), "\(out)")
        #expect(out.range(of: #"AWS catalog:\s+built-in: botocore \d+\.\d+\.\d+, generated \d{4}-\d{2}-\d{2}, \d{4,} hosts"#,
                          options: .regularExpression) != nil, "catalog size and date: \(out)")
    }

    @Test func doctorWithFIPSAndACatalogIsClean() throws {
        let dir = try TempDir("fips-doctor-ok")
        defer { dir.cleanup() }
        var config = GateConfig(caBundle: "system")
        config.fips = "require"
        config.awsEndpoints = AWSNames.catalog
        let path = try dir.write("ok.yaml", config.yaml(auditPath: dir.file("audit.jsonl")))
        let r = try TLSGateCLI.run(["doctor", "--config", path])
        #expect(r.status == 0, "doctor exit \(r.status): \(r.stdoutText)")
        #expect(r.stdoutText.contains("FIPS profile"), "\(r.stdoutText)")
        #expect(r.stdoutText.contains("fips require"), "\(r.stdoutText)")
        #expect(!r.stdoutText.contains("problem:"), "\(r.stdoutText)")
    }

    /// A FIPS config whose catalog cannot be used: (name, aws.endpoints value or nil, a phrase of the problem).
    static let brokenCatalogs: [(String, String?, String)] = [
        ("unreadable aws.endpoints", "/nonexistent/aws-endpoints.json", "aws.endpoints"),
        ("corrupt catalog", "corrupt.json", "catalog"),
    ]

    @Test(arguments: 0..<brokenCatalogs.count) func fipsWithoutUsableCatalog(_ index: Int) throws {
        let (name, endpoints, phrase) = Self.brokenCatalogs[index]
        let dir = try TempDir("fips-doctor-bad")
        defer { dir.cleanup() }
        var config = GateConfig(caBundle: "system")
        config.fips = "require"
        if let endpoints {
            config.awsEndpoints = endpoints.hasPrefix("/") ? endpoints
                : try dir.write(endpoints, #"{"format": 1, "hosts": "#)
        }
        let path = try dir.write("fips.yaml", config.yaml(auditPath: dir.file("audit.jsonl")))

        let doctor = try TLSGateCLI.run(["doctor", "--config", path])
        #expect(doctor.status != 0, "\(name): doctor must fail: \(doctor.stdoutText)")
        let problems = doctor.stdoutText.split(separator: "\n").filter { $0.hasPrefix("problem:") }
        #expect(problems.contains { $0.contains(phrase) }, "\(name): expected a problem line about \(phrase): \(doctor.stdoutText)")

        // run refuses to start.
        let run = try TLSGateCLI.run(["run", "--config", path, "--listen", "127.0.0.1:0"], timeout: 10)
        #expect(!run.timedOut && run.status != 0, "\(name): run must refuse to start (exit \(run.status), timed out \(run.timedOut))")
        #expect(run.stderrText.contains(phrase), "\(name): run stderr: \(run.stderrText)")

        // check-config must reject what run rejects.
        let check = try TLSGateCLI.run(["check-config", "--config", path])
        #expect(check.status == 2, "\(name): check-config accepted a configuration that `tlsgate run` refuses: exit \(check.status), stdout \(check.stdoutText), stderr \(check.stderrText); run said: \(run.stderrText)")
        if endpoints?.hasPrefix("/") == true {
            #expect(check.stderrText.contains("\(path):"), "\(name): file:line expected: \(check.stderrText)")
        }
    }

    // MARK: - endpoints lookup

    /// (host, expected exit status, lines expected on stdout)
    static let lookups: [(String, Int32, [String])] = [
        ("s3.us-east-1.amazonaws.com", 0, ["service:         s3", "region:          us-east-1", "partition:       aws",
                                           "FIPS endpoint:   no", "FIPS variant:    s3-fips.us-east-1.amazonaws.com"]),
        ("s3-fips.us-east-1.amazonaws.com", 0, ["service:         s3", "region:          us-east-1", "FIPS endpoint:   yes"]),
        ("my-bucket.s3.us-west-2.amazonaws.com", 0, ["bucket:          my-bucket", "service:         s3",
                                                     "region:          us-west-2",
                                                     "FIPS variant:    my-bucket.s3-fips.us-west-2.amazonaws.com"]),
        ("my-bucket.s3-fips.us-east-1.amazonaws.com", 0, ["bucket:          my-bucket", "FIPS endpoint:   yes"]),
        ("sts.us-gov-west-1.amazonaws.com", 0, ["service:         sts", "partition:       aws-us-gov", "FIPS endpoint:   yes"]),
        ("sts.amazonaws.com", 0, ["region:          us-east-1 (global endpoint)", "FIPS variant:    sts-fips.us-east-1.amazonaws.com"]),
        ("s3.dualstack.us-east-1.amazonaws.com", 0, ["dual-stack:      yes", "FIPS variant:    s3-fips.dualstack.us-east-1.amazonaws.com"]),
        ("S3.US-EAST-1.AMAZONAWS.COM", 0, ["service:         s3", "FIPS endpoint:   no"]),
        ("s3-fips.ap-southeast-1.amazonaws.com", 1, ["not a known endpoint"]),
        ("example.com", 1, ["not an AWS domain"]),
    ]

    @Test(arguments: 0..<lookups.count) func endpointsLookup(_ index: Int) throws {
        let (host, status, expected) = Self.lookups[index]
        let r = try TLSGateCLI.run(["endpoints", "lookup", host, "--catalog", AWSNames.catalog])
        #expect(r.status == status, "\(host): exit \(r.status): \(r.stdoutText) \(r.stderrText)")
        for line in expected {
            #expect(r.stdoutText.contains(line), "\(host): expected '\(line)' in:\n\(r.stdoutText)")
        }
    }

    @Test func endpointsLookupFindsTheCatalogThroughTheConfigAndRejectsBadInput() throws {
        let dir = try TempDir("fips-lookup")
        defer { dir.cleanup() }
        var config = GateConfig(caBundle: "system")
        config.awsEndpoints = AWSNames.catalog
        let path = try dir.write("c.yaml", config.yaml(auditPath: dir.file("audit.jsonl")))
        let viaConfig = try TLSGateCLI.run(["endpoints", "lookup", AWSNames.s3FIPS, "--config", path])
        #expect(viaConfig.status == 0 && viaConfig.stdoutText.contains("FIPS endpoint:   yes"), "\(viaConfig.stdoutText) \(viaConfig.stderrText)")
        // The shipped config sets no aws.endpoints: the built-in catalog.
        let shipped = try TLSGateCLI.run(["endpoints", "lookup", AWSNames.s3, "--config", Paths.packageRoot + "/config/tlsgate.yaml"])
        #expect(shipped.status == 0, "\(shipped.stdoutText) \(shipped.stderrText)")

        let url = try TLSGateCLI.run(["endpoints", "lookup", "https://s3.amazonaws.com/", "--catalog", AWSNames.catalog])
        #expect(url.status != 0 && url.status != 1, "a URL is a usage error, not 'unknown': exit \(url.status)")
        let noCatalog = try TLSGateCLI.run(["endpoints", "lookup", AWSNames.s3, "--catalog", dir.file("missing.json")])
        #expect(noCatalog.status == 2 && !noCatalog.stderrText.isEmpty, "exit \(noCatalog.status): \(noCatalog.stderrText)")
    }
}
