import Foundation
import Testing

/// `tlsgate ca init / export / show` against the real binary and openssl.
@Suite(.serialized)
struct CACommandTests {
    @Test("ca init: P-256, 10 years, CA:TRUE pathlen:0, keyCertSign, the default allowlist's domains, key 0600")
    func initDefaults() throws {
        let dir = try TempDir("ca-init")
        defer { dir.cleanup() }
        let r = try CATool.tlsgate(["ca", "init"], cwd: dir.path)
        #expect(r.status == 0, "\(r.stderrText)")
        let cert = dir.file("certs/ca.pem"), key = dir.file("certs/ca-key.pem")
        #expect(CATool.mode(key) == 0o600)
        #expect(CATool.mode(cert) == 0o644)
        let text = try CATool.openssl(["x509", "-in", cert, "-noout", "-text"]).stdoutText
        for needle in ["CA:TRUE, pathlen:0", "Certificate Sign", "NIST CURVE: P-256", "ecdsa-with-SHA256",
                       "X509v3 Name Constraints: critical", "DNS:amazonaws.com\n", "DNS:amazonaws.com.cn",
                       "DNS:api.aws", "DNS:aws\n", "O = tlsgate, CN = tlsgate local CA (", "Subject Key Identifier"] {
            #expect(text.contains(needle), "missing \(needle) in\n\(text)")
        }
        #expect(text.contains("X509v3 Basic Constraints: critical") && text.contains("X509v3 Key Usage: critical"))
        let dates = try CATool.openssl(["x509", "-in", cert, "-noout", "-startdate", "-enddate"]).stdoutText
        let years = Calendar(identifier: .gregorian).component(.year, from: Date())
        #expect(dates.contains("notAfter=") && dates.contains("\(years + 10) GMT"), "\(dates)")
        let keyText = try String(contentsOfFile: key, encoding: .utf8)
        #expect(keyText.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let serial = try CATool.openssl(["x509", "-in", cert, "-noout", "-serial"]).stdoutText
        #expect(serial.trimmingCharacters(in: .whitespacesAndNewlines).count >= "serial=".count + 30, "\(serial)")
        // The key belongs to the certificate.
        let pub1 = try CATool.openssl(["x509", "-in", cert, "-noout", "-pubkey"]).stdoutText
        let pub2 = try CATool.openssl(["pkey", "-in", key, "-pubout"]).stdoutText
        #expect(pub1 == pub2)
    }

    @Test("ca init refuses to overwrite without --force and leaves the files unchanged; --force replaces them")
    func initNeverOverwrites() throws {
        let dir = try TempDir("ca-force")
        defer { dir.cleanup() }
        let ca = dir.file("ca")
        try CATool.initCA(dir: ca)
        let before = try [Data(contentsOf: URL(fileURLWithPath: ca + "/ca.pem")), Data(contentsOf: URL(fileURLWithPath: ca + "/ca-key.pem"))]
        let again = try CATool.tlsgate(["ca", "init", "--dir", ca])
        #expect(again.status != 0)
        #expect(again.stderrText.contains("already exists") && again.stderrText.contains("--force"), "\(again.stderrText)")
        let after = try [Data(contentsOf: URL(fileURLWithPath: ca + "/ca.pem")), Data(contentsOf: URL(fileURLWithPath: ca + "/ca-key.pem"))]
        #expect(before == after)
        let forced = try CATool.tlsgate(["ca", "init", "--dir", ca, "--force"])
        #expect(forced.status == 0, "\(forced.stderrText)")
        let replaced = try Data(contentsOf: URL(fileURLWithPath: ca + "/ca.pem"))
        #expect(replaced != before[0])
        #expect(CATool.mode(ca + "/ca-key.pem") == 0o600)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: ca).filter { $0.contains(".tmp") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test("--name-constraint and --config choose the permitted subtrees")
    func initConstraintVariants() throws {
        let dir = try TempDir("ca-nc")
        defer { dir.cleanup() }
        try CATool.initCA(dir: dir.file("a"), ["--name-constraint", "example.test", "--name-constraint", "*.corp.test"])
        let a = try CATool.openssl(["x509", "-in", dir.file("a/ca.pem"), "-noout", "-ext", "nameConstraints"]).stdoutText
        #expect(a.contains("DNS:example.test") && a.contains("DNS:corp.test") && !a.contains("amazonaws"), "\(a)")

        var config = GateConfig(caBundle: "system")
        config.allowHosts = ["*.amazonaws.com", "*.example.test"]
        config.extra = "intercept:\n  hosts: [\"*.s3.amazonaws.com\", \"api.internal.test\"]\n"
        let withHosts = try dir.write("hosts.yaml", config.yaml(auditPath: "-"))
        try CATool.initCA(dir: dir.file("b"), ["--config", withHosts])
        let b = try CATool.openssl(["x509", "-in", dir.file("b/ca.pem"), "-noout", "-ext", "nameConstraints"]).stdoutText
        #expect(b.contains("DNS:s3.amazonaws.com") && b.contains("DNS:api.internal.test") && !b.contains("example.test"), "\(b)")

        config.extra = ""
        let allowOnly = try dir.write("allow.yaml", config.yaml(auditPath: "-"))
        try CATool.initCA(dir: dir.file("c"), ["--config", allowOnly])
        let c = try CATool.openssl(["x509", "-in", dir.file("c/ca.pem"), "-noout", "-ext", "nameConstraints"]).stdoutText
        #expect(c.contains("DNS:amazonaws.com") && c.contains("DNS:example.test") && !c.contains("api.aws"), "\(c)")

        let both = try CATool.tlsgate(["ca", "init", "--dir", dir.file("d"), "--config", allowOnly, "--name-constraint", "x.test"])
        #expect(both.status != 0 && both.stderrText.contains("either --name-constraint or --config"), "\(both.stderrText)")
        let bad = try CATool.tlsgate(["ca", "init", "--dir", dir.file("e"), "--name-constraint", "*"])
        #expect(bad.status != 0 && bad.stderrText.contains("would match every host"), "\(bad.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("e/ca.pem")))
    }

    @Test("ca export prints the PEM; ca show prints subject, constraints, validity and the SHA-256 fingerprint")
    func exportAndShow() throws {
        let dir = try TempDir("ca-show")
        defer { dir.cleanup() }
        let ca = dir.file("ca")
        try CATool.initCA(dir: ca)
        let exported = try CATool.tlsgate(["ca", "export", "--dir", ca])
        #expect(exported.status == 0)
        let onDisk = try String(contentsOfFile: ca + "/ca.pem", encoding: .utf8)
        #expect(exported.stdoutText == onDisk)

        let show = try CATool.tlsgate(["ca", "show", "--dir", ca])
        #expect(show.status == 0, "\(show.stderrText)")
        let fingerprint = try CATool.openssl(["x509", "-in", ca + "/ca.pem", "-noout", "-fingerprint", "-sha256"]).stdoutText
            .trimmingCharacters(in: .whitespacesAndNewlines).components(separatedBy: "=").last ?? "?"
        #expect(show.stdoutText.contains("SHA-256 fingerprint: \(fingerprint)"), "\(show.stdoutText) vs \(fingerprint)")
        #expect(show.stdoutText.contains("subject: O=tlsgate, CN=tlsgate local CA ("))
        #expect(show.stdoutText.contains("name constraints: permitted DNS: amazonaws.com, amazonaws.com.cn, api.aws, aws"))
        #expect(show.stdoutText.contains("not before: ") && show.stdoutText.contains("not after: "))

        let missing = try CATool.tlsgate(["ca", "show", "--dir", dir.file("nope")])
        #expect(missing.status != 0 && missing.stderrText.contains("tlsgate ca init"), "\(missing.stderrText)")
    }
}
