import Foundation
import Testing

/// Real clients through an intercepting tlsgate, each trusting the local CA its own way; clients
/// that trust another CA, or offer only TLS 1.1 or weak suites, do not get through; resumption
/// with session tickets.
@Suite(.serialized)
struct InterceptClientTests {
    static func expectAudited(_ f: InterceptFixture, path: String, _ comment: String) {
        let rec = f.requestLines(path: path).first
        #expect(rec?.status == 200 && rec?.string("sni") == Names.a, "\(comment): \(f.gate.auditText.suffix(3000))")
    }

    @Test func pythonRequestsWithRequestsCABundle() throws {
        let f = try InterceptFixture("icpt-requests")
        defer { f.cleanup() }
        let code = """
            import requests
            r = requests.get("https://\(Names.a)/bytes/5000", timeout=20)
            print(r.status_code, len(r.content), r.content == bytes(i % 256 for i in range(5000)))
            """
        let r = try Exec.run(Paths.python, ["-c", code],
                             env: ["HTTPS_PROXY": f.gate.proxyURL, "REQUESTS_CA_BUNDLE": f.interceptCA.cert, "NO_PROXY": ""], timeout: 60)
        #expect(r.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "200 5000 True", "requests: \(r.stdoutText) \(r.stderrText)")
        Self.expectAudited(f, path: "/bytes/5000", "requests")
    }

    @Test func nodeWithNodeExtraCACerts() throws {
        let f = try InterceptFixture("icpt-node")
        defer { f.cleanup() }
        let r = try Exec.run("node", [Paths.script("intercept_node.js"), f.gate.hostPort, Names.a, "/bytes/7000"],
                             env: ["NODE_EXTRA_CA_CERTS": f.interceptCA.cert], timeout: 60)
        #expect(r.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "200 7000", "node: \(r.stdoutText) \(r.stderrText)")
        Self.expectAudited(f, path: "/bytes/7000", "node")
        // Without the extra CA node refuses the leaf.
        let refused = try Exec.run("node", [Paths.script("intercept_node.js"), f.gate.hostPort, Names.a, "/bytes/7000"], timeout: 60)
        #expect(refused.status != 0 && refused.stderrText.contains("TLS/HTTP error"), "node without the CA: \(refused.stdoutText) \(refused.stderrText)")
    }

    @Test func javaHttpClientWithATruststore() throws {
        let f = try InterceptFixture("icpt-java")
        defer { f.cleanup() }
        let store = f.dir.file("truststore.p12")
        let imported = try Exec.run("keytool", ["-importcert", "-noprompt", "-alias", "tlsgate", "-file", f.interceptCA.cert,
                                                "-keystore", store, "-storetype", "PKCS12", "-storepass", "changeit"], timeout: 60)
        #expect(imported.status == 0, "keytool: \(imported.stdoutText) \(imported.stderrText)")
        let r = try Exec.run("java", ["-Djavax.net.ssl.trustStore=\(store)", "-Djavax.net.ssl.trustStorePassword=changeit",
                                      "-Djavax.net.ssl.trustStoreType=PKCS12",
                                      Paths.script("InterceptJava.java"), "127.0.0.1", "\(f.gate.port)", "https://\(Names.a)/bytes/9000"],
                             timeout: 120)
        #expect(r.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "200 9000", "java: \(r.stdoutText) \(r.stderrText)")
        Self.expectAudited(f, path: "/bytes/9000", "java")
    }

    @Test func clientTrustingAnotherCAFails() throws {
        let f = try InterceptFixture("icpt-other-ca")
        defer { f.cleanup() }
        let certs = try CertFactory(dir: f.dir)
        let rogue = try certs.untrustedCA()
        let r = try Curl.run(["-x", f.gate.proxyURL, "--cacert", rogue.cert, "--max-time", "20", "https://\(Names.a)/headers"], timeout: 30)
        #expect(r.status == 60, "curl with another CA: exit \(r.status) \(r.stderrText)")
        let rec = f.tunnelLine()
        #expect(rec?.string("reason")?.contains("client TLS handshake failed") == true && rec?.int("requests") == 0,
                "\(f.gate.auditText)")
        #expect(f.requestLines(timeout: 1).isEmpty, "a request went through")
    }

    @Test func clientOfferingOnlyTLS11GetsLegacyTLSOffered() throws {
        let f = try InterceptFixture("icpt-tls11")
        defer { f.cleanup() }
        let r = try Exec.run("openssl", ["s_client", "-proxy", f.gate.hostPort, "-connect", "\(Names.a):443", "-servername", Names.a,
                                         "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"],
                             env: ["OPENSSL_CONF": "/dev/null"], timeout: 20, stdin: "")
        #expect(!r.stdoutText.contains("-----BEGIN CERTIFICATE-----"), "a TLS 1.1 client got a certificate: \(r.stdoutText)")
        let rec = f.tunnelLine(violation: "legacy_tls_offered")
        #expect(rec?.decision == "deny", "\(f.gate.auditText)")
    }

    /// Client side: TLS 1.2+ with AEAD suites only; with `policy.fips` on, the FIPS profile (no ChaCha20).
    @Test func clientSideOffersOnlyAEADAndTheFIPSProfile() throws {
        let f = try InterceptFixture("icpt-client-profile") { config in
            config.fips = "audit"
            config.awsEndpoints = Paths.packageRoot + "/config/aws-endpoints.json"
        }
        defer { f.cleanup() }
        func handshake(_ args: [String]) throws -> ExecResult {
            try Exec.run("openssl", ["s_client", "-proxy", f.gate.hostPort, "-connect", "\(Names.a):443", "-servername", Names.a,
                                     "-CAfile", f.interceptCA.cert] + args, timeout: 20, stdin: "")
        }
        let cbc = try handshake(["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA"])
        #expect(!cbc.stdoutText.contains("-----BEGIN CERTIFICATE-----"), "a CBC suite was accepted: \(cbc.stdoutText)")
        let chacha = try handshake(["-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305"])
        #expect(!chacha.stdoutText.contains("-----BEGIN CERTIFICATE-----"), "ChaCha20 was accepted under fips: \(chacha.stdoutText)")
        let gcm = try handshake(["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"])
        #expect(gcm.stdoutText.contains("Cipher is ECDHE-ECDSA-AES128-GCM-SHA256"), "AES-GCM refused: \(gcm.stdoutText) \(gcm.stderrText)")
        let tls13 = try handshake(["-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"])
        #expect(!tls13.stdoutText.contains("Cipher is TLS_CHACHA20_POLY1305_SHA256"), "TLS 1.3 ChaCha20 under fips: \(tls13.stdoutText)")
    }

    /// A client that comes back with its session ticket resumes (no full handshake), TLS 1.2 and 1.3.
    @Test func sessionTicketsResume() throws {
        let f = try InterceptFixture("icpt-resume")
        defer { f.cleanup() }
        for version in ["-tls1_2", "-tls1_3"] {
            let session = f.dir.file("session\(version).pem")
            let base = ["s_client", "-proxy", f.gate.hostPort, "-connect", "\(Names.a):443", "-servername", Names.a,
                        "-CAfile", f.interceptCA.cert, version, "-ign_eof"]
            // A request on each connection so the TLS 1.3 ticket (sent after the handshake) is read.
            let request = "GET /headers HTTP/1.1\r\nHost: \(Names.a)\r\nConnection: close\r\n\r\n"
            let first = try Exec.run("openssl", base + ["-sess_out", session], timeout: 20, stdin: request)
            #expect(first.stdoutText.contains("New, TLSv1."), "\(version) first: \(first.stdoutText.prefix(3000))")
            let second = try Exec.run("openssl", base + ["-sess_in", session], timeout: 20, stdin: request)
            #expect(second.stdoutText.contains("Reused, TLSv1."), "\(version) not resumed: \(second.stdoutText.prefix(3000))")
            #expect(second.stdoutText.contains("HTTP/1.1 200"), "\(version) resumed request: \(second.stdoutText.suffix(1500))")
        }
    }
}
