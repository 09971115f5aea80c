import Testing
@testable import TLSGatePolicy

@Suite struct HostPatternTests {
    @Test func exactMatch() throws {
        let p = try HostPattern("S3.amazonaws.com.")
        #expect(p.description == "s3.amazonaws.com")
        #expect(p.matches("s3.amazonaws.com"))
        #expect(p.matches("S3.AMAZONAWS.COM"))
        #expect(p.matches("s3.amazonaws.com."))
        #expect(!p.matches("x.s3.amazonaws.com"))
        #expect(!p.matches("amazonaws.com"))
    }

    @Test func wildcardDepthAndCase() throws {
        let p = try HostPattern("*.amazonaws.com")
        #expect(p.description == "*.amazonaws.com")
        #expect(p.matches("s3.amazonaws.com"))
        #expect(p.matches("bucket.s3.us-east-1.amazonaws.com"))
        #expect(p.matches("A.B.C.D.AmazonAWS.Com."))
        #expect(!p.matches("amazonaws.com"))  // bare suffix is not matched
        #expect(!p.matches("amazonaws.com."))
        #expect(!p.matches("evilamazonaws.com"))
        #expect(!p.matches("amazonaws.com.evil.net"))
        #expect(!p.matches("s3.amazonaws.co"))
        #expect(!p.matches(".amazonaws.com"))
        #expect(!p.matches("a..amazonaws.com"))
        #expect(!p.matches(""))
    }

    @Test func ipLiteralPatterns() throws {
        #expect(try HostPattern("127.0.0.1").matches("127.0.0.1"))
        let v6 = try HostPattern("[0:0::1]")
        #expect(v6.description == "::1")
        #expect(v6.matches("::1"))
        #expect(v6.matches("[0::1]"))
        #expect(!v6.matches("::2"))
    }

    @Test(arguments: [
        ("", "empty"),
        ("*", "every host"),
        ("*.", "every host"),
        ("a.*.com", "first label"),
        ("*.*.com", "only allowed once"),
        ("foo*.com", "first label"),
        ("**.com", "first label"),
        ("exa mple.com", "space"),
        ("example.com/path", "'/'"),
        ("example.com:443", "port"),
        ("a..b", "empty label"),
        (".example.com", "empty label"),
        ("bücher.de", "illegal character"),
        ("*.a\u{0}b", "U+0"),
        (String(repeating: "a", count: 64) + ".com", "63"),
        (String(repeating: "a.", count: 130) + "com", "253"),
    ])
    func rejects(text: String, fragment: String) {
        do {
            _ = try HostPattern(text)
            Issue.record("accepted \(text.debugDescription)")
        } catch {
            #expect(error.message.contains(fragment), "\(error.message)")
            #expect(error.pattern == text)
        }
    }

    @Test func hashable() throws {
        #expect(try HostPattern("A.com") == HostPattern("a.com."))
        #expect(try HostPattern("*.a.com") != HostPattern("a.com"))
    }
}

@Suite struct HostAllowlistTests {
    @Test func awsDefault() {
        let list = HostAllowlist.awsDefault
        #expect(list.patterns.map(\.description) == ["*.amazonaws.com", "*.amazonaws.com.cn", "*.api.aws", "*.aws"])
        #expect(list.allows("s3.us-east-1.amazonaws.com"))
        #expect(list.allows("sts.cn-north-1.amazonaws.com.cn"))
        #expect(list.allows("s3.us-east-1.api.aws"))
        #expect(list.allows("bedrock.us-west-2.aws"))
        #expect(list.allows("X.AWS."))
        #expect(!list.allows("aws"))
        #expect(!list.allows("amazonaws.com"))
        #expect(!list.allows("evilamazonaws.com"))
        #expect(!list.allows("example.com"))
        #expect(!list.allows("s3.amazonaws.com.evil.com"))
        #expect(!list.allows("127.0.0.1"))
        #expect(!list.allows("a..aws"))
        #expect(!list.allows("a b.aws"))
    }

    @Test func exactAndSuffixMixed() throws {
        let list = HostAllowlist([try HostPattern("example.com"), try HostPattern("*.test"), try HostPattern("::1"),
                                  try HostPattern("example.com")])
        #expect(list.patterns.count == 3)
        #expect(list.allows("Example.Com."))
        #expect(!list.allows("www.example.com"))
        #expect(list.allows("a.b.c.test"))
        #expect(!list.allows("test"))
        #expect(list.allows("[::1]"))
        #expect(list.allows("0::1"))
        #expect(!HostAllowlist([]).allows("example.com"))
        #expect(HostAllowlist([]).isEmpty)
    }

    @Test func manyPatternsStillFast() throws {
        var patterns: [HostPattern] = []
        for i in 0..<5000 { patterns.append(try HostPattern("*.zone\(i).example")) }
        patterns.append(try HostPattern("*.target.example"))
        let list = HostAllowlist(patterns)
        #expect(list.allows("a.b.target.example"))
        #expect(list.allows("x.zone4999.example"))
        #expect(!list.allows("zone4999.example"))
        #expect(list == HostAllowlist(patterns.reversed()))
    }
}
