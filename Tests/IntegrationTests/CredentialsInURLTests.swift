import Foundation
import Testing

/// Credentials in a request target (issue 16, item 2): `GET http://user:pass@host/…` and
/// `CONNECT user:pass@host:443` are refused with 400 `credentials_in_url` in enforce mode and
/// stripped (and reported) in report mode. A recording upstream shows what left the proxy; the
/// password appears in no audit line, log or response.
@Suite(.serialized)
struct CredentialsInURLTests {
    static let user = "alice-DoNotLog"
    static let password = "s3cr3t-Pa55-DoNotLog"
    static var userInfo: String { "\(user):\(password)" }

    /// An upstream that records every request head, and a tlsgate in `mode` in front of it.
    final class Setup {
        let dir: TempDir
        let certs: CertFactory
        let upstream: Upstream
        let gate: TLSGate
        let recordPath: String

        init(_ label: String, mode: String) throws {
            dir = try TempDir(label)
            certs = try CertFactory(dir: dir)
            recordPath = dir.file("upstream-received.txt")
            upstream = try Upstream(cert: try certs.leaf(Names.all), dir: dir, record: recordPath)
            var config = GateConfig(caBundle: certs.ca.cert)
            for name in Names.all { config.resolve[name] = upstream.target }
            config.mode = mode
            config.logLevel = "trace"
            gate = try TLSGate(config, dir: dir)
        }

        /// Every request head the upstream received.
        var received: String { (try? String(contentsOfFile: recordPath, encoding: .utf8)) ?? "" }

        /// Audit, tlsgate's stderr and stdout, and what the upstream received: none may hold the
        /// password or the user name.
        func expectNoCredentialAnywhere(_ context: String, response: String) {
            gate.stop()  // flush
            let places = ["audit": gate.auditText, "stderr": gate.stderrText, "stdout": gate.process.stdoutText,
                          "upstream": received, "response": response]
            for (place, text) in places {
                #expect(!text.contains(CredentialsInURLTests.password), "\(context): the password reached \(place):\n\(text.suffix(2000))")
                #expect(!text.contains(CredentialsInURLTests.user), "\(context): the user name reached \(place):\n\(text.suffix(2000))")
            }
        }

        func cleanup() {
            gate.stop()
            upstream.stop()
            dir.cleanup()
        }
    }

    static func forwardRequest() -> Data {
        Data("GET http://\(userInfo)@\(Names.sts)/headers?Action=GetCallerIdentity HTTP/1.1\r\nHost: \(Names.sts)\r\nConnection: close\r\n\r\n".utf8)
    }

    @Test func forwardEnforceRefusesAndForwardsNothing() throws {
        let s = try Setup("cred-fwd-enforce", mode: "enforce")
        defer { s.cleanup() }
        let r = try PyClient.raw(proxy: s.gate.hostPort, Self.forwardRequest())
        let head = r["head"] as? String ?? ""
        #expect(r["status"] as? Int == 400, "\(r)\n\(s.gate.diagnostics)")
        #expect(head.lowercased().contains("x-tlsgate-error: credentials_in_url"), "\(head)")
        let rec = s.gate.waitForAudit { $0.event == "request" && $0.host == Names.sts }
        #expect(rec?.status == 400 && rec?.decision == "deny" && rec?.violations == ["credentials_in_url"], "\(String(describing: rec))")
        #expect(rec?.path == "/headers?Action=GetCallerIdentity", "\(String(describing: rec))")
        let violation = s.gate.waitForAudit { $0.event == "violation" && $0.violations == ["credentials_in_url"] }
        #expect(violation != nil, "no violation line\n\(s.gate.auditText)")
        // A plain request afterwards does reach the upstream: the recording works.
        let ok = try Curl.run(["-x", s.gate.proxyURL, "-o", "/dev/null", "-w", "%{http_code}", "http://\(Names.sts)/headers?second"])
        #expect(Curl.status(ok) == 200, "\(ok.stderrText)")
        #expect(s.received.contains("GET /headers?second HTTP/1.1"), "recording upstream: \(s.received)")
        #expect(!s.received.contains("GetCallerIdentity"), "the refused request was forwarded: \(s.received)")
        s.expectNoCredentialAnywhere("forward, enforce", response: head + (r["body"] as? String ?? ""))
    }

    @Test func forwardReportStripsTheUserInfo() throws {
        let s = try Setup("cred-fwd-report", mode: "report")
        defer { s.cleanup() }
        let r = try PyClient.raw(proxy: s.gate.hostPort, Self.forwardRequest())
        #expect(r["status"] as? Int == 200, "\(r)\n\(s.gate.diagnostics)")
        #expect(s.received.contains("GET /headers?Action=GetCallerIdentity HTTP/1.1\r\n"), "upstream received: \(s.received)")
        #expect(s.received.contains("Host: \(Names.sts)\r\n"), "upstream received: \(s.received)")
        let rec = s.gate.waitForAudit { $0.event == "request" && $0.host == Names.sts }
        #expect(rec?.status == 200 && rec?.decision == "report" && rec?.violations == ["credentials_in_url"], "\(String(describing: rec))")
        #expect(s.gate.waitForAudit { $0.event == "violation" && $0.violations == ["credentials_in_url"] } != nil, "\(s.gate.auditText)")
        s.expectNoCredentialAnywhere("forward, report", response: r["body"] as? String ?? "")
    }

    @Test func connectEnforceRefuses() throws {
        let s = try Setup("cred-connect-enforce", mode: "enforce")
        defer { s.cleanup() }
        let r = try PyClient.run(["tunnel", "--proxy", s.gate.hostPort, "--host", Names.a, "--userinfo", Self.userInfo,
                                  "--cafile", s.certs.ca.cert, "--path", "/headers"])
        let head = r["connect_head"] as? String ?? ""
        #expect(r["connect_status"] as? Int == 400, "\(r)\n\(s.gate.diagnostics)")
        #expect(head.lowercased().contains("x-tlsgate-error: credentials_in_url"), "\(head)")
        let rec = s.gate.waitForAudit { $0.event == "tunnel" && $0.host == Names.a }
        #expect(rec?.status == 400 && rec?.decision == "deny" && rec?.violations == ["credentials_in_url"], "\(String(describing: rec))\n\(s.gate.auditText)")
        #expect(rec?.int("port") == 443, "\(String(describing: rec))")
        #expect(s.received.isEmpty, "the upstream received something: \(s.received)")
        s.expectNoCredentialAnywhere("CONNECT, enforce", response: head)
    }

    @Test func connectReportTunnelsToTheHostWithoutTheUserInfo() throws {
        let s = try Setup("cred-connect-report", mode: "report")
        defer { s.cleanup() }
        let r = try PyClient.run(["tunnel", "--proxy", s.gate.hostPort, "--host", Names.a, "--userinfo", Self.userInfo,
                                  "--cafile", s.certs.ca.cert, "--path", "/headers"])
        #expect(r["connect_status"] as? Int == 200 && r["http_status"] as? Int == 200, "\(r)\n\(s.gate.diagnostics)")
        #expect(s.received.contains("GET /headers HTTP/1.1"), "upstream received: \(s.received)")
        let rec = s.gate.waitForAudit(timeout: 8) { $0.event == "tunnel" && $0.host == Names.a }
        #expect(rec?.decision == "report" && rec?.violations == ["credentials_in_url"], "\(String(describing: rec))\n\(s.gate.auditText)")
        s.expectNoCredentialAnywhere("CONNECT, report", response: r["connect_head"] as? String ?? "")
    }
}
