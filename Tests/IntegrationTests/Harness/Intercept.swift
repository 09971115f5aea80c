import Foundation

extension CertFactory {
    /// A local intercept CA like `tlsgate ca init` makes (ECDSA P-256, CA:TRUE pathlen 0,
    /// keyCertSign, name constraints for `permitted` DNS subtrees), key mode 0600.
    func interceptCA(permitted: [String] = [".example.test", ".amazonaws.com"], name: String = "intercept-ca") throws -> CertPair {
        let cert = dir.file("\(name).pem"), key = dir.file("\(name)-key.pem")
        let constraints = permitted.map { "permitted;DNS:\($0)" }.joined(separator: ",")
        let cnf = try dir.write("\(name).cnf", """
            [req]
            distinguished_name=dn
            x509_extensions=v3
            prompt=no
            [dn]
            CN=tlsgate integration intercept CA
            [v3]
            basicConstraints=critical,CA:TRUE,pathlen:0
            keyUsage=critical,keyCertSign,cRLSign
            subjectKeyIdentifier=hash
            nameConstraints=critical,\(constraints)

            """)
        let r = try Exec.run("openssl", ["req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                         "-nodes", "-keyout", key, "-out", cert, "-days", "3", "-config", cnf])
        guard r.status == 0 else { throw HarnessError("openssl req (intercept CA): \(r.stderrText)") }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key)
        return CertPair(cert: cert, key: key)
    }
}

extension GateConfig {
    /// The `intercept:` section: enabled with `ca`, intercepting `hosts`.
    mutating func enableIntercept(ca: CertPair, hosts: [String]) {
        extra += """
            intercept:
              enabled: true
              ca_cert: \(Self.quote(ca.cert))
              ca_key: \(Self.quote(ca.key))
              hosts: [\(hosts.map(Self.quote).joined(separator: ", "))]

            """
    }
}

/// A ProxyFixture whose gate intercepts `*.example.test` and `*.amazonaws.com` with a local CA
/// (`interceptCA`, the bundle clients trust).
final class InterceptFixture {
    let base: ProxyFixture
    let interceptCA: CertPair
    /// Holds the intercept CA (made before the fixture, which writes it into the config).
    let caDir: TempDir

    init(_ label: String, leafNames: [String] = Names.all + [Names.other], upstreamTLSMax: String = "1.3",
         hosts: [String] = ["*.example.test", "*.amazonaws.com"], configure: (inout GateConfig) -> Void = { _ in }) throws {
        caDir = try TempDir("\(label)-ica")
        do {
            let ca = try CertFactory(dir: caDir).interceptCA()
            interceptCA = ca
            base = try ProxyFixture(label, leafNames: leafNames, upstreamTLSMax: upstreamTLSMax) { config in
                config.enableIntercept(ca: ca, hosts: hosts)
                configure(&config)
            }
        } catch {
            caDir.cleanup()
            throw error
        }
    }

    var gate: TLSGate { base.gate }
    var dir: TempDir { base.dir }

    /// curl through the proxy trusting only the intercept CA.
    func curl(_ args: [String], timeout: Double = 60) throws -> ExecResult {
        try Curl.run(["-x", gate.proxyURL, "--cacert", interceptCA.cert, "--max-time", "\(Int(timeout))"] + args, timeout: timeout + 10)
    }

    /// The request lines of intercept mode for `path` (waits for at least `count`).
    func requestLines(path: String? = nil, count: Int = 1, timeout: Double = 8) -> [AuditRecord] {
        gate.waitForAudit(count: count, timeout: timeout) { rec in
            rec.event == "request" && rec.mode == "intercept" && (path.map { rec.path == $0 } ?? true)
        }
    }

    /// The CONNECT's `tunnel` line (mode intercept) with `violation`, if given.
    func tunnelLine(violation: String? = nil, timeout: Double = 8) -> AuditRecord? {
        gate.waitForAudit(timeout: timeout) { rec in
            rec.event == "tunnel" && rec.mode == "intercept" && (violation.map { rec.violations.contains($0) } ?? true)
        }
    }

    func cleanup() {
        base.cleanup()
        caDir.cleanup()
    }
}
