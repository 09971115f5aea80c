import Foundation

/// `tlsgate ca ...` and the OpenSSL commands the CA tests use.
enum CATool {
    /// Runs the tlsgate binary with `args` in `cwd` (the default `certs/` is relative to it).
    static func tlsgate(_ args: [String], cwd: String? = nil, timeout: Double = 30) throws -> ExecResult {
        let binary = try Paths.tlsgateBinary()
        guard let cwd else { return try Exec.run(binary, args, timeout: timeout) }
        let quoted = ([binary] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        return try Exec.run("sh", ["-c", "cd '\(cwd)' && exec \(quoted)"], timeout: timeout)
    }

    static func openssl(_ args: [String], timeout: Double = 30) throws -> ExecResult {
        try Exec.run("openssl", args, timeout: timeout)
    }

    /// `tlsgate ca init --dir DIR extra...`, which must succeed.
    @discardableResult
    static func initCA(dir: String, _ extra: [String] = []) throws -> ExecResult {
        let r = try tlsgate(["ca", "init", "--dir", dir] + extra)
        guard r.status == 0 else { throw HarnessError("ca init failed (\(r.status)): \(r.stderrText)") }
        return r
    }

    /// A leaf for `names` (DNS SANs, the first also CN; IP literals as IP SANs) signed with
    /// openssl by the CA in `caDir` (bypassing tlsgate's own checks), with its own P-256 key.
    static func leaf(_ names: [String], caDir: String, in dir: TempDir, label: String) throws -> CertPair {
        let key = dir.file("\(label).key"), csr = dir.file("\(label).csr"), cert = dir.file("\(label).pem")
        let ext = try dir.write("\(label).ext", """
            subjectAltName=\(names.map { $0.first?.isNumber == true ? "IP:\($0)" : "DNS:\($0)" }.joined(separator: ","))
            basicConstraints=critical,CA:FALSE
            keyUsage=critical,digitalSignature
            extendedKeyUsage=serverAuth

            """)
        for args in [["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key],
                     // No CN for an IP leaf: OpenSSL checks a DNS-like CN against the DNS constraints.
                     ["req", "-new", "-key", key, "-subj", names[0].first?.isNumber == true ? "/O=tlsgate test" : "/CN=\(names[0])", "-out", csr],
                     ["x509", "-req", "-in", csr, "-CA", caDir + "/ca.pem", "-CAkey", caDir + "/ca-key.pem",
                      "-set_serial", "0x" + String(UInt64.random(in: 1...UInt64.max >> 1), radix: 16),
                      "-days", "2", "-sha256", "-extfile", ext, "-out", cert]] {
            let r = try openssl(args)
            guard r.status == 0 else { throw HarnessError("openssl \(args[0]) failed: \(r.stderrText)") }
        }
        return CertPair(cert: cert, key: key)
    }

    /// Octal permission bits of `path`.
    static func mode(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]) as? NSNumber)?.intValue ?? -1
    }

    /// A configuration enabling interception with the CA files given.
    static func interceptConfig(dir: TempDir, caCert: String, caKey: String, hosts: [String]? = nil,
                                allowHosts: [String] = ["*.amazonaws.com", "*.example.test"]) throws -> String {
        var config = GateConfig(caBundle: "system")
        config.allowHosts = allowHosts
        var extra = "intercept:\n  enabled: true\n  ca_cert: \(GateConfig.quote(caCert))\n  ca_key: \(GateConfig.quote(caKey))\n"
        if let hosts { extra += "  hosts: [\(hosts.map(GateConfig.quote).joined(separator: ", "))]\n" }
        config.extra = extra
        return try dir.write("intercept-\(UInt32.random(in: 0...UInt32.max)).yaml", config.yaml(auditPath: dir.file("audit.jsonl")))
    }
}
