import Testing
@testable import TLSGateAWS

@Suite struct AWSOperationTests {
    /// Infers with headers from a dictionary (names matched case-insensitively).
    func infer(
        _ method: String, _ target: String, headers: [String: String] = [:], body: String? = nil,
        service: String? = "s3", virtual: Bool = false
    ) -> String? {
        let lowered = Dictionary(uniqueKeysWithValues: headers.map { ($0.key.lowercased(), $0.value) })
        return AWSOperation.infer(
            method: method, pathAndQuery: target, headers: { lowered[$0] }, bodyPrefix: body.map { Array($0.utf8) },
            service: service, virtualHostedBucket: virtual)
    }

    @Test func amzTarget() {
        #expect(infer("POST", "/", headers: ["X-Amz-Target": "DynamoDB_20120810.PutItem"], service: "dynamodb") == "PutItem")
        #expect(infer("POST", "/", headers: ["x-amz-target": "AWSCognitoIdentityProviderService.InitiateAuth"],
                      service: "cognito-idp") == "InitiateAuth")
        #expect(infer("POST", "/", headers: ["X-Amz-Target": "AmazonSSM.GetParameter"], service: nil) == "GetParameter")
        #expect(infer("POST", "/", headers: ["X-Amz-Target": "Logs_20140328.PutLogEvents"], service: "logs") == "PutLogEvents")
        // Not an operation name.
        #expect(infer("POST", "/", headers: ["X-Amz-Target": "Foo.Bar Baz"], service: "x") == nil)
        #expect(infer("POST", "/", headers: ["X-Amz-Target": "Foo."], service: "x") == nil)
        #expect(infer("POST", "/", headers: ["X-Amz-Target": String(repeating: "A", count: 300)], service: "x") == nil)
    }

    @Test func queryProtocol() {
        #expect(infer("GET", "/?Action=GetCallerIdentity&Version=2011-06-15", service: "sts") == "GetCallerIdentity")
        #expect(infer("POST", "/?Version=2010-05-08&Action=ListUsers", service: "iam") == "ListUsers")
        let form = ["Content-Type": "application/x-www-form-urlencoded; charset=utf-8"]
        #expect(infer("POST", "/", headers: form, body: "Action=GetCallerIdentity&Version=2011-06-15", service: "sts")
                == "GetCallerIdentity")
        #expect(infer("POST", "/", headers: form, body: "Version=2012-11-05&Action=SendMessage&QueueUrl=x", service: "sqs")
                == "SendMessage")
        #expect(infer("POST", "/", headers: ["content-type": "Application/X-WWW-Form-URLEncoded"],
                      body: "Action=DescribeInstances", service: "ec2") == "DescribeInstances")
        // A body that is not a form is not read; nor a truncated or odd Action.
        #expect(infer("POST", "/", headers: ["Content-Type": "application/json"], body: "Action=X", service: "sts") == nil)
        #expect(infer("POST", "/", headers: form, body: "Action=Get%20Caller", service: "sts") == nil)
        #expect(infer("POST", "/", headers: form, body: "NoAction=1", service: "sts") == nil)
        #expect(infer("POST", "/", headers: form, body: nil, service: "sts") == nil)
    }

    @Test func rpcV2() {
        #expect(infer("POST", "/service/GraniteServiceVersion20100801/operation/GetMetricData", service: "monitoring")
                == "GetMetricData")
        #expect(infer("POST", "/service//operation/X", service: "monitoring") == nil)
    }

    @Test(arguments: [
        // method, target, virtual-hosted, copy source, expected
        ("GET", "/", false, false, "ListBuckets"),
        ("GET", "/bucket?list-type=2&prefix=a", false, false, "ListObjectsV2"),
        ("GET", "/bucket", false, false, "ListObjects"),
        ("GET", "/bucket/", false, false, "ListObjects"),
        ("GET", "/bucket?location", false, false, "GetBucketLocation"),
        ("GET", "/bucket?location=", false, false, "GetBucketLocation"),
        ("GET", "/bucket?versions", false, false, "ListObjectVersions"),
        ("GET", "/bucket?uploads", false, false, "ListMultipartUploads"),
        ("GET", "/bucket?policy", false, false, "GetBucketPolicy"),
        ("GET", "/bucket?policyStatus", false, false, "GetBucketPolicyStatus"),
        ("GET", "/bucket/key.txt", false, false, "GetObject"),
        ("GET", "/bucket/dir/key.txt?versionId=3", false, false, "GetObject"),
        ("GET", "/bucket/key?uploadId=abc", false, false, "ListParts"),
        ("GET", "/bucket/key?tagging", false, false, "GetObjectTagging"),
        ("HEAD", "/bucket", false, false, "HeadBucket"),
        ("HEAD", "/bucket/key", false, false, "HeadObject"),
        ("PUT", "/bucket", false, false, "CreateBucket"),
        ("PUT", "/bucket?versioning", false, false, "PutBucketVersioning"),
        ("PUT", "/bucket/key", false, false, "PutObject"),
        ("PUT", "/bucket/key", false, true, "CopyObject"),
        ("PUT", "/bucket/key?partNumber=1&uploadId=abc", false, false, "UploadPart"),
        ("PUT", "/bucket/key?uploadId=abc&partNumber=2", false, true, "UploadPartCopy"),
        ("PUT", "/bucket/key?acl", false, false, "PutObjectAcl"),
        ("DELETE", "/bucket", false, false, "DeleteBucket"),
        ("DELETE", "/bucket?cors", false, false, "DeleteBucketCors"),
        ("DELETE", "/bucket/key", false, false, "DeleteObject"),
        ("DELETE", "/bucket/key?uploadId=abc", false, false, "AbortMultipartUpload"),
        ("POST", "/bucket?delete", false, false, "DeleteObjects"),
        ("POST", "/bucket/key?uploads", false, false, "CreateMultipartUpload"),
        ("POST", "/bucket/key?uploadId=abc", false, false, "CompleteMultipartUpload"),
        ("POST", "/bucket/key?restore", false, false, "RestoreObject"),
        // Virtual-hosted style: the bucket is in the host name.
        ("GET", "/", true, false, "ListObjects"),
        ("GET", "/?list-type=2", true, false, "ListObjectsV2"),
        ("GET", "/?location", true, false, "GetBucketLocation"),
        ("HEAD", "/", true, false, "HeadBucket"),
        ("PUT", "/", true, false, "CreateBucket"),
        ("DELETE", "/", true, false, "DeleteBucket"),
        ("GET", "/key.txt", true, false, "GetObject"),
        ("GET", "/dir/key.txt", true, false, "GetObject"),
        ("PUT", "/key", true, false, "PutObject"),
        ("HEAD", "/key", true, false, "HeadObject"),
        ("POST", "/key?uploads", true, false, "CreateMultipartUpload"),
        ("PUT", "/key?partNumber=1&uploadId=x", true, false, "UploadPart"),
        ("POST", "/key?uploadId=x", true, false, "CompleteMultipartUpload"),
        // Absolute-form (forward proxy) targets.
        ("GET", "http://s3.us-east-1.amazonaws.com/bucket/key", false, false, "GetObject"),
        ("GET", "http://s3.us-east-1.amazonaws.com", false, false, "ListBuckets"),
        ("GET", "http://bucket.s3.us-east-1.amazonaws.com/?list-type=2", true, false, "ListObjectsV2"),
        ("GET", "/bucket/key#fragment?list-type=2", false, false, "GetObject"),
    ])
    func s3(method: String, target: String, virtual: Bool, copy: Bool, expected: String) {
        let headers = copy ? ["x-amz-copy-source": "/src/key"] : [:]
        #expect(infer(method, target, headers: headers, virtual: virtual) == expected)
    }

    @Test func s3Unknown() {
        #expect(infer("PATCH", "/bucket/key") == nil)
        #expect(infer("POST", "/bucket/key") == nil)
        #expect(infer("PUT", "/") == nil)
        #expect(infer("get", "/bucket/key") == nil)
        // Not S3: no path-shape guessing.
        #expect(infer("GET", "/bucket/key", service: "dynamodb") == nil)
        #expect(infer("GET", "/bucket/key", service: nil) == nil)
        // An explicit operation wins over the path shape.
        #expect(infer("POST", "/?Action=ListBuckets") == "ListBuckets")
    }

    @Test func withEndpoint() throws {
        let catalog = Fixture.catalog
        let virtual = catalog.lookup("bucket.s3.us-east-1.amazonaws.com")
        let pathStyle = catalog.lookup("s3.us-east-1.amazonaws.com")
        let sts = catalog.lookup("sts.us-east-1.amazonaws.com")
        func run(_ method: String, _ target: String, _ endpoint: AWSEndpoint?) -> String? {
            AWSOperation.infer(method: method, pathAndQuery: target, headers: { _ in nil }, bodyPrefix: nil, endpoint: endpoint)
        }
        #expect(run("GET", "/", virtual) == "ListObjects")
        #expect(run("GET", "/", pathStyle) == "ListBuckets")
        #expect(run("GET", "/key", virtual) == "GetObject")
        #expect(run("GET", "/key", pathStyle) == "ListObjects")
        #expect(run("GET", "/?Action=GetCallerIdentity", sts) == "GetCallerIdentity")
        #expect(run("GET", "/", sts) == nil)
    }
}
