import Foundation
import Testing

extension Operations {
    /// Listener safety: no open proxy, the client allowlist, Basic proxy authentication.
    @Suite(.serialized)
    struct ListenerTests {
        // MARK: - open proxy refusal

        /// A config whose `listen:` is on line 2 (see GateConfig.yaml).
        static func openConfig(_ dir: TempDir, listen: String, _ configure: (inout GateConfig) -> Void = { _ in }) throws -> String {
            var c = GateConfig(caBundle: "system")
            c.listen = listen
            configure(&c)
            let text = c.yaml(auditPath: dir.file("audit.jsonl"))
            #expect(text.split(separator: "\n", omittingEmptySubsequences: false)[1].hasPrefix("listen:"))
            return try dir.write("open.yaml", text)
        }

        @Test func checkConfigAndRunRefuseAnOpenProxy() throws {
            let dir = try TempDir("ops-open")
            defer { dir.cleanup() }
            let path = try Self.openConfig(dir, listen: "0.0.0.0:18443")
            let binary = try Paths.tlsgateBinary()

            let check = try Exec.run(binary, ["check-config", "--config", path], timeout: 20)
            #expect(check.status == 2, "check-config exit \(check.status): \(check.stderrText)")
            #expect(check.stderrText.contains("open proxy"), "stderr: \(check.stderrText)")
            #expect(check.stderrText.contains("\(path):2:"), "stderr does not name the listen line: \(check.stderrText)")

            let run = try Exec.run(binary, ["run", "--config", path], timeout: 10)
            #expect(!run.timedOut, "tlsgate run kept running as an open proxy")
            #expect(run.status == 2, "run exit \(run.status): \(run.stderrText)")
            #expect(run.stderrText.contains("open proxy"), "stderr: \(run.stderrText)")
            #expect(run.stderrText.contains("\(path):2:"), "stderr does not name the listen line: \(run.stderrText)")

            // --listen on the command line is checked the same way.
            let loopback = try dir.write("loopback.yaml", GateConfig(caBundle: "system").yaml(auditPath: dir.file("a.jsonl")))
            let flag = try Exec.run(binary, ["run", "--config", loopback, "--listen", "0.0.0.0:18443"], timeout: 10)
            #expect(!flag.timedOut && flag.status == 2, "run --listen 0.0.0.0: exit \(flag.status): \(flag.stderrText)")
            #expect(flag.stderrText.contains("open proxy"), "stderr: \(flag.stderrText)")

            // With a client allowlist or authentication, a non-loopback listen address is accepted.
            let users = try dir.write("users", "alice:$6$salt$hash\n")
            for (name, configure) in [("allow_clients", { (c: inout GateConfig) in c.allowClients = ["10.0.0.0/8"] }),
                                      ("proxy_auth", { (c: inout GateConfig) in c.proxyAuth = (users, "test") })] {
                let ok = try Self.openConfig(dir, listen: "0.0.0.0:18443", configure)
                let r = try Exec.run(binary, ["check-config", "--config", ok], timeout: 20)
                #expect(r.status == 0, "\(name): check-config exit \(r.status): \(r.stderrText)")
            }
        }

        // MARK: - allow_clients

        @Test func clientOutsideAllowClientsIsRefused() throws {
            let fx = try OpsFixture("allow-no") { $0.allowClients = ["10.0.0.0/8"] }
            defer { fx.cleanup() }
            let c = try RawConnection(port: fx.gate.port)
            defer { c.close() }
            try c.sendGet("\(fx.s3)/delay?ms=0")
            let r = c.readResponse()
            #expect(r?.status == 403, "\(String(describing: r?.head))\n\(fx.gate.diagnostics)")
            #expect(r?.headers["x-tlsgate-error"] == "client_not_allowed", "\(String(describing: r?.head))")
            let rec = fx.gate.waitForAudit { $0.violations.contains("client_not_allowed") }
            #expect(rec != nil, "no audit line with client_not_allowed\n\(fx.gate.diagnostics)")
            if let rec {
                #expect(rec.decision == "deny", "\(rec)")
                #expect(rec.string("client")?.hasPrefix("127.0.0.1:") == true, "\(rec)")
                #expect(rec.missingKeys.isEmpty, "missing \(rec.missingKeys): \(rec)")
            }
            #expect(fx.upstream.stats().arrived == 0, "a refused client's request reached the upstream")
        }

        @Test func clientInsideAllowClientsIsServed() throws {
            let fx = try OpsFixture("allow-yes") { $0.allowClients = ["127.0.0.0/8"] }
            defer { fx.cleanup() }
            let r = try Curl.run(["-x", fx.gate.proxyURL, "--max-time", "15", "-o", "/dev/null", "-w", "%{http_code}",
                                  "\(fx.s3)/delay?ms=0"], timeout: 20)
            #expect(r.status == 0 && Curl.status(r) == 200, "\(r.stdoutText) \(r.stderrText)\n\(fx.gate.diagnostics)")
            #expect(!fx.gate.auditRecords().contains { $0.violations.contains("client_not_allowed") })
        }

        // MARK: - proxy_auth

        static let password = "s3cr3t-Pa55word"
        static let wrongPassword = "wr0ng-Pa55word"

        @Test(.timeLimit(.minutes(1))) func proxyAuthBasic() throws {
            let pre = try TempDir("ops-auth-users")
            defer { pre.cleanup() }
            let hash = try Exec.run("openssl", ["passwd", "-6", Self.password], timeout: 20)
            #expect(hash.status == 0, "\(hash.stderrText)")
            let users = try pre.write("users", "# test users\nalice:\(hash.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines))\n")
            let fx = try OpsFixture("auth") { c in
                c.proxyAuth = (users, "test")
                c.logLevel = "trace"
            }
            defer { fx.cleanup() }
            let url = "\(fx.s3)/delay?ms=0"
            let headersFile = fx.dir.file("h")

            // No credentials.
            let none = try Curl.run(["-x", fx.gate.proxyURL, "--max-time", "15", "-D", headersFile, "-o", "/dev/null",
                                     "-w", "%{http_code}", url], timeout: 20)
            #expect(Curl.status(none) == 407, "no credentials: \(none.stdoutText) \(none.stderrText)\n\(fx.gate.diagnostics)")
            let h = Curl.headers(file: headersFile)
            #expect(h["proxy-authenticate"] == "Basic realm=\"test\"", "\(h)")
            let rec = fx.gate.waitForAudit { $0.violations.contains("proxy_auth_required") }
            #expect(rec?.decision == "deny", "\(String(describing: rec))\n\(fx.gate.diagnostics)")
            #expect(rec?.status == 407, "\(String(describing: rec))")

            // Wrong password, and an unknown user.
            for creds in ["alice:\(Self.wrongPassword)", "mallory:\(Self.password)"] {
                let wrong = try Curl.run(["-x", "http://\(creds)@127.0.0.1:\(fx.gate.port)", "--max-time", "15",
                                          "-o", "/dev/null", "-w", "%{http_code}", url], timeout: 20)
                #expect(Curl.status(wrong) == 407, "\(creds): \(wrong.stdoutText) \(wrong.stderrText)")
            }

            // Right password: forward mode and a CONNECT tunnel.
            let fwd = try Curl.run(["-x", "http://alice:\(Self.password)@127.0.0.1:\(fx.gate.port)", "--max-time", "15",
                                    "-o", "/dev/null", "-w", "%{http_code}", url], timeout: 20)
            #expect(fwd.status == 0 && Curl.status(fwd) == 200, "forward with credentials: \(fwd.stdoutText) \(fwd.stderrText)\n\(fx.gate.diagnostics)")
            let tun = try Curl.run(["-x", fx.gate.proxyURL, "--proxy-user", "alice:\(Self.password)", "--cacert", fx.certs.ca.cert,
                                    "--max-time", "15", "-o", "/dev/null", "-w", "%{http_code}",
                                    "https://\(Names.a)/delay?ms=0"], timeout: 20)
            #expect(tun.status == 0 && Curl.status(tun) == 200, "CONNECT with credentials: \(tun.stdoutText) \(tun.stderrText)\n\(fx.gate.diagnostics)")
            // ... and CONNECT without credentials is refused.
            let tunNone = try Curl.run(["-x", fx.gate.proxyURL, "--cacert", fx.certs.ca.cert, "--max-time", "15",
                                        "-o", "/dev/null", "-w", "%{http_code}", "https://\(Names.a)/delay?ms=0"], timeout: 20)
            #expect(tunNone.status != 0, "CONNECT without credentials succeeded")
            _ = fx.gate.waitForAudit { $0.event == "tunnel" }

            // Secrets never logged.
            let logs = fx.gate.auditText + fx.gate.stderrText
            for secret in [Self.password, Self.wrongPassword,
                           Data("alice:\(Self.password)".utf8).base64EncodedString(),
                           Data("alice:\(Self.wrongPassword)".utf8).base64EncodedString(),
                           Data("mallory:\(Self.password)".utf8).base64EncodedString()] {
                #expect(!logs.contains(secret), "a credential appears in the logs: \(secret)")
            }
            #expect(!logs.lowercased().contains("proxy-authorization: basic"), "the Proxy-Authorization value was logged")
            #expect(!fx.gate.auditRecords().contains { !$0.isValid }, "invalid audit lines")
        }
    }
}
