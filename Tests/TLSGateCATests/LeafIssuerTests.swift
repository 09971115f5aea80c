import Foundation
import Testing
@testable import TLSGateCA
import TLSGatePolicy
import TLSGateTLS

@Suite("Leaf issuer")
struct LeafIssuerTests {
    @Test("a minted leaf verifies with openssl: SAN, serverAuth, CA:FALSE, backdated an hour")
    func leafVerifies() throws {
        let scratch = try Scratch()
        let ca = try CertificateAuthority.create(constraints: .awsDefault)
        _ = try ca.write(directory: scratch.path, force: false)
        let issuer = try LeafIssuer(authority: ca, validity: 7 * 86_400, maxCachedLeaves: 10)
        let before = Int(Date().timeIntervalSince1970)
        let leaf = try issuer.leaf(for: "sts.us-east-1.amazonaws.com")
        let leafPath = try scratch.write("leaf.pem", leaf.certificate.pem)
        let verify = try runTool("openssl", ["verify", "-CAfile", scratch.file("ca.pem"), "-purpose", "sslserver",
                                             "-verify_hostname", "sts.us-east-1.amazonaws.com", leafPath])
        #expect(verify.status == 0, "\(verify.output)")
        let text = try runTool("openssl", ["x509", "-in", leafPath, "-noout", "-text"]).stdout
        #expect(text.contains("DNS:sts.us-east-1.amazonaws.com"))
        #expect(text.contains("TLS Web Server Authentication"))
        #expect(text.contains("CA:FALSE"))
        #expect(text.contains("Digital Signature"))
        #expect(text.contains("ecdsa-with-SHA256"))
        #expect(text.contains("X509v3 Subject Key Identifier") && text.contains("X509v3 Authority Key Identifier"))
        #expect(text.contains("X509v3 Basic Constraints: critical") && text.contains("X509v3 Key Usage: critical"))
        #expect(leaf.certificate.matches(key: leaf.key), "the credential's key is the certificate's key")
        #expect(!text.contains("DNS:h0."), "no extension leaks from another leaf")
        #expect(abs(leaf.certificate.notBefore - (before - 3600)) <= 5)
        #expect(abs(leaf.notAfter - (before + 7 * 86_400)) <= 5)
        #expect(leaf.chain.first?.sha256Fingerprint == ca.certificate.sha256Fingerprint)
    }
}

@Suite("Leaf issuer: IP leaves, constraints, cache")
struct LeafIssuerCacheTests {
    @Test("a leaf for an IP literal has an IP SAN and no CN, and verifies under a CA permitting it")
    func ipLeaf() throws {
        let scratch = try Scratch()
        let ca = try CertificateAuthority.create(constraints: try NameConstraints.parsing(["127.0.0.0/8", "example.test"]))
        _ = try ca.write(directory: scratch.path, force: false)
        let issuer = try LeafIssuer(authority: ca, validity: 3600, maxCachedLeaves: 10)
        let leaf = try issuer.leaf(for: "127.0.0.1")
        let path = try scratch.write("ip.pem", leaf.certificate.pem)
        let text = try runTool("openssl", ["x509", "-in", path, "-noout", "-text"]).stdout
        #expect(text.contains("IP Address:127.0.0.1"), "\(text)")
        #expect(!text.contains("CN = 127.0.0.1") && !text.contains("CN=127.0.0.1"))
        let verify = try runTool("openssl", ["verify", "-CAfile", scratch.file("ca.pem"), "-verify_ip", "127.0.0.1", path])
        #expect(verify.status == 0, "\(verify.output)")
        // IPv6 literal, bracketed or not.
        let v6 = try CertificateAuthority.create(constraints: try NameConstraints.parsing(["::1/128", "example.test"]))
        let v6Leaf = try LeafIssuer(authority: v6, validity: 3600, maxCachedLeaves: 10).leaf(for: "[::1]")
        let v6Path = try scratch.write("ip6.pem", v6Leaf.certificate.pem)
        #expect(try runTool("openssl", ["x509", "-in", v6Path, "-noout", "-ext", "subjectAltName"]).stdout.contains("IP Address:0:0:0:0:0:0:0:1"))
    }

    @Test("a leaf outside the name constraints is refused by leaf(for:) and, when minted anyway, by openssl verify")
    func outsideConstraints() throws {
        let scratch = try Scratch()
        let ca = try CertificateAuthority.create(constraints: .awsDefault)
        _ = try ca.write(directory: scratch.path, force: false)
        let issuer = try LeafIssuer(authority: ca, validity: 3600, maxCachedLeaves: 10)
        #expect(throws: CAError.self) { try issuer.leaf(for: "example.com") }
        #expect(throws: CAError.self) { try issuer.leaf(for: "10.0.0.1") }
        #expect(issuer.cachedCount == 0)
        let forged = try issuer.mint(for: "example.com")
        let path = try scratch.write("bank.pem", forged.certificate.pem)
        let verify = try runTool("openssl", ["verify", "-CAfile", scratch.file("ca.pem"), path])
        #expect(verify.status != 0)
        #expect(verify.output.contains("permitted subtree violation"), "\(verify.output)")
        let forgedIP = try issuer.mint(for: "10.0.0.1")
        let ipPath = try scratch.write("ip.pem", forgedIP.certificate.pem)
        let ipVerify = try runTool("openssl", ["verify", "-CAfile", scratch.file("ca.pem"), ipPath])
        #expect(ipVerify.status != 0, "the AWS-only CA excludes every IP address: \(ipVerify.output)")
    }

    @Test("a hit returns the cached leaf; one key for every leaf; the count stays at the bound; LRU order")
    func lruBound() throws {
        let ca = try CertificateAuthority.create(constraints: .awsDefault)
        let issuer = try LeafIssuer(authority: ca, validity: 86_400, maxCachedLeaves: 3)
        let a = try issuer.leaf(for: "a.amazonaws.com")
        #expect(try issuer.leaf(for: "a.amazonaws.com") === a)
        #expect(a.certificate.subjectText == "O=tlsgate, CN=a.amazonaws.com")
        let b = try issuer.leaf(for: "b.amazonaws.com")
        _ = try issuer.leaf(for: "c.amazonaws.com")
        #expect(a.key === b.key)
        #expect(try issuer.leaf(for: "a.amazonaws.com") === a)  // a is now the most recent; b the least
        _ = try issuer.leaf(for: "d.amazonaws.com")             // evicts b
        #expect(issuer.cachedCount == 3)
        #expect(try issuer.leaf(for: "a.amazonaws.com") === a)
        let b2 = try issuer.leaf(for: "b.amazonaws.com")
        #expect(b2 !== b && b2.certificate.serialHex != b.certificate.serialHex)
        for index in 0..<20 { _ = try issuer.leaf(for: "host\(index).amazonaws.com") }
        #expect(issuer.cachedCount == 3)
    }

    @Test("a leaf is renewed (new serial) once less than a quarter of its lifetime is left")
    func renewal() throws {
        let ca = try CertificateAuthority.create(constraints: .awsDefault)
        let issuer = try LeafIssuer(authority: ca, validity: 1, maxCachedLeaves: 10)
        let first = try issuer.leaf(for: "s3.amazonaws.com")
        #expect(first.notAfter - first.certificate.notBefore == 3601)
        usleep(1_100_000)
        let second = try issuer.leaf(for: "s3.amazonaws.com")
        #expect(second.certificate.serialHex != first.certificate.serialHex)
        #expect(second.notAfter > first.notAfter - 1)
        #expect(issuer.cachedCount == 1)
        let long = try LeafIssuer(authority: ca, validity: 3600, maxCachedLeaves: 10)
        let kept = try long.leaf(for: "s3.amazonaws.com")
        #expect(try long.leaf(for: "s3.amazonaws.com") === kept)
    }

    @Test("a leaf never outlives the CA")
    func cappedAtCA() throws {
        let ca = try CertificateAuthority.create(constraints: .awsDefault)
        let issuer = try LeafIssuer(authority: ca, validity: 20 * 365 * 86_400, maxCachedLeaves: 1)
        #expect(try issuer.leaf(for: "s3.amazonaws.com").notAfter == ca.certificate.notAfter)
    }

    @Test("many threads share the issuer safely")
    func concurrentLookups() throws {
        let ca = try CertificateAuthority.create(constraints: .awsDefault)
        let issuer = try LeafIssuer(authority: ca, validity: 86_400, maxCachedLeaves: 8)
        let failures = Counter()
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for round in 0..<100 {
                if (try? issuer.leaf(for: "h\((round + worker) % 12).amazonaws.com")) == nil { failures.add() }
            }
        }
        #expect(failures.value == 0)
        #expect(issuer.cachedCount == 8)
    }
}

/// A thread-safe counter for the concurrency test.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}

@Suite("Leaf issuer: a real handshake")
struct LeafHandshakeTests {
    /// A Python TLS server on 127.0.0.1 with the leaf, chain and key, and a Python client that
    /// trusts only ca.pem and checks the host name.
    static let script = """
        import json, socket, ssl, sys, threading
        cert, key, ca, host = sys.argv[1:5]
        server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_ctx.load_cert_chain(cert, key)
        listener = socket.create_server(("127.0.0.1", 0))
        def serve():
            conn, _ = listener.accept()
            try:
                with server_ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.sendall(b"hello")
            except Exception:
                pass
        threading.Thread(target=serve, daemon=True).start()
        client_ctx = ssl.create_default_context(cafile=ca)
        try:
            with socket.create_connection(listener.getsockname(), timeout=10) as raw:
                with client_ctx.wrap_socket(raw, server_hostname=host) as tls:
                    print(json.dumps({"ok": True, "data": tls.recv(5).decode(), "version": tls.version()}))
        except ssl.SSLCertVerificationError as error:
            print(json.dumps({"ok": False, "error": error.verify_message}))
        """

    @Test("Python's ssl serves a minted leaf with the process key, and a client trusting ca.pem accepts it")
    func handshake() throws {
        let scratch = try Scratch()
        let ca = try CertificateAuthority.create(constraints: .awsDefault)
        let paths = try ca.write(directory: scratch.path, force: false)
        let issuer = try LeafIssuer(authority: ca, validity: 86_400, maxCachedLeaves: 4)
        let script = try scratch.write("tls.py", Self.script)
        for (host, ok) in [("sts.us-east-1.amazonaws.com", true), ("example.com", false)] {
            let leaf = host == "example.com" ? try issuer.mint(for: host) : try issuer.leaf(for: host)
            let chain = try scratch.write("\(host).pem", leaf.certificate.pem + leaf.chain.map(\.pem).joined())
            let key = try scratch.write("\(host).key", leaf.key.pkcs8PEM)
            let result = try runTool("python3", [script, chain, key, paths.certificate, host])
            #expect(result.stdout.contains(ok ? "\"ok\": true" : "permitted subtree violation"), "\(host): \(result.output)")
            if ok { #expect(result.stdout.contains("\"data\": \"hello\"")) }
        }
    }
}
