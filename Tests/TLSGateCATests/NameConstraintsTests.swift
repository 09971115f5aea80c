import Testing
@testable import TLSGateCA
import TLSGatePolicy
import TLSGateTLS

@Suite("Name constraints")
struct NameConstraintsTests {
    @Test("DNS subtrees follow OpenSSL: the domain itself and names below it, case-insensitive")
    func dnsMatching() {
        let nc = NameConstraints.awsDefault
        #expect(nc.permittedDNS == ["amazonaws.com", "amazonaws.com.cn", "api.aws", "aws"])
        for host in ["amazonaws.com", "s3.us-east-1.amazonaws.com", "STS.AMAZONAWS.COM.", "s3.cn-north-1.amazonaws.com.cn", "x.api.aws", "aws"] {
            #expect(nc.permits(host: host), "\(host)")
        }
        for host in ["example.com", "notamazonaws.com", "amazonaws.com.evil.test", "aws.example", "127.0.0.1", "::1"] {
            #expect(!nc.permits(host: host), "\(host)")
        }
        let dotted = NameConstraints(permittedDNS: [".corp.test"])
        #expect(dotted.permits(host: "a.corp.test") && !dotted.permits(host: "corp.test"))
        #expect(NameConstraints().permits(host: "anything.test") && NameConstraints().permits(host: "10.1.2.3"))
    }

    @Test("host patterns are covered when every name they match is permitted")
    func patternCoverage() throws {
        let nc = NameConstraints.awsDefault
        for text in ["*.amazonaws.com", "*.s3.amazonaws.com", "sts.amazonaws.com", "*.api.aws"] {
            #expect(nc.covers(try HostPattern(text)), "\(text)")
        }
        for text in ["*.example.test", "example.com", "10.0.0.1", "*.com"] {
            #expect(!nc.covers(try HostPattern(text)), "\(text)")
        }
    }

    @Test("IP blocks: named ones permitted, the other family excluded")
    func ipBlocks() throws {
        let nc = try NameConstraints.parsing(["10.0.0.0/8", "example.test"])
        #expect(nc.permits(host: "10.1.2.3") && !nc.permits(host: "11.0.0.1"))
        #expect(!nc.permits(host: "::1"))
        #expect(nc.excludedIP.map(\.description) == ["::/0"])
        #expect(NameConstraints.awsDefault.excludedIP.map(\.description) == ["0.0.0.0/0", "::/0"])
        #expect(NameConstraints.covering([try HostPattern("192.0.2.7"), try HostPattern("*.a.test")]).permittedIP.map(\.description) == ["192.0.2.7/32"])
    }

    @Test("--name-constraint values are checked")
    func parsingErrors() {
        #expect(throws: CAError.self) { try NameConstraints.parsing([]) }
        #expect(throws: CAError.self) { try NameConstraints.parsing(["*"]) }
        #expect(throws: CAError.self) { try NameConstraints.parsing(["bad name"]) }
        #expect(throws: CAError.self) { try NameConstraints.parsing(["10.0.0.1/8"]) }
        #expect((try? NameConstraints.parsing(["*.Example.TEST", "example.test"]))?.permittedDNS == ["example.test"])
    }

    @Test("what ca init writes is what load reads back")
    func roundTrip() throws {
        let scratch = try Scratch()
        let written = try NameConstraints.parsing(["amazonaws.com", "corp.test", "10.0.0.0/8", "fd00::/8"])
        let ca = try CertificateAuthority.create(constraints: written)
        let paths = try ca.write(directory: scratch.path, force: false)
        let loaded = try CertificateAuthority.load(certificatePath: paths.certificate, keyPath: paths.key)
        #expect(loaded.constraints == written)
        #expect(loaded.permittedDNSSubtrees == ["amazonaws.com", "corp.test"])
        #expect(loaded.certificate.sha256Fingerprint == ca.certificate.sha256Fingerprint)
        #expect(loaded.certificate.subjectText.hasPrefix("O=tlsgate, CN=tlsgate local CA ("))
    }
}
