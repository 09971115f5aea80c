import Foundation
import Testing

extension Operations {
    /// The admin listener (`admin:`): /healthz, /readyz, /metrics, POST /reload.
    @Suite(.serialized)
    struct AdminTests {
        static func fixture(_ label: String, configure: (inout GateConfig) -> Void = { _ in }) throws -> OpsFixture {
            try OpsFixture(label) { c in
                c.admin = "127.0.0.1:0"
                c.allowHosts = ["*.amazonaws.com"]
                configure(&c)
            }
        }

        static func body(_ r: RawResponse?) -> String {
            r.map { String(decoding: $0.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "<no response>"
        }

        static func status(_ fx: OpsFixture, _ url: String) throws -> Int? {
            let c = try RawConnection(port: fx.gate.port)
            defer { c.close() }
            try c.sendGet(url)
            return c.readResponse()?.status
        }

        @Test(.timeLimit(.minutes(1))) func healthReadinessAndMetrics() throws {
            let fx = try Self.fixture("admin-metrics")
            defer { fx.cleanup() }
            let gate = fx.gate
            let health = try gate.admin("GET", "/healthz")
            #expect(health?.status == 200 && Self.body(health) == "ok", "/healthz: \(String(describing: health?.head)) \(Self.body(health))\n\(gate.diagnostics)")
            let ready = try gate.admin("GET", "/readyz")
            #expect(ready?.status == 200 && Self.body(ready) == "ready", "/readyz: \(String(describing: ready?.head)) \(Self.body(ready))")
            #expect(try gate.admin("HEAD", "/healthz")?.status == 200)
            let get = try gate.admin("GET", "/reload")
            #expect(get?.status == 405, "GET /reload: \(String(describing: get?.head))")
            #expect(get?.headers["allow"] == "POST", "\(String(describing: get?.head))")
            #expect(try gate.admin("GET", "/nope")?.status == 404)

            // Traffic: 3 allowed forward requests, 1 denied, 1 tunnel.
            for i in 0..<3 { #expect(try Self.status(fx, "\(fx.s3)/delay?ms=0&n=\(i)") == 200) }
            #expect(try Self.status(fx, "http://\(Names.a)/delay?ms=0") == 403)
            let tun = try Curl.run(["-x", gate.proxyURL, "--cacert", fx.certs.ca.cert, "--max-time", "15", "-o", "/dev/null",
                                    "-w", "%{http_code}", "https://\(Names.s3)/delay?ms=0"], timeout: 20)
            #expect(tun.status == 0 && Curl.status(tun) == 200, "tunnel: \(tun.stderrText)\n\(gate.diagnostics)")
            _ = gate.waitForAudit { $0.event == "tunnel" }
            let auditLines = gate.waitForAudit(count: 5) { _ in true }.count

            let m = try gate.admin("GET", "/metrics")
            #expect(m?.status == 200, "\(String(describing: m?.head))")
            #expect(m?.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true, "\(String(describing: m?.head))")
            let text = Self.body(m)
            print("[Operations] /metrics (excerpt):\n" + text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.contains("_bucket") }.prefix(40).joined(separator: "\n"))
            #expect(metric(text, #"tlsgate_requests_total{class="2xx"}"#) ?? 0 >= 3, "2xx requests")
            #expect(metric(text, #"tlsgate_requests_total{class="4xx"}"#) ?? 0 >= 1, "4xx requests")
            #expect(metric(text, #"tlsgate_violations_total{code="host_not_allowed"}"#) ?? 0 >= 1, "host_not_allowed violations")
            #expect(metric(text, #"tlsgate_connections_total{mode="forward"}"#) ?? 0 >= 5, "forward connections")
            #expect(metric(text, #"tlsgate_connections_total{mode="tunnel"}"#) ?? 0 >= 1, "tunnel connections")
            #expect(metric(text, #"tlsgate_connections_open{mode="tunnel"}"#) == 0, "open tunnels after the tunnel closed")
            #expect(metric(text, #"tlsgate_bytes_out_total{mode="forward"}"#) ?? 0 > 0, "forward bytes out")
            #expect(metric(text, #"tlsgate_bytes_out_total{mode="tunnel"}"#) ?? 0 > 0, "tunnel bytes out")
            #expect(metricSum(text, "tlsgate_upstream_tls_total", labelFilter: #"version="TLSv1.3""#) >= 1, "upstream TLS sessions")
            #expect(metric(text, "tlsgate_audit_lines_total") == Double(auditLines),
                    "tlsgate_audit_lines_total \(String(describing: metric(text, "tlsgate_audit_lines_total"))) vs \(auditLines) audit lines")
            #expect(metric(text, "tlsgate_audit_write_failures_total") == 0)
            // The admin listener is not the proxy: a forward request there is not proxied.
            let c = try RawConnection(port: try gate.adminPort())
            try c.sendGet("\(fx.s3)/delay?ms=0&via=admin")
            #expect(c.readResponse()?.status != 200, "the admin port proxied a request")
            c.close()
        }

        @Test(.timeLimit(.minutes(1))) func postReload() throws {
            let fx = try Self.fixture("admin-reload")
            defer { fx.cleanup() }
            let aURL = "http://\(Names.a)/delay?ms=0"
            #expect(try Self.status(fx, aURL) == 403)

            var changed = fx.config
            changed.allowHosts.append(Names.a)
            try fx.rewriteConfig(changed.yaml(auditPath: fx.gate.auditPath))
            let ok = try fx.gate.admin("POST", "/reload")
            #expect(ok?.status == 200, "POST /reload: \(String(describing: ok?.head)) \(Self.body(ok))\n\(fx.gate.diagnostics)")
            #expect(Self.body(ok).contains("reloaded"), Comment(rawValue: Self.body(ok)))
            #expect(try Self.status(fx, aURL) == 200, "the reload did not take effect\n\(fx.gate.diagnostics)")
            let rec = fx.gate.waitForAudit { $0.event == "config_reload" }
            #expect(rec?.decision == "allow" && rec?.string("reason")?.hasPrefix("POST /reload") == true, "\(String(describing: rec))")

            var broken = changed
            broken.extra = "bogus_admin_key: 1\n"
            try fx.rewriteConfig(broken.yaml(auditPath: fx.gate.auditPath))
            let bad = try fx.gate.admin("POST", "/reload")
            #expect(bad?.status == 500, "POST /reload (broken): \(String(describing: bad?.head)) \(Self.body(bad))")
            #expect(Self.body(bad).contains("bogus_admin_key"), "the error is not in the body: \(Self.body(bad))")
            #expect(try Self.status(fx, aURL) == 200, "the failed reload changed the policy")
            let recs = fx.gate.waitForAudit(count: 2) { $0.event == "config_reload" }
            #expect(recs.count == 2 && recs.last?.decision == "deny", "\(recs)")

            try fx.rewriteConfig(changed.yaml(auditPath: fx.gate.auditPath))
            try fx.gate.signal(SIGHUP)
            _ = fx.gate.waitForAudit(count: 3) { $0.event == "config_reload" }
            let text = try fx.gate.metricsText()
            #expect(metric(text, #"tlsgate_config_reloads_total{result="ok"}"#) == 2, "reloads ok (POST + SIGHUP)")
            #expect(metric(text, #"tlsgate_config_reloads_total{result="failed"}"#) == 1, "reloads failed")
            #expect(fx.gate.process.isRunning)
        }

        @Test(.timeLimit(.minutes(1))) func healthSaysDrainingDuringShutdown() throws {
            let fx = try Self.fixture("admin-drain") { $0.shutdownGrace = "10s" }
            defer { fx.cleanup() }
            let adminPort = try fx.gate.adminPort()
            let conn = try RawConnection(port: fx.gate.port, timeout: 15)
            try conn.sendGet("\(fx.s3)/delay?gate=1&ms=0")
            #expect(fx.upstream.waitForArrived(1, timeout: 10) == 1)
            try fx.gate.signal(SIGTERM)
            usleep(300_000)
            let health = try fx.gate.admin("GET", "/healthz")
            #expect(health?.status == 503 && Self.body(health) == "draining", "/healthz while draining: \(String(describing: health?.head)) \(Self.body(health))")
            let ready = try fx.gate.admin("GET", "/readyz")
            #expect(ready?.status == 503, "/readyz while draining: \(String(describing: ready?.head))")
            fx.upstream.release()
            #expect(conn.readResponse()?.status == 200, "the in-flight request was not answered")
            let status = fx.gate.waitForExit(timeout: 15)
            #expect(status == 0, "exit \(String(describing: status))\n\(fx.gate.diagnostics)")
            #expect(!RawConnection.canConnect(port: adminPort), "the admin port is still open after exit")
        }

        @Test(.timeLimit(.minutes(1))) func rejectedConnectionsAreCounted() throws {
            let fx = try Self.fixture("admin-reject") { $0.allowClients = ["10.0.0.0/8"] }
            defer { fx.cleanup() }
            // The admin listener is not subject to allow_clients.
            #expect(try fx.gate.admin("GET", "/healthz")?.status == 200)
            #expect(try Self.status(fx, "\(fx.s3)/delay?ms=0") == 403, "\(fx.gate.diagnostics)")
            _ = fx.gate.waitForAudit { $0.violations.contains("client_not_allowed") }
            let text = try fx.gate.metricsText()
            #expect(metric(text, #"tlsgate_connections_rejected_total{reason="not_allowed"}"#) == 1, "rejected not_allowed")
            #expect(metric(text, #"tlsgate_violations_total{code="client_not_allowed"}"#) == 1, "client_not_allowed violations")
        }

        @Test func checkConfigRefusesAdminOnTheProxyPort() throws {
            let dir = try TempDir("ops-admin-port")
            defer { dir.cleanup() }
            var c = GateConfig(caBundle: "system")
            c.listen = "127.0.0.1:18080"
            c.admin = "127.0.0.1:18080"
            let path = try dir.write("same.yaml", c.yaml(auditPath: dir.file("a.jsonl")))
            let r = try Exec.run(try Paths.tlsgateBinary(), ["check-config", "--config", path], timeout: 20)
            #expect(r.status == 2, "admin on the proxy port: check-config exit \(r.status): \(r.stdoutText) \(r.stderrText)")
            #expect(r.stderrText.contains("admin"), "stderr: \(r.stderrText)")
        }
    }
}
