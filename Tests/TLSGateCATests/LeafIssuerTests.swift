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
        #expect(abs(leaf.certificate.notBefore - (before - 3600)) <= 5)
        #expect(abs(leaf.notAfter - (before + 7 * 86_400)) <= 5)
        #expect(leaf.chain.first?.sha256Fingerprint == ca.certificate.sha256Fingerprint)
    }
}
