import Foundation
import Testing

/// check-config (exit 2) and run (refuses to start) reject an unsafe or unusable CA, each with a
/// message that names the fix.
@Suite(.serialized)
struct CARefusalTests {
    /// check-config and run on `config`: both must fail with `needle` in the message.
    private func expectRefused(_ config: String, _ needles: [String], _ comment: String) throws {
        let check = try CATool.tlsgate(["check-config", "--config", config])
        #expect(check.status == 2, "\(comment): check-config exit \(check.status): \(check.stderrText)")
        for needle in needles {
            #expect(check.stderrText.contains(needle), "\(comment): check-config said: \(check.stderrText)")
        }
        let run = try CATool.tlsgate(["run", "--config", config, "--listen", "127.0.0.1:0"], timeout: 20)
        #expect(!run.timedOut && run.status != 0, "\(comment): run should refuse to start (exit \(run.status)): \(run.stderrText)")
        for needle in needles {
            #expect(run.stderrText.contains(needle), "\(comment): run said: \(run.stderrText)")
        }
    }

    @Test("a valid CA passes check-config and run starts with interception on")
    func validCAAccepted() throws {
        let dir = try TempDir("ca-ok")
        defer { dir.cleanup() }
        try CATool.initCA(dir: dir.file("ca"))
        let config = try CATool.interceptConfig(dir: dir, caCert: dir.file("ca/ca.pem"), caKey: dir.file("ca/ca-key.pem"),
                                                hosts: ["*.s3.amazonaws.com", "sts.amazonaws.com"])
        let check = try CATool.tlsgate(["check-config", "--config", config])
        #expect(check.status == 0, "\(check.stderrText)")
        #expect(check.stdoutText.contains("intercept: 2 host pattern(s)"), "\(check.stdoutText)")
        // Without intercept.hosts, the default allowlist's four patterns lie inside the default CA.
        let defaults = try CATool.interceptConfig(dir: dir, caCert: dir.file("ca/ca.pem"), caKey: dir.file("ca/ca-key.pem"),
                                                  allowHosts: ["*.amazonaws.com", "*.amazonaws.com.cn", "*.api.aws", "*.aws"])
        let checkDefaults = try CATool.tlsgate(["check-config", "--config", defaults])
        #expect(checkDefaults.status == 0 && checkDefaults.stdoutText.contains("intercept: 4 host pattern(s)"), "\(checkDefaults.stderrText)")
        let gate = try ManagedProcess(name: "tlsgate", program: try Paths.tlsgateBinary(),
                                      arguments: ["run", "--config", config, "--listen", "127.0.0.1:0"], dir: dir)
        defer { gate.stop() }
        let line = try gate.waitFor(#"(?<!admin )listening on 127\.0\.0\.1:\d+.*"#, on: .stderr, timeout: 10)
        #expect(line[0].contains("intercept=on (2 host patterns)") || gate.stderrText.contains("on (2 host patterns)"), "\(gate.stderrText)")
    }

    @Test("a CA key readable by group or others: chmod 600")
    func keyModeRefused() throws {
        let dir = try TempDir("ca-mode")
        defer { dir.cleanup() }
        try CATool.initCA(dir: dir.file("ca"))
        let key = dir.file("ca/ca-key.pem")
        #expect(chmod(key, 0o644) == 0)
        let config = try CATool.interceptConfig(dir: dir, caCert: dir.file("ca/ca.pem"), caKey: key, hosts: ["*.amazonaws.com"])
        try expectRefused(config, ["chmod 600 \(key)", "mode 644"], "key 0644")
    }

    @Test("a key that does not belong to the certificate")
    func mismatchedKeyRefused() throws {
        let dir = try TempDir("ca-mismatch")
        defer { dir.cleanup() }
        try CATool.initCA(dir: dir.file("a"))
        try CATool.initCA(dir: dir.file("b"))
        let config = try CATool.interceptConfig(dir: dir, caCert: dir.file("a/ca.pem"), caKey: dir.file("b/ca-key.pem"),
                                                hosts: ["*.amazonaws.com"])
        try expectRefused(config, ["does not belong to the certificate", "tlsgate ca init --force"], "mismatched key")
    }

    @Test("a CA certificate without keyCertSign (made with openssl)")
    func noKeyCertSignRefused() throws {
        let dir = try TempDir("ca-ku")
        defer { dir.cleanup() }
        let key = dir.file("ku.key"), cert = dir.file("ku.pem")
        for args in [["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key],
                     ["req", "-x509", "-new", "-key", key, "-subj", "/CN=no keyCertSign", "-days", "2", "-sha256",
                      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,digitalSignature",
                      "-out", cert]] {
            let r = try CATool.openssl(args)
            #expect(r.status == 0, "\(r.stderrText)")
        }
        #expect(chmod(key, 0o600) == 0)
        let config = try CATool.interceptConfig(dir: dir, caCert: cert, caKey: key, hosts: ["*.amazonaws.com"])
        try expectRefused(config, ["no keyUsage keyCertSign", "tlsgate ca init --force"], "no keyCertSign")
    }

    @Test("an intercept host outside the CA's name constraints (explicit, and via policy.allow_hosts)")
    func hostOutsideConstraintsRefused() throws {
        let dir = try TempDir("ca-outside")
        defer { dir.cleanup() }
        try CATool.initCA(dir: dir.file("ca"))
        let explicit = try CATool.interceptConfig(dir: dir, caCert: dir.file("ca/ca.pem"), caKey: dir.file("ca/ca-key.pem"),
                                                  hosts: ["*.amazonaws.com", "*.example.test"])
        try expectRefused(explicit, ["'*.example.test' is outside the name constraints", "remove it from intercept.hosts",
                                     "tlsgate ca init --force --config"], "explicit hosts")
        let implicit = try CATool.interceptConfig(dir: dir, caCert: dir.file("ca/ca.pem"), caKey: dir.file("ca/ca-key.pem"))
        try expectRefused(implicit, ["policy.allow_hosts (intercept.hosts defaults to it)", "'*.example.test'"], "default hosts")
    }

    @Test("a missing CA names ca init")
    func missingCARefused() throws {
        let dir = try TempDir("ca-missing")
        defer { dir.cleanup() }
        let config = try CATool.interceptConfig(dir: dir, caCert: dir.file("none/ca.pem"), caKey: dir.file("none/ca-key.pem"),
                                                hosts: ["*.amazonaws.com"])
        try expectRefused(config, ["tlsgate ca init"], "missing CA")
    }

    @Test("a reload that breaks the CA is refused (the running setup stays); fixing it reloads", .timeLimit(.minutes(1)))
    func reloadRechecksTheCA() throws {
        let dir = try TempDir("ca-reload")
        defer { dir.cleanup() }
        try CATool.initCA(dir: dir.file("ca"))
        let key = dir.file("ca/ca-key.pem")
        var config = GateConfig(caBundle: "system")
        config.allowHosts = ["*.amazonaws.com"]
        config.extra = "intercept:\n  enabled: true\n  ca_cert: \(GateConfig.quote(dir.file("ca/ca.pem")))\n  ca_key: \(GateConfig.quote(key))\n"
        let gate = try TLSGate(config, dir: dir)
        defer { gate.stop() }
        let pid = try #require(gate.pid)
        #expect(chmod(key, 0o640) == 0)
        #expect(kill(pid, SIGHUP) == 0)
        let refused = gate.waitForAudit(timeout: 8) { $0.event == "config_reload" }
        #expect(refused?.decision == "deny", "\(gate.diagnostics)")
        #expect(refused?.string("reason")?.contains("chmod 600 \(key)") == true, "\(String(describing: refused))")
        #expect(chmod(key, 0o600) == 0)
        #expect(kill(pid, SIGHUP) == 0)
        let records = gate.waitForAudit(count: 2, timeout: 8) { $0.event == "config_reload" }
        #expect(records.last?.decision == "allow", "\(gate.diagnostics)")
        #expect(gate.process.isRunning)
    }
}
