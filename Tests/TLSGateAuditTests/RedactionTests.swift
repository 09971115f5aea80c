import Testing
@testable import TLSGateAudit

@Suite struct RedactionTests {
    @Test func presignedS3URL() {
        let target = "/bucket/key.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            + "&X-Amz-Credential=AKIAEXAMPLE%2F20261129%2Fus-east-1%2Fs3%2Faws4_request"
            + "&X-Amz-Date=20261129T014402Z&X-Amz-Expires=3600"
            + "&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEJr%2F%2F%2F"
            + "&X-Amz-SignedHeaders=host&X-Amz-Signature=0123456789abcdef"
        #expect(Redaction.redactTarget(target) == "/bucket/key.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            + "&X-Amz-Credential=REDACTED&X-Amz-Date=20261129T014402Z&X-Amz-Expires=3600"
            + "&X-Amz-Security-Token=REDACTED&X-Amz-SignedHeaders=host&X-Amz-Signature=REDACTED")
    }

    @Test func mixedCaseRepeatedAndEncodedNames() {
        #expect(Redaction.redactTarget("/?x-amz-signature=abc&X-AMZ-SIGNATURE=def&x=1")
                == "/?x-amz-signature=REDACTED&X-AMZ-SIGNATURE=REDACTED&x=1")
        #expect(Redaction.redactTarget("/p?X%2DAmz%2DSignature=abc&X-Amz%2dCredential=k")
                == "/p?X%2DAmz%2DSignature=REDACTED&X-Amz%2dCredential=REDACTED")
        #expect(Redaction.redactTarget("/p?%58-amz-security-token=t") == "/p?%58-amz-security-token=REDACTED")
        #expect(Redaction.redactTarget("/p?Signature=s&AWSAccessKeyId=AKIA&Expires=1")
                == "/p?Signature=REDACTED&AWSAccessKeyId=REDACTED&Expires=1")
    }

    @Test func leavesOthersIntact() {
        let untouched = [
            "/bucket/key", "/", "", "/bucket?list-type=2&prefix=a%2Fb&delimiter=%2F",
            "/?X-Amz-Signature", "/?X-Amz-Signature=", "/?X-Amz-Signature=&a=b",  // no or empty value
            "/?X-Amz-SignatureX=1", "/?XX-Amz-Signature=1", "/?a=X-Amz-Signature=1",
            "/?&&=&", "/?%", "/?%zz=1", "/?X-Amz-Signature%=1",
        ]
        for target in untouched {
            #expect(Redaction.redactTarget(target) == target, "\(target)")
        }
        #expect(Redaction.redactTarget("/?a=1&X-Amz-Signature=s#frag") == "/?a=1&X-Amz-Signature=REDACTED#frag")
        #expect(Redaction.redactTarget("/k?X-Amz-Signature=s&") == "/k?X-Amz-Signature=REDACTED&")
        #expect(Redaction.redactTarget("/ü?X-Amz-Signature=ü") == "/ü?X-Amz-Signature=REDACTED")
    }

    @Test func userInfo() {
        #expect(Redaction.stripUserInfo("http://user:pass@host.example/x?y@z") == "http://host.example/x?y@z")
        #expect(Redaction.stripUserInfo("https://a@b@host:8443") == "https://host:8443")
        #expect(Redaction.stripUserInfo("http://host.example/p@q") == "http://host.example/p@q")
        #expect(Redaction.stripUserInfo("user:pw@host:443") == "host:443")
        #expect(Redaction.stripUserInfo("/path@x") == "/path@x")
        #expect(Redaction.stripUserInfo("host:443") == "host:443")
        #expect(Redaction.stripUserInfo("") == "")
    }

    @Test func sensitiveHeaders() {
        for name in ["Authorization", "proxy-authorization", "COOKIE", "Set-Cookie", "X-Amz-Security-Token",
                     "x-amz-signature", "X-Amz-Server-Side-Encryption-Customer-Key"] {
            #expect(Redaction.isSensitiveHeader(name), "\(name)")
        }
        for name in ["Host", "Content-Type", "X-Amz-Date", "X-Amz-Content-Sha256", "", "authorizatio", "authorizationx"] {
            #expect(!Redaction.isSensitiveHeader(name), "\(name)")
        }
    }
}
