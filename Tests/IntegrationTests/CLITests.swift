import Foundation
import Testing

/// The command line: --version and check-config.
@Suite(.serialized)
struct CLITests {
    @Test func versionPrintsAVersion() throws {
        let r = try Exec.run(try Paths.tlsgateBinary(), ["--version"], timeout: 20)
        #expect(r.status == 0, "\(r.stderrText)")
        #expect(r.stdoutText.range(of: #"\d+\.\d+"#, options: .regularExpression) != nil, "version: \(r.stdoutText)")
    }

    @Test func defaultConfigIsValid() throws {
        let r = try Exec.run(try Paths.tlsgateBinary(),
                             ["check-config", "--config", Paths.packageRoot + "/config/tlsgate.yaml"], timeout: 20)
        #expect(r.status == 0, "config/tlsgate.yaml rejected: \(r.stderrText)")
    }

    @Test func testConfigIsValid() throws {
        let dir = try TempDir("cli-valid")
        defer { dir.cleanup() }
        let certs = try CertFactory(dir: dir)
        var config = GateConfig(caBundle: certs.ca.cert)
        config.resolve = [Names.s3: "127.0.0.1:4443", "*.example.test": "127.0.0.1:4444"]
        config.maxRequestHeadBytes = 8192
        let path = try dir.write("ok.yaml", config.yaml(auditPath: dir.file("audit.jsonl")))
        let r = try Exec.run(try Paths.tlsgateBinary(), ["check-config", "--config", path], timeout: 20)
        #expect(r.status == 0, "the harness's config was rejected: \(r.stderrText)\n\(config.yaml(auditPath: "x"))")
    }

    /// (name, file text, line of the error)
    static let badFiles: [(String, String, Int)] = [
        ("unknown top-level key", """
            listen: 127.0.0.1:0
            log_level: info
            tls:
              min_version: "1.2"
            bogus_key: 1
            audit:
              path: "-"

            """, 5),
        ("unknown nested key", """
            # comment
            listen: 127.0.0.1:0
            policy:
              mode: enforce
              allow_hosts:
                - "*.amazonaws.com"
              allow_hostz:
                - "x"

            """, 7),
        ("bad min_version", """
            listen: 127.0.0.1:0
            tls:
              ca_bundle: system
              min_version: "1.0"

            """, 4),
        ("bad mode", """
            policy:
              mode: sometimes

            """, 2),
        ("bad duration", """
            upstream:
              resolve: {}
              connect_timeout: soon

            """, 3),
    ]

    @Test(arguments: 0..<badFiles.count) func badConfigNamesFileAndLine(_ index: Int) throws {
        let (name, text, line) = Self.badFiles[index]
        let dir = try TempDir("cli-bad")
        defer { dir.cleanup() }
        let path = try dir.write("bad.yaml", text)
        let r = try Exec.run(try Paths.tlsgateBinary(), ["check-config", "--config", path], timeout: 20)
        #expect(r.status == 2, "\(name): exit \(r.status), stderr: \(r.stderrText)")
        #expect(r.stderrText.contains("\(path):\(line):"), "\(name): expected '\(path):\(line):' in stderr: \(r.stderrText)")
    }
}
