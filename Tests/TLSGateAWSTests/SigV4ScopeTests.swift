import Testing
@testable import TLSGateAWS

@Suite struct SigV4ScopeTests {
    static let header = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261129/us-east-1/s3/aws4_request, "
        + "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
        + "Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"

    @Test func authorizationHeader() throws {
        let scope = try #require(SigV4Scope.parse(authorization: Self.header))
        #expect(scope == SigV4Scope(accessKeyId: "AKIAIOSFODNN7EXAMPLE", date: "20261129", region: "us-east-1", service: "s3"))
        // Nothing of the signature survives.
        #expect(!"\(scope)".contains("fe5f80f7"))
    }

    @Test func authorizationVariants() {
        // Credential after the other parameters, no spaces after commas, tabs.
        let reordered = "AWS4-HMAC-SHA256 SignedHeaders=host,Signature=abc,Credential=ASIAXYZ/20250101/eu-west-1/dynamodb/aws4_request"
        #expect(SigV4Scope.parse(authorization: reordered)?.service == "dynamodb")
        #expect(SigV4Scope.parse(authorization: reordered)?.accessKeyId == "ASIAXYZ")
        let tabbed = "AWS4-HMAC-SHA256\tCredential=AKID/20250101/us-gov-west-1/sts/aws4_request ,SignedHeaders=host"
        #expect(SigV4Scope.parse(authorization: tabbed)?.region == "us-gov-west-1")
        let dotted = "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/execute-api/aws4_request"
        #expect(SigV4Scope.parse(authorization: dotted)?.service == "execute-api")
    }

    @Test(arguments: [
        "",
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA256 ",
        "AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=",                        // SigV2
        "Bearer abc",
        "AWS4-ECDSA-P256-SHA256 Credential=AKID/20250101/s3/aws4_request, SignedHeaders=host, Signature=1",  // SigV4a
        "AWS4-HMAC-SHA256X Credential=AKID/20250101/us-east-1/s3/aws4_request",
        "AWS4-HMAC-SHA256 Credential=AKID/2025010/us-east-1/s3/aws4_request",               // 7-digit date
        "AWS4-HMAC-SHA256 Credential=AKID/2025010a/us-east-1/s3/aws4_request",
        "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/s3/aws4_requestx",
        "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/s3",
        "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/s3/extra/aws4_request",
        "AWS4-HMAC-SHA256 Credential=/20250101/us-east-1/s3/aws4_request",
        "AWS4-HMAC-SHA256 Credential=AKID/20250101//s3/aws4_request",
        "AWS4-HMAC-SHA256 Credential=AK ID/20250101/us-east-1/s3/aws4_request",
        "AWS4-HMAC-SHA256 Credential=AKID/20250101/us_east_1/s3/aws4_request",
        "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc",
        "AWS4-HMAC-SHA256 Credential=",
    ])
    func rejectsMalformed(value: String) {
        #expect(SigV4Scope.parse(authorization: value) == nil)
    }

    @Test func boundedInput() {
        let huge = "AWS4-HMAC-SHA256 " + String(repeating: "x,", count: 10_000)
            + "Credential=AKID/20250101/us-east-1/s3/aws4_request"
        #expect(SigV4Scope.parse(authorization: huge) == nil)
        #expect(SigV4Scope.parse(credentialQueryValue: String(repeating: "%2F", count: 5000)) == nil)
    }

    @Test func credentialQueryValue() {
        let expected = SigV4Scope(accessKeyId: "AKIAIOSFODNN7EXAMPLE", date: "20261129", region: "us-west-2", service: "s3")
        #expect(SigV4Scope.parse(credentialQueryValue: "AKIAIOSFODNN7EXAMPLE%2F20261129%2Fus-west-2%2Fs3%2Faws4_request") == expected)
        #expect(SigV4Scope.parse(credentialQueryValue: "AKIAIOSFODNN7EXAMPLE%2f20261129%2fus-west-2%2fs3%2faws4_request") == expected)
        #expect(SigV4Scope.parse(credentialQueryValue: "AKIAIOSFODNN7EXAMPLE/20261129/us-west-2/s3/aws4_request") == expected)
        #expect(SigV4Scope.parse(credentialQueryValue: "AKIAIOSFODNN7EXAMPLE%2") == nil)
        #expect(SigV4Scope.parse(credentialQueryValue: "AKIAIOSFODNN7EXAMPLE%ZZ20261129") == nil)
    }

    @Test func presignedURL() {
        let url = "/bucket/key.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261129%2Fus-east-1%2Fs3%2Faws4_request"
            + "&X-Amz-Date=20261129T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=abcdef"
        #expect(SigV4Scope.parse(pathAndQuery: url)
                == SigV4Scope(accessKeyId: "AKIDEXAMPLE", date: "20261129", region: "us-east-1", service: "s3"))
        #expect(SigV4Scope.parse(pathAndQuery: "/bucket/key?X-Amz-Credential=AKID%2F20261129%2Fus-east-1%2Fs3%2Faws4_request") == nil)
        #expect(SigV4Scope.parse(pathAndQuery: "/bucket/key") == nil)
        #expect(SigV4Scope.parse(pathAndQuery: "http://s3.amazonaws.com/b/k?" + url.split(separator: "?")[1])?.region == "us-east-1")
    }

    @Test func mismatches() throws {
        let catalog = Fixture.catalog
        func scope(_ region: String, _ service: String) -> SigV4Scope {
            SigV4Scope(accessKeyId: "AKID", date: "20261129", region: region, service: service)
        }
        let s3 = try #require(catalog.lookup("s3.us-east-1.amazonaws.com"))
        #expect(scope("us-east-1", "s3").mismatch(with: s3) == nil)
        let wrongRegion = try #require(scope("eu-west-1", "s3").mismatch(with: s3))
        #expect(wrongRegion.contains("region eu-west-1") && wrongRegion.contains("us-east-1"))
        let wrongService = try #require(scope("us-east-1", "dynamodb").mismatch(with: s3))
        #expect(wrongService.contains("service dynamodb"))
        let both = try #require(scope("eu-west-1", "sts").mismatch(with: s3))
        #expect(both.contains("service sts") && both.contains("region eu-west-1"))

        // FIPS and virtual-hosted names sign like their endpoint.
        let fips = try #require(catalog.lookup("bucket.s3-fips.us-east-1.amazonaws.com"))
        #expect(scope("us-east-1", "s3").mismatch(with: fips) == nil)

        // Signing names that differ from the endpoint prefix.
        let ecr = try #require(catalog.lookup("api.ecr.us-west-2.amazonaws.com"))
        #expect(scope("us-west-2", "ecr").mismatch(with: ecr) == nil)
        #expect(scope("us-west-2", "api.ecr").mismatch(with: ecr) != nil)
        let ses = try #require(catalog.lookup("email.eu-west-1.amazonaws.com"))
        #expect(scope("eu-west-1", "ses").mismatch(with: ses) == nil)
        let control = try #require(catalog.lookup("s3-control.us-east-1.amazonaws.com"))
        #expect(scope("us-east-1", "s3").mismatch(with: control) == nil)
        let iotData = try #require(catalog.lookup("data-ats.iot.us-east-1.amazonaws.com"))
        #expect(scope("us-east-1", "iotdata").mismatch(with: iotData) == nil)

        // Global services sign in us-east-1.
        for host in ["iam.amazonaws.com", "sts.amazonaws.com", "route53.amazonaws.com", "cloudfront.amazonaws.com"] {
            let endpoint = try #require(catalog.lookup(host))
            #expect(scope("us-east-1", endpoint.service).mismatch(with: endpoint) == nil, "\(host)")
            #expect(scope("eu-west-1", endpoint.service).mismatch(with: endpoint) != nil, "\(host)")
        }
        // GovCloud IAM signs in us-gov-west-1.
        let govIAM = try #require(catalog.lookup("iam.us-gov.amazonaws.com"))
        #expect(scope("us-gov-west-1", "iam").mismatch(with: govIAM) == nil)
        // S3's global name takes the bucket's region.
        let global = try #require(catalog.lookup("bucket.s3.amazonaws.com"))
        #expect(scope("eu-west-1", "s3").mismatch(with: global) == nil)
        #expect(scope("eu-west-1", "sqs").mismatch(with: global) != nil)
    }
}
