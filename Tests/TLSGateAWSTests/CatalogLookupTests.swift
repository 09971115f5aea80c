import Foundation
import Testing
@testable import TLSGateAWS

@Suite struct CatalogLookupTests {
    let catalog = Fixture.catalog

    @Test func metadataAndLoadTime() {
        #expect(catalog.hostCount > 5000)
        #expect(catalog.botocoreVersion.split(separator: ".").count >= 3)
        #expect(catalog.generated.utf8.count == 10)
        #expect(catalog.partitions.map(\.id).starts(with: ["aws", "aws-cn", "aws-us-gov"]))
        #expect(catalog.partitionSuffixes.contains("amazonaws.com"))
        #expect(catalog.partitionSuffixes.contains("api.aws"))
        #expect(catalog.partitionSuffixes.contains("amazonaws.com.cn"))
        let bytes = (try? FileManager.default.attributesOfItem(atPath: Repo.catalogPath)[.size] as? Int) ?? 0
        // Reported, not asserted: the load happens once at start-up.
        print("aws-endpoints.json: \(catalog.hostCount) hosts, \(bytes) bytes, botocore \(catalog.botocoreVersion), "
              + "generated \(catalog.generated), loaded in \(String(format: "%.1f", Fixture.loaded.seconds * 1000)) ms")
    }

    @Test(arguments: [
        ("s3.us-east-1.amazonaws.com", "s3", "us-east-1"),
        ("sts.us-east-1.amazonaws.com", "sts", "us-east-1"),
        ("dynamodb.eu-west-1.amazonaws.com", "dynamodb", "eu-west-1"),
        ("kms.ap-southeast-2.amazonaws.com", "kms", "ap-southeast-2"),
    ])
    func standard(host: String, service: String, region: String) throws {
        let endpoint = try #require(catalog.lookup(host))
        #expect(endpoint.host == host)
        #expect(endpoint.partition == "aws")
        #expect(endpoint.service == service)
        #expect(endpoint.region == region)
        #expect(!endpoint.isFIPS)
        #expect(!endpoint.isDualstack)
        #expect(!endpoint.isGlobal)
        #expect(endpoint.virtualHostBucket == nil)
    }

    @Test(arguments: [
        ("s3-fips.us-east-1.amazonaws.com", "s3", "us-east-1"),
        ("dynamodb-fips.us-west-2.amazonaws.com", "dynamodb", "us-west-2"),
        ("sts-fips.us-east-2.amazonaws.com", "sts", "us-east-2"),
        ("kms-fips.us-east-1.amazonaws.com", "kms", "us-east-1"),
        ("ecr-fips.us-east-1.amazonaws.com", "api.ecr", "us-east-1"),
    ])
    func fips(host: String, service: String, region: String) throws {
        let endpoint = try #require(catalog.lookup(host))
        #expect(endpoint.service == service)
        #expect(endpoint.region == region)
        #expect(endpoint.isFIPS)
        #expect(!endpoint.isDualstack)
        #expect(endpoint.fipsAlternative == nil)
        #expect(catalog.fipsFinding(for: host) == .fipsEndpoint(endpoint))
    }

    @Test func dualstack() throws {
        let plain = try #require(catalog.lookup("s3.dualstack.us-east-1.amazonaws.com"))
        #expect(plain.service == "s3" && plain.region == "us-east-1")
        #expect(plain.isDualstack && !plain.isFIPS)
        #expect(plain.fipsAlternative == "s3-fips.dualstack.us-east-1.amazonaws.com")

        let both = try #require(catalog.lookup("s3-fips.dualstack.us-east-1.amazonaws.com"))
        #expect(both.service == "s3" && both.region == "us-east-1")
        #expect(both.isDualstack && both.isFIPS)

        // The api.aws dual-stack suffix.
        let lambda = try #require(catalog.lookup("lambda.us-east-1.api.aws"))
        #expect(lambda.service == "lambda" && lambda.isDualstack && !lambda.isFIPS)
        #expect(catalog.isAWSDomain("lambda.us-east-1.api.aws"))
    }

    @Test func fipsAlternatives() throws {
        #expect(catalog.lookup("s3.us-east-1.amazonaws.com")?.fipsAlternative == "s3-fips.us-east-1.amazonaws.com")
        #expect(catalog.lookup("sts.us-east-2.amazonaws.com")?.fipsAlternative == "sts-fips.us-east-2.amazonaws.com")
        #expect(catalog.lookup("dynamodb.us-west-2.amazonaws.com")?.fipsAlternative
                == "dynamodb-fips.us-west-2.amazonaws.com")
        // No FIPS S3 endpoint in ap-southeast-1 or eu-west-1: no alternative.
        #expect(catalog.lookup("s3.ap-southeast-1.amazonaws.com")?.fipsAlternative == nil)
        #expect(catalog.lookup("dynamodb.eu-west-1.amazonaws.com")?.fipsAlternative == nil)
        // Global names point at the FIPS endpoint of the region they sign in.
        #expect(catalog.lookup("sts.amazonaws.com")?.fipsAlternative == "sts-fips.us-east-1.amazonaws.com")
        #expect(catalog.lookup("s3.amazonaws.com")?.fipsAlternative == "s3-fips.us-east-1.amazonaws.com")
        #expect(catalog.lookup("iam.amazonaws.com")?.fipsAlternative == "iam-fips.amazonaws.com")

        let finding = catalog.fipsFinding(for: "s3.us-east-1.amazonaws.com")
        guard case .nonFIPS(let endpoint, let alternative) = finding else {
            Issue.record("expected nonFIPS, got \(finding)"); return
        }
        #expect(endpoint.service == "s3")
        #expect(alternative == "s3-fips.us-east-1.amazonaws.com")
        #expect(finding.label == "non_fips")
        #expect(finding.endpoint == endpoint)
    }

    @Test func globalEndpoints() throws {
        for (host, service) in [("iam.amazonaws.com", "iam"), ("sts.amazonaws.com", "sts"),
                                ("route53.amazonaws.com", "route53"), ("cloudfront.amazonaws.com", "cloudfront"),
                                ("s3.amazonaws.com", "s3")] {
            let endpoint = try #require(catalog.lookup(host), "\(host)")
            #expect(endpoint.service == service, "\(host)")
            #expect(endpoint.region == "us-east-1", "\(host)")
            #expect(endpoint.isGlobal, "\(host)")
        }
        #expect(catalog.lookup("iam-fips.amazonaws.com")?.isFIPS == true)
    }

    @Test func s3VirtualHosts() throws {
        let cases: [(String, String, String, Bool, Bool)] = [
            // host, bucket, base host, FIPS, dual-stack
            ("bucket.s3.us-east-1.amazonaws.com", "bucket", "s3.us-east-1.amazonaws.com", false, false),
            ("bucket.s3-fips.us-east-1.amazonaws.com", "bucket", "s3-fips.us-east-1.amazonaws.com", true, false),
            ("my.bucket.s3.dualstack.us-east-1.amazonaws.com", "my.bucket", "s3.dualstack.us-east-1.amazonaws.com",
             false, true),
            ("a.b.c.s3-fips.dualstack.us-east-1.amazonaws.com", "a.b.c", "s3-fips.dualstack.us-east-1.amazonaws.com",
             true, true),
            ("bucket.s3.amazonaws.com", "bucket", "s3.amazonaws.com", false, false),
            ("s3.backup.s3.eu-west-1.amazonaws.com", "s3.backup", "s3.eu-west-1.amazonaws.com", false, false),
            ("Logs.Example.S3.US-West-2.AmazonAWS.com.", "logs.example", "s3.us-west-2.amazonaws.com", false, false),
            ("bucket.s3.cn-north-1.amazonaws.com.cn", "bucket", "s3.cn-north-1.amazonaws.com.cn", false, false),
        ]
        for (host, bucket, base, fips, dualstack) in cases {
            let endpoint = try #require(catalog.lookup(host), "\(host)")
            #expect(endpoint.service == "s3", "\(host)")
            #expect(endpoint.host == base, "\(host)")
            #expect(endpoint.virtualHostBucket == bucket, "\(host)")
            #expect(endpoint.isFIPS == fips, "\(host)")
            #expect(endpoint.isDualstack == dualstack, "\(host)")
        }
        #expect(catalog.lookup("bucket.s3.us-east-1.amazonaws.com")?.fipsAlternative
                == "bucket.s3-fips.us-east-1.amazonaws.com")
        // Only S3 takes a bucket prefix; empty labels never resolve.
        #expect(catalog.lookup("bucket.dynamodb.us-east-1.amazonaws.com") == nil)
        #expect(catalog.lookup("x.sts.amazonaws.com") == nil)
        #expect(catalog.lookup(".s3.us-east-1.amazonaws.com") == nil)
        #expect(catalog.lookup("a..s3.us-east-1.amazonaws.com") == nil)
        #expect(catalog.fipsFinding(for: "bucket.s3.ap-southeast-1.amazonaws.com").label == "non_fips")
        // A synthesized FIPS name does not become a bucket of something else.
        #expect(catalog.fipsFinding(for: "bucket.s3-fips.ap-southeast-1.amazonaws.com") == .unknownAWSHost)
    }

    @Test func allS3HostsStartWithS3() {
        // The virtual-host probe only tries names after a label starting with "s3".
        for host in catalog.endpoints.keys where catalog.endpoints[host]?.service == "s3" {
            #expect(host.hasPrefix("s3"), "\(host)")
        }
    }

    @Test func govCloud() throws {
        // FIPS per botocore although the names do not say so.
        for host in ["sts.us-gov-west-1.amazonaws.com", "sts.us-gov-east-1.amazonaws.com",
                     "iam.us-gov.amazonaws.com", "route53.us-gov.amazonaws.com",
                     "cloudformation.us-gov-west-1.amazonaws.com"] {
            let endpoint = try #require(catalog.lookup(host), "\(host)")
            #expect(endpoint.partition == "aws-us-gov", "\(host)")
            #expect(endpoint.isFIPS, "\(host)")
            #expect(!host.contains("fips"))
        }
        #expect(catalog.lookup("iam.us-gov.amazonaws.com")?.region == "us-gov-west-1")
        // GovCloud S3 has a separate FIPS name.
        let s3 = try #require(catalog.lookup("s3.us-gov-west-1.amazonaws.com"))
        #expect(!s3.isFIPS)
        #expect(s3.fipsAlternative == "s3-fips.us-gov-west-1.amazonaws.com")
        #expect(catalog.lookup("s3-fips.us-gov-west-1.amazonaws.com")?.isFIPS == true)
        // A name with "-fips" in a standard hostname is FIPS too.
        #expect(catalog.lookup("compute-optimizer-fips.us-gov-west-1.amazonaws.com")?.isFIPS == true)
    }

    @Test func china() throws {
        let s3 = try #require(catalog.lookup("s3.cn-north-1.amazonaws.com.cn"))
        #expect(s3.partition == "aws-cn" && s3.service == "s3" && s3.region == "cn-north-1")
        #expect(!s3.isFIPS && s3.fipsAlternative == nil)
        let sts = try #require(catalog.lookup("sts.cn-northwest-1.amazonaws.com.cn"))
        #expect(sts.partition == "aws-cn" && sts.region == "cn-northwest-1")
        #expect(catalog.isAWSDomain("anything.cn-north-1.amazonaws.com.cn"))
        #expect(catalog.fipsFinding(for: "s3-fips.cn-north-1.amazonaws.com.cn") == .unknownAWSHost)
    }

    @Test func pseudoRegions() throws {
        // Legacy fips-<region> / <region>-fips endpoints name the real region.
        let kms = try #require(catalog.lookup("kms-fips.us-east-1.amazonaws.com"))
        #expect(kms.region == "us-east-1" && kms.isFIPS)
        let iot = try #require(catalog.lookup("data.iot-fips.us-east-1.amazonaws.com"))
        #expect(iot.service == "data.iot" && iot.region == "us-east-1" && iot.isFIPS)
        #expect(iot.signingNames == ["iotdata"])
    }

    @Test func signingNames() throws {
        #expect(catalog.lookup("api.ecr.us-east-1.amazonaws.com")?.signingNames == ["ecr"])
        #expect(catalog.lookup("email.us-east-1.amazonaws.com")?.signingNames == ["ses"])
        #expect(catalog.lookup("streams.dynamodb.us-east-1.amazonaws.com")?.signingNames == ["dynamodb"])
        #expect(catalog.lookup("s3-control.us-east-1.amazonaws.com")?.signingNames == ["s3"])
        #expect(catalog.lookup("s3.us-east-1.amazonaws.com")?.signingNames == ["s3"])
        #expect(catalog.lookup("dynamodb.us-east-1.amazonaws.com")?.signingName == "dynamodb")
    }

    @Test func unknownAndNotAWS() {
        // Synthesized from a template by an SDK; no such endpoint.
        #expect(catalog.lookup("s3-fips.ap-southeast-1.amazonaws.com") == nil)
        #expect(catalog.fipsFinding(for: "s3-fips.ap-southeast-1.amazonaws.com") == .unknownAWSHost)
        #expect(catalog.fipsFinding(for: "dynamodb-fips.eu-west-1.amazonaws.com") == .unknownAWSHost)
        #expect(catalog.fipsFinding(for: "amazonaws.com") == .unknownAWSHost)
        #expect(catalog.fipsFinding(for: "new-service.us-east-1.amazonaws.com") == .unknownAWSHost)
        #expect(catalog.fipsFinding(for: "example.com") == .notAWS)
        #expect(catalog.fipsFinding(for: "evilamazonaws.com") == .notAWS)
        #expect(catalog.fipsFinding(for: "amazonaws.com.evil.net") == .notAWS)
        #expect(catalog.fipsFinding(for: "127.0.0.1") == .notAWS)
        #expect(catalog.fipsFinding(for: "") == .notAWS)
        #expect(FIPSFinding.unknownAWSHost.label == "unknown_aws_host")
        #expect(FIPSFinding.notAWS.endpoint == nil)
    }

    @Test func normalization() {
        #expect(catalog.lookup("S3-FIPS.US-EAST-1.AMAZONAWS.COM.")?.isFIPS == true)
        #expect(catalog.isAWSDomain("S3.AmazonAWS.com."))
        #expect(catalog.fipsFinding(for: "DynamoDB-FIPS.us-west-2.amazonaws.com").label == "fips")
    }

    @Test func longAndOddNamesStayBounded() {
        let long = String(repeating: "a.", count: 200) + "s3.us-east-1.amazonaws.com"
        #expect(catalog.lookup(long) == nil)  // longer than a DNS name may be
        let many = String(repeating: "s3.", count: 70) + "us-east-1.amazonaws.com"
        #expect(catalog.lookup(many)?.service == "s3")
        #expect(catalog.lookup("s3") == nil)
        #expect(catalog.lookup(".") == nil)
    }

    @Test func hostsAreUnderPartitionSuffixes() {
        for host in catalog.endpoints.keys {
            #expect(catalog.isAWSDomain(host), "\(host)")
        }
    }
}
