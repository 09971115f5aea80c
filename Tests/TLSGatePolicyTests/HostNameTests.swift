import Testing
@testable import TLSGatePolicy

@Suite struct HostNameTests {
    @Test func normalize() {
        #expect(HostName.normalize("S3.US-East-1.AmazonAWS.com") == "s3.us-east-1.amazonaws.com")
        #expect(HostName.normalize("example.com.") == "example.com")
        #expect(HostName.normalize("example.com..") == "example.com.")  // only one dot stripped
        #expect(HostName.normalize("[::1]") == "::1")
        #expect(HostName.normalize("[FE80::1]") == "fe80::1")
        #expect(HostName.normalize("already.normal") == "already.normal")
        #expect(HostName.normalize("") == "")
        #expect(HostName.normalize("ÄB") == "Äb")  // non-ASCII untouched
    }

    @Test func ipLiterals() {
        #expect(HostName.isIPLiteral("127.0.0.1"))
        #expect(HostName.isIPLiteral("::1"))
        #expect(HostName.isIPLiteral("[::1]"))
        #expect(HostName.isIPLiteral("2001:db8::1"))
        #expect(HostName.isIPLiteral("::ffff:10.0.0.1"))
        #expect(HostName.isIPLiteral("2130706433"))  // resolvers read it as 127.0.0.1
        #expect(HostName.isIPLiteral("127.1"))
        #expect(HostName.isIPLiteral("0x7f.1"))
        #expect(!HostName.isIPLiteral("s3.amazonaws.com"))
        #expect(!HostName.isIPLiteral("1.2.3.example"))
        #expect(!HostName.isIPLiteral(""))
        #expect(!HostName.isIPLiteral("localhost"))
        #expect(!HostName.isIPLiteral("0x.com"))
    }
}
