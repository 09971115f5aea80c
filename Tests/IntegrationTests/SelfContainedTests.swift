import Foundation
import Testing

/// The binary carries the AWS endpoint catalog and the Amazon roots: every command works from an
/// empty directory, with configurations that name no data file (issue 16, item 1).
@Suite(.serialized)
struct SelfContainedTests {
    /// An empty working directory (nothing beside it but what the test writes) and a directory for
    /// configurations and output.
    struct Dirs {
        let work: TempDir
        let out: TempDir
        init(_ label: String) throws {
            work = try TempDir(label + "-cwd")
            out = try TempDir(label)
            let entries = try FileManager.default.contentsOfDirectory(atPath: work.path)
            guard entries.isEmpty else { throw HarnessError("working directory not empty: \(entries)") }
        }
        func cleanup() { work.cleanup(); out.cleanup() }
    }

    static func cli(_ args: [String], in dir: String) throws -> ExecResult {
        try Exec.run(try Paths.tlsgateBinary(), args, timeout: 30, directory: dir)
    }

    @Test func endpointsLookupWithNoFilesAnywhere() throws {
        let dirs = try Dirs("self-lookup")
        defer { dirs.cleanup() }
        // No --config (the default config/tlsgate.yaml does not exist here), no --catalog.
        let r = try Self.cli(["endpoints", "lookup", "s3-fips.us-east-1.amazonaws.com"], in: dirs.work.path)
        #expect(r.status == 0, "exit \(r.status): \(r.stdoutText) \(r.stderrText)")
        #expect(r.stdoutText.contains("FIPS endpoint:   yes") && r.stdoutText.contains("region:          us-east-1"), "\(r.stdoutText)")
        let standard = try Self.cli(["endpoints", "lookup", "sts.us-east-1.amazonaws.com"], in: dirs.work.path)
        #expect(standard.stdoutText.contains("FIPS variant:    sts-fips.us-east-1.amazonaws.com"), "\(standard.stdoutText)")
    }

    @Test func fipsAndAmazonRootsConfigStartsAndUsesBuiltInData() throws {
        let dirs = try Dirs("self-run")
        defer { dirs.cleanup() }
        let certs = try CertFactory(dir: dirs.out)
        let leaf = try certs.leaf([Names.s3, "s3-fips.us-east-1.amazonaws.com"])
        let upstream = try Upstream(cert: leaf, dir: dirs.out)
        defer { upstream.stop() }
        var config = GateConfig(caBundle: "amazon")
        config.fips = "require"
        config.resolve = [Names.s3: upstream.target, "s3-fips.us-east-1.amazonaws.com": upstream.target]
        let path = try dirs.work.write("fips.yaml", config.yaml(auditPath: dirs.out.file("check.jsonl")))

        let check = try Self.cli(["check-config", "--config", "fips.yaml"], in: dirs.work.path)
        #expect(check.status == 0, "check-config: \(check.stderrText)")
        let doctor = try Self.cli(["doctor", "--config", "fips.yaml"], in: dirs.work.path)
        #expect(doctor.status == 0 && !doctor.stdoutText.contains("problem:"), "doctor: \(doctor.stdoutText)")
        #expect(doctor.stdoutText.range(of: #"AWS catalog:\s+built-in: botocore \d+\.\d+\.\d+, generated \d{4}-\d{2}-\d{2}, \d{4,} hosts"#,
                                        options: .regularExpression) != nil, "doctor names the built-in catalog: \(doctor.stdoutText)")
        #expect(doctor.stdoutText.contains("CA bundle:        amazon (built-in: 5 Amazon Trust Services roots"), "\(doctor.stdoutText)")
        try FileManager.default.removeItem(atPath: path)

        // `run` from the empty directory: the catalog decides (non-FIPS refused, naming the FIPS
        // endpoint) and the built-in Amazon roots are the trust store (a test-CA upstream is refused).
        let gate = try TLSGate(config, dir: dirs.out, directory: dirs.work.path)
        defer { gate.stop() }
        let h = dirs.out.file("h")
        let refused = try Curl.run(["-x", gate.proxyURL, "-o", "/dev/null", "-D", h, "-w", "%{http_code}", "http://\(Names.s3)/"])
        #expect(Curl.status(refused) == 403, "\(refused.stdoutText)\n\(gate.diagnostics)")
        #expect(Curl.headers(file: h)["x-tlsgate-error"] == "non_fips_endpoint", "\(Curl.headers(file: h))")
        let untrusted = try Curl.run(["-x", gate.proxyURL, "-o", "/dev/null", "-D", h, "-w", "%{http_code}", "http://s3-fips.us-east-1.amazonaws.com/"])
        #expect(Curl.status(untrusted) == 502, "\(untrusted.stdoutText)\n\(gate.diagnostics)")
        #expect(Curl.headers(file: h)["x-tlsgate-error"] == "cert_untrusted", "\(Curl.headers(file: h))\n\(gate.diagnostics)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dirs.work.path).isEmpty, "tlsgate wrote into its working directory")
    }

    /// Overrides stay: `aws.endpoints` names a file (used and named by doctor), `tls.ca_bundle` a PEM path.
    @Test func fileOverridesAreUsedAndNamed() throws {
        let dirs = try Dirs("self-override")
        defer { dirs.cleanup() }
        let json = #"{"format":1,"botocoreVersion":"0.0.1","generated":"2026-01-01","partitions":[{"id":"aws","dnsSuffix":"amazonaws.com","suffixes":["amazonaws.com"]}],"signing":{},"hosts":{"s3-fips.us-east-1.amazonaws.com":[0,"s3","us-east-1","f"]}}"#
        let catalog = try dirs.out.write("mini.json", json)
        let certs = try CertFactory(dir: dirs.out)
        var config = GateConfig(caBundle: certs.ca.cert)
        config.awsEndpoints = catalog
        let path = try dirs.out.write("c.yaml", config.yaml(auditPath: dirs.out.file("a.jsonl")))
        let doctor = try Self.cli(["doctor", "--config", path], in: dirs.work.path)
        #expect(doctor.stdoutText.contains("AWS catalog:      file \(catalog): botocore 0.0.1, generated 2026-01-01, 1 hosts"), "\(doctor.stdoutText)")
        #expect(doctor.stdoutText.contains("CA bundle:        \(certs.ca.cert)"), "\(doctor.stdoutText)")
        let lookup = try Self.cli(["endpoints", "lookup", "sts.us-east-1.amazonaws.com", "--config", path], in: dirs.work.path)
        #expect(lookup.status == 1 && lookup.stdoutText.contains("catalog of 1 hosts, botocore 0.0.1"), "\(lookup.stdoutText)")
    }
}
