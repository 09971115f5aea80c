import Foundation
import Testing

/// `policy.fips` in forward mode with the AWS CLI against moto over TLS: FIPS endpoints pass with
/// the AWS audit fields, non-FIPS endpoints are refused (require) or reported (audit).
@Suite(.serialized)
struct AWSFIPSForwardTests {
    @Test func requireAllowsFIPSEndpointAndRefusesStandardEndpoint() throws {
        let fx = try AWSFIPSFixture("fips-fwd-require", fips: "require")
        defer { fx.cleanup() }

        // FIPS endpoint: s3api list-buckets and s3 ls both work.
        let mb = try fx.awsForward(AWSNames.s3FIPS, ["s3", "mb", "s3://fips-bucket"])
        #expect(mb.status == 0, "aws s3 mb via s3-fips: \(mb.stderrText.suffix(2000))\n\(fx.gate.diagnostics)")
        let list = try fx.awsForward(AWSNames.s3FIPS, ["s3api", "list-buckets", "--output", "json"])
        #expect(list.status == 0, "aws s3api list-buckets via s3-fips: \(list.stderrText.suffix(2000))\n\(fx.gate.diagnostics)")
        #expect(list.stdoutText.contains("fips-bucket"), "list-buckets: \(list.stdoutText)")
        let ls = try fx.awsForward(AWSNames.s3FIPS, ["s3", "ls"])
        #expect(ls.status == 0 && ls.stdoutText.contains("fips-bucket"), "aws s3 ls: \(ls.stdoutText) \(ls.stderrText.suffix(1000))")

        let ok = fx.gate.waitForAudit(count: 2, timeout: 8) {
            $0.event == "request" && $0.host == AWSNames.s3FIPS && $0.string("aws_operation") == "ListBuckets"
        }
        #expect(ok.count >= 2, "expected two ListBuckets lines\n\(fx.gate.auditText)")
        for rec in ok {
            #expect(rec.missingKeys.isEmpty, "missing \(rec.missingKeys): \(rec)")
            #expect(rec.status == 200 && rec.decision == "allow" && rec.violations.isEmpty, "\(rec)")
            rec.expectAWS(service: "s3", region: "us-east-1", fips: true, "s3-fips ListBuckets")
            #expect(rec.string("sigv4_scope") == "s3/us-east-1", "\(rec)")
            #expect(rec.string("aws_access_key_id") == AWSTestCredentials.accessKey, "\(rec)")
            #expect(["TLSv1.2", "TLSv1.3"].contains(rec.string("tls_version") ?? ""), "\(rec)")
        }
        let create = fx.requestRecord(AWSNames.s3FIPS) { $0.string("method") == "PUT" && $0.path == "/fips-bucket" }
        #expect(create?.string("aws_operation") == "CreateBucket", "\(String(describing: create))")

        // Object upload and download: PutObject / GetObject from the S3 method+path shape.
        let local = try fx.dir.write("obj.bin", Pattern.bytes(20_000))
        let back = fx.dir.file("obj.back")
        for step in [["s3", "cp", local, "s3://fips-bucket/dir/obj.bin"], ["s3", "cp", "s3://fips-bucket/dir/obj.bin", back]] {
            let r = try fx.awsForward(AWSNames.s3FIPS, step)
            #expect(r.status == 0, "aws \(step.joined(separator: " ")): \(r.stderrText.suffix(1500))\n\(fx.gate.diagnostics)")
        }
        #expect(FileManager.default.contents(atPath: back) == Pattern.bytes(20_000), "object differs after the round trip")
        let put = fx.requestRecord(AWSNames.s3FIPS) { $0.string("method") == "PUT" && $0.path == "/fips-bucket/dir/obj.bin" }
        #expect(put?.string("aws_operation") == "PutObject", "\(String(describing: put))")
        let get = fx.requestRecord(AWSNames.s3FIPS) { $0.string("method") == "GET" && $0.path == "/fips-bucket/dir/obj.bin" }
        #expect(get?.string("aws_operation") == "GetObject", "\(String(describing: get))\n\(fx.gate.auditText.suffix(3000))")

        // Standard endpoint: refused before any connection; the CLI fails.
        let refused = try fx.awsForward(AWSNames.s3, ["s3api", "list-buckets"], useFIPS: false)
        #expect(refused.status != 0, "list-buckets via the non-FIPS endpoint succeeded: \(refused.stdoutText)")
        let rec = fx.requestRecord(AWSNames.s3, violation: "non_fips_endpoint")
        #expect(rec != nil, "no non_fips_endpoint line\n\(fx.gate.diagnostics)")
        if let rec {
            #expect(rec.status == 403 && rec.decision == "deny", "\(rec)")
            #expect((rec.string("reason") ?? "").contains("use \(AWSNames.s3FIPS)"), "reason must name the FIPS endpoint: \(rec)")
            #expect(rec.isNullOrAbsent("tls_version"), "no upstream TLS expected: \(rec)")
            rec.expectAWS(service: "s3", region: "us-east-1", fips: false, "s3 refused")
        }
        let violation = fx.gate.waitForAudit { $0.event == "violation" && $0.host == AWSNames.s3 }
        let violationReason = violation?.string("reason") ?? ""
        #expect(violationReason.contains(AWSNames.s3FIPS), "violation line: \(String(describing: violation))")
        fx.expectNoSecrets("fips require forward")
    }

    @Test func requireRefusalCarriesCodeAndAlternativeInBody() throws {
        let fx = try AWSFIPSFixture("fips-fwd-curl", fips: "require", backend: .upstream)
        defer { fx.cleanup() }
        let headers = fx.dir.file("h"), body = fx.dir.file("b")
        let r = try Curl.run(["-x", fx.gate.proxyURL, "-D", headers, "-o", body, "-w", "%{http_code}",
                              "--max-time", "20", "http://\(AWSNames.sts)/status/200"], timeout: 30)
        #expect(Curl.status(r) == 403, "\(r.stdoutText) \(r.stderrText)\n\(fx.gate.diagnostics)")
        #expect(Curl.headers(file: headers)["x-tlsgate-error"] == "non_fips_endpoint", "\(Curl.headers(file: headers))")
        let text = FileManager.default.contents(atPath: body).map { String(decoding: $0, as: UTF8.self) } ?? ""
        #expect(text.contains("use \(AWSNames.stsFIPS)"), "body: \(text)")
    }

    /// `aws_operation` for the JSON (X-Amz-Target), query (Action=) and S3 virtual-host shapes.
    @Test func operationInferenceAcrossProtocols() throws {
        let fx = try AWSFIPSFixture("fips-fwd-ops", fips: "require", backend: .upstream)
        defer { fx.cleanup() }
        let bucketHost = "mybucket.\(AWSNames.s3FIPS)"
        let form = "Action=GetCallerIdentity&Version=2011-06-15"
        let formType = "Content-Type: application/x-www-form-urlencoded; charset=utf-8"
        // (label, curl args, host, expected operation)
        let cases: [(String, [String], String, String)] = [
            ("X-Amz-Target", ["-X", "POST", "-H", "X-Amz-Target: TrentService.ListKeys",
                              "-H", "Content-Type: application/x-amz-json-1.1", "--data-binary", "{}",
                              "http://\(AWSNames.kmsFIPS)/echo"], AWSNames.kmsFIPS, "ListKeys"),
            ("Action in query", ["http://\(AWSNames.ec2FIPS)/echo?Action=DescribeRegions&Version=2016-11-15"],
             AWSNames.ec2FIPS, "DescribeRegions"),
            ("form body", ["-H", formType, "--data-binary", form, "http://\(AWSNames.stsFIPS)/echo"],
             AWSNames.stsFIPS, "GetCallerIdentity"),
            ("chunked form body", ["-H", formType, "-H", "Transfer-Encoding: chunked", "--data-binary", form,
                                   "http://\(AWSNames.stsGov)/echo"], AWSNames.stsGov, "GetCallerIdentity"),
            ("S3 virtual host ListObjectsV2", ["http://\(bucketHost)/?list-type=2"], bucketHost, "ListObjectsV2"),
        ]
        for (label, args, host, operation) in cases {
            let r = try Curl.run(["-x", fx.gate.proxyURL, "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "20"] + args,
                                 timeout: 30)
            #expect(r.status == 0 && Curl.status(r) != 403, "\(label): \(r.stdoutText) \(r.stderrText)\n\(fx.gate.diagnostics)")
            let rec = fx.requestRecord(host)
            #expect(rec?.string("aws_operation") == operation, "\(label): \(String(describing: rec))")
            #expect(rec?.bool("fips_endpoint") == true, "\(label): \(String(describing: rec))")
        }
    }

    /// README (auditor's recipe): "which identity did what: aws_access_key_id, sigv4_scope,
    /// aws_operation (forward mode)" — a refused attempt must say which key tried.
    @Test func refusedRequestStillNamesTheIdentity() throws {
        let fx = try AWSFIPSFixture("fips-fwd-identity", fips: "require", backend: .upstream)
        defer { fx.cleanup() }
        let auth = "AWS4-HMAC-SHA256 Credential=\(AWSTestCredentials.accessKey)/20260101/us-east-1/s3/aws4_request, "
            + "SignedHeaders=host;x-amz-date, Signature=\(String(repeating: "cd", count: 32))"
        for host in [AWSNames.s3, AWSNames.s3FIPSSynthesized] {
            let r = try Curl.run(["-x", fx.gate.proxyURL, "-H", "Authorization: \(auth)", "-H", "x-amz-date: 20260101T000000Z",
                                  "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "20", "http://\(host)/"], timeout: 30)
            #expect(Curl.status(r) == 403, "\(host): \(r.stdoutText)\n\(fx.gate.diagnostics)")
            let rec = fx.requestRecord(host)
            #expect(rec?.decision == "deny", "\(host): \(String(describing: rec))")
            #expect(rec?.string("aws_access_key_id") == AWSTestCredentials.accessKey,
                    "\(host): a refused signed request's audit line must name the access key id: \(String(describing: rec))")
            #expect(rec?.string("sigv4_scope") == "s3/us-east-1",
                    "\(host): a refused signed request's audit line must carry sigv4_scope: \(String(describing: rec))")
        }
    }

    @Test func auditModeReportsStandardEndpointAndLetsItThrough() throws {
        let fx = try AWSFIPSFixture("fips-fwd-audit", fips: "audit")
        defer { fx.cleanup() }
        let mb = try fx.awsForward(AWSNames.s3, ["s3", "mb", "s3://audit-bucket"], useFIPS: false)
        #expect(mb.status == 0, "aws s3 mb via s3 (audit): \(mb.stderrText.suffix(2000))\n\(fx.gate.diagnostics)")
        let ls = try fx.awsForward(AWSNames.s3, ["s3api", "list-buckets", "--output", "json"], useFIPS: false)
        #expect(ls.status == 0 && ls.stdoutText.contains("audit-bucket"), "list-buckets (audit): \(ls.stdoutText) \(ls.stderrText.suffix(1500))")

        let rec = fx.requestRecord(AWSNames.s3) { $0.string("aws_operation") == "ListBuckets" }
        #expect(rec != nil, "no ListBuckets line\n\(fx.gate.diagnostics)")
        if let rec {
            #expect(rec.status == 200, "\(rec)")
            #expect(rec.decision == "report", "\(rec)")
            #expect(rec.violations == ["non_fips_endpoint"], "\(rec)")
            #expect((rec.string("reason") ?? "").contains(AWSNames.s3FIPS), "\(rec)")
            rec.expectAWS(service: "s3", region: "us-east-1", fips: false, "audit s3")
            #expect(rec.string("sigv4_scope") == "s3/us-east-1", "\(rec)")
        }
        // A FIPS endpoint under audit: no violation.
        let fipsLS = try fx.awsForward(AWSNames.s3FIPS, ["s3api", "list-buckets"])
        #expect(fipsLS.status == 0, "\(fipsLS.stderrText.suffix(1500))")
        let fipsRec = fx.requestRecord(AWSNames.s3FIPS)
        #expect(fipsRec?.decision == "allow" && fipsRec?.violations.isEmpty == true, "\(String(describing: fipsRec))")
    }

    @Test func stsFormPostOperationAndScope() throws {
        let fx = try AWSFIPSFixture("fips-fwd-sts", fips: "require")
        defer { fx.cleanup() }
        let r = try fx.awsForward(AWSNames.stsFIPS, ["sts", "get-caller-identity", "--output", "json"])
        #expect(r.status == 0, "sts get-caller-identity via sts-fips: \(r.stderrText.suffix(2000))\n\(fx.gate.diagnostics)")
        #expect(r.stdoutText.contains("\"Account\""), "\(r.stdoutText)")
        let rec = fx.requestRecord(AWSNames.stsFIPS)
        #expect(rec != nil, "no sts-fips line\n\(fx.gate.diagnostics)")
        if let rec {
            #expect(rec.string("method") == "POST" && rec.status == 200 && rec.decision == "allow", "\(rec)")
            #expect(rec.string("aws_operation") == "GetCallerIdentity", "operation from the form body: \(rec)")
            #expect(rec.string("sigv4_scope") == "sts/us-east-1", "\(rec)")
            #expect(rec.string("aws_access_key_id") == AWSTestCredentials.accessKey, "\(rec)")
            rec.expectAWS(service: "sts", region: "us-east-1", fips: true, "sts-fips")
        }
        fx.expectNoSecrets("sts")
    }

    @Test func sigv4ScopeMismatchIsReportedNotRefused() throws {
        let fx = try AWSFIPSFixture("fips-fwd-sigv4", fips: "off", backend: .upstream)
        defer { fx.cleanup() }
        let signature = String(repeating: "ab", count: 32)
        let auth = "AWS4-HMAC-SHA256 Credential=\(AWSTestCredentials.accessKey)/20260101/us-west-2/s3/aws4_request, "
            + "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=\(signature)"
        let body = fx.dir.file("headers.json")
        let r = try Curl.run(["-x", fx.gate.proxyURL, "-H", "Authorization: \(auth)",
                              "-H", "x-amz-date: 20260101T000000Z", "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD",
                              "-o", body, "-w", "%{http_code}", "--max-time", "20",
                              "http://\(AWSNames.s3)/headers"], timeout: 30)
        #expect(Curl.status(r) == 200, "the request must be forwarded: \(r.stdoutText) \(r.stderrText)\n\(fx.gate.diagnostics)")
        let echoed = FileManager.default.contents(atPath: body).map { String(decoding: $0, as: UTF8.self) } ?? ""
        #expect(echoed.contains(signature), "the Authorization header must reach the upstream unchanged: \(echoed.prefix(600))")

        let rec = fx.requestRecord(AWSNames.s3)
        #expect(rec != nil, "no audit line\n\(fx.gate.diagnostics)")
        if let rec {
            #expect(rec.status == 200, "\(rec)")
            #expect(rec.decision == "report", "\(rec)")
            #expect(rec.violations == ["sigv4_scope_mismatch"], "\(rec)")
            #expect(rec.string("sigv4_scope") == "s3/us-west-2", "\(rec)")
            #expect(rec.string("aws_access_key_id") == AWSTestCredentials.accessKey, "\(rec)")
            rec.expectAWS(service: "s3", region: "us-east-1", fips: false, "sigv4 mismatch")
            // A GET on a path of one segment is an S3 bucket-level read (ListObjects on bucket "headers").
            #expect(rec.string("aws_operation") != nil, "\(rec)")
        }
        let v = fx.gate.waitForAudit { $0.event == "violation" && $0.violations == ["sigv4_scope_mismatch"] }
        #expect(v?.decision == "report", "\(String(describing: v))")
        #expect(!fx.gate.auditText.contains(signature), "the signature is in the audit")
        #expect(!fx.gate.stderrText.contains(signature), "the signature is on stderr")

        // A presigned URL: the scope comes from X-Amz-Credential (logged redacted in the path).
        let presigned = "http://\(AWSNames.s3)/status/200?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            + "&X-Amz-Credential=\(AWSTestCredentials.accessKey)%2F20260101%2Feu-west-1%2Fs3%2Faws4_request"
            + "&X-Amz-Date=20260101T000000Z&X-Amz-Expires=600&X-Amz-SignedHeaders=host&X-Amz-Signature=\(signature)"
        let p = try Curl.run(["-x", fx.gate.proxyURL, "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "20", presigned], timeout: 30)
        #expect(Curl.status(p) == 200, "presigned: \(p.stderrText)\n\(fx.gate.diagnostics)")
        let prec = fx.gate.waitForAudit { $0.event == "request" && ($0.path ?? "").contains("X-Amz-Credential") }
        #expect(prec?.string("sigv4_scope") == "s3/eu-west-1", "\(String(describing: prec))")
        #expect(prec?.string("aws_access_key_id") == AWSTestCredentials.accessKey, "\(String(describing: prec))")
        #expect(prec?.violations == ["sigv4_scope_mismatch"] && prec?.decision == "report", "\(String(describing: prec))")
        #expect(!fx.gate.auditText.contains(signature), "the presigned signature is in the audit")

        // A matching scope on the same host: no violation.
        let okAuth = auth.replacingOccurrences(of: "/us-west-2/", with: "/us-east-1/")
        let r2 = try Curl.run(["-x", fx.gate.proxyURL, "-H", "Authorization: \(okAuth)", "-o", "/dev/null",
                               "-w", "%{http_code}", "--max-time", "20", "http://\(AWSNames.s3)/status/200"], timeout: 30)
        #expect(Curl.status(r2) == 200, "\(r2.stderrText)")
        let okRec = fx.gate.waitForAudit { $0.event == "request" && $0.path == "/status/200" }
        #expect(okRec?.decision == "allow" && okRec?.violations.isEmpty == true && okRec?.string("sigv4_scope") == "s3/us-east-1",
                "\(String(describing: okRec))")
    }
}
