import Foundation
import Testing

extension Operations {
    /// Slow and stalled peers: they are cut off by the timeouts, tlsgate's memory stays bounded, and
    /// other clients are served meanwhile.
    @Suite(.serialized)
    struct StallTests {
        /// Resident memory tlsgate may reach while being abused (VmRSS).
        static let maxRSSKB = 100 * 1024

        static func configure(_ c: inout GateConfig) {
            c.requestHeadTimeout = "2s"
            c.idleTimeout = "3s"
        }

        /// A normal request through the proxy, on its own connection; must complete.
        static func normalRequest(_ fx: OpsFixture, _ label: String) throws {
            let r = try Curl.run(["-x", fx.gate.proxyURL, "--max-time", "20", "-o", "/dev/null",
                                  "-w", "%{http_code} %{time_total}", "\(fx.s3)/bytes/100000?normal=\(label)"], timeout: 30)
            #expect(r.status == 0 && r.stdoutText.hasPrefix("200 "),
                    "normal client (\(label)) not served: exit \(r.status) \(r.stdoutText) \(r.stderrText)\n\(fx.gate.diagnostics)")
            print("[Operations] normal client during \(label): \(r.stdoutText)")
        }

        @Test(.timeLimit(.minutes(1))) func slowlorisHeadsAreCutOffAfterRequestHead() throws {
            let fx = try OpsFixture("slowloris", configure: Self.configure)
            defer { fx.cleanup() }
            guard let pid = fx.gate.pid else { throw HarnessError("no tlsgate pid") }
            let sampler = RSSSampler(pid: pid)
            let clients = 200
            let loris = try BackgroundClient(["slowloris", "--proxy", fx.gate.hostPort, "--url", "\(fx.s3)/bytes/10",
                                              "--clients", "\(clients)", "--duration", "7", "--interval", "1"],
                                             dir: fx.dir, name: "slowloris")
            defer { loris.stop() }
            usleep(1_500_000)   // the slow clients are connected and dribbling
            try Self.normalRequest(fx, "slowloris")
            let r = try loris.result(timeout: 40)
            let peak = sampler.stop()
            print("[Operations] slowloris: \(r); tlsgate peak VmRSS \(peak) kB")

            let cutOff = r["cut_off"] as? Int ?? 0
            #expect(cutOff >= clients * 2, "slow heads were not cut off (expected ~3 per client in 7 s): \(r)\n\(fx.gate.diagnostics)")
            let maxLifetime = r["max_lifetime"] as? Double ?? 99
            #expect(maxLifetime < 5, "a slow head lived \(maxLifetime)s (request_head 2s): \(r)")
            let maxOpenAge = r["max_open_age"] as? Double ?? 0
            #expect(maxOpenAge < 5, "a slow head was still open after \(maxOpenAge)s: \(r)")
            let statuses = r["statuses"] as? [String: Int] ?? [:]
            let closedWithout408 = statuses.filter { $0.key != "408" && $0.key != "None" }
            #expect(closedWithout408.isEmpty, "unexpected answers to slow heads: \(statuses)")
            #expect(peak > 0 && peak < Self.maxRSSKB, "tlsgate VmRSS peaked at \(peak) kB")
            // Request-head timeouts are not audited (no request was received); only counted here.
            print("[Operations] 408 audit lines: \(fx.gate.auditRecords().filter { $0.status == 408 }.count)")
            #expect(!fx.gate.auditRecords().contains { !$0.isValid }, "invalid audit lines")
        }

        @Test(.timeLimit(.minutes(1))) func idleKeepAliveAndIdleTunnelAreClosed() throws {
            let fx = try OpsFixture("idle") { c in
                c.requestHeadTimeout = "8s"
                c.idleTimeout = "2s"
                c.tunnelIdleTimeout = "2s"
            }
            defer { fx.cleanup() }
            // Keep-alive: closed after timeouts.idle (not request_head) once the exchange is over.
            let conn = try RawConnection(port: fx.gate.port)
            try conn.sendGet("\(fx.s3)/delay?ms=0")
            #expect(conn.readResponse()?.status == 200, "\(fx.gate.diagnostics)")
            let served = Date()
            #expect(conn.waitForClose(timeout: 7), "idle keep-alive connection still open after 7s (idle 2s)")
            let keepAliveClosed = Date().timeIntervalSince(served)
            #expect(keepAliveClosed > 1.5 && keepAliveClosed < 5, "idle keep-alive closed after \(keepAliveClosed)s (idle 2s)")

            // Tunnel: closed after timeouts.tunnel_idle, with its audit line.
            let tunnel = try BackgroundClient(["hold-tunnel", "--proxy", fx.gate.hostPort, "--host", Names.a,
                                               "--cafile", fx.certs.ca.cert, "--hold", "10"], dir: fx.dir, name: "tunnel")
            defer { tunnel.stop() }
            let r = try tunnel.result(timeout: 20)
            #expect(r["http_status"] as? Int == 200, "\(r)\n\(fx.gate.diagnostics)")
            #expect(r["closed"] as? Bool == true, "idle tunnel not closed within 10s (tunnel_idle 2s): \(r)")
            let after = r["closed_after"] as? Double ?? 99
            #expect(after > 1.5 && after < 5, "idle tunnel closed after \(after)s (tunnel_idle 2s)")
            let rec = fx.gate.waitForAudit { $0.event == "tunnel" && $0.host == Names.a }
            #expect(rec != nil, "no tunnel audit line\n\(fx.gate.diagnostics)")
            print("[Operations] idle: keep-alive closed after \(String(format: "%.2f", keepAliveClosed))s, tunnel after \(String(format: "%.2f", after))s; \(String(describing: rec))")
        }

        @Test(.timeLimit(.minutes(1))) func clientThatNeverReadsIsBoundedAndClosedAfterIdle() throws {
            let fx = try OpsFixture("noread", configure: Self.configure)
            defer { fx.cleanup() }
            guard let pid = fx.gate.pid else { throw HarnessError("no tlsgate pid") }
            let sampler = RSSSampler(pid: pid)
            let size = 200_000_000
            let path = "/bytes/\(size)"
            let stuck = try BackgroundClient(["no-read", "--proxy", fx.gate.hostPort, "--url", "\(fx.s3)\(path)",
                                              "--hold", "8"], dir: fx.dir, name: "noread")
            defer { stuck.stop() }
            try stuck.waitFor("^sent", timeout: 10)
            let sent = Date()
            usleep(1_000_000)
            try Self.normalRequest(fx, "no-read")
            let rssWhileStuck = fx.gate.memoryKB() ?? -1

            let rec = fx.gate.waitForAudit(timeout: 12) { $0.path == path }
            let auditedAfter = Date().timeIntervalSince(sent)
            #expect(rec != nil, "the stuck exchange was never closed/audited\n\(fx.gate.diagnostics)")
            #expect(auditedAfter < 9, "stuck exchange audited only after \(auditedAfter)s (idle 3s)")
            if let rec {
                #expect((rec.int("bytes_out") ?? 0) < size, "\(rec)")
                print("[Operations] never-reading client closed after ~\(String(format: "%.1f", auditedAfter))s: \(rec)")
            }
            let r = try stuck.result(timeout: 30)
            let peak = sampler.stop()
            print("[Operations] no-read: \(r); VmRSS while stuck \(rssWhileStuck) kB, peak \(peak) kB")
            #expect((r["received"] as? Int ?? size) < size, "the whole body was delivered: \(r)")
            #expect(r["eof"] as? Bool == true || r["reset"] as? Bool == true, "connection not closed: \(r)")
            #expect(peak > 0 && peak < Self.maxRSSKB, "tlsgate VmRSS peaked at \(peak) kB")
        }

        @Test(.timeLimit(.minutes(1))) func uploadToUpstreamThatNeverReadsIsBoundedAndClosedAfterIdle() throws {
            let fx = try OpsFixture("upstall", blackhole: true, configure: Self.configure)
            defer { fx.cleanup() }
            guard let pid = fx.gate.pid else { throw HarnessError("no tlsgate pid") }
            let sampler = RSSSampler(pid: pid)
            let size = 200_000_000
            let upload = try BackgroundClient(["upload-stall", "--proxy", fx.gate.hostPort,
                                               "--url", "http://\(Names.other)/upload", "--size", "\(size)", "--hold", "12"],
                                              dir: fx.dir, name: "upload")
            defer { upload.stop() }
            let g = try upload.waitFor(#"^stalled (\d+)"#, timeout: 30)
            let stalledBytes = Int(g[1]) ?? -1
            try Self.normalRequest(fx, "stalled-upload")

            let r = try upload.result(timeout: 40)
            let peak = sampler.stop()
            print("[Operations] upload-stall: \(r); stalled after \(stalledBytes) bytes; tlsgate peak VmRSS \(peak) kB")
            #expect(r["stalled"] as? Bool == true, "the upload never stalled: \(r)")
            #expect(stalledBytes < 64 << 20, "tlsgate absorbed \(stalledBytes) bytes of a stalled upload")
            #expect(r["closed"] as? Bool == true, "the stalled upload was not closed: \(r)\n\(fx.gate.diagnostics)")
            #expect((r["closed_after"] as? Double ?? 99) < 8, "closed only \(r["closed_after"] ?? "-")s after stalling (idle 3s)")
            #expect(peak > 0 && peak < Self.maxRSSKB, "tlsgate VmRSS peaked at \(peak) kB")
            let rec = fx.gate.waitForAudit(timeout: 5) { $0.path == "/upload" }
            #expect(rec != nil, "no audit line for the stalled upload\n\(fx.gate.diagnostics)")
            if let rec {
                #expect(rec.missingKeys.isEmpty, "missing \(rec.missingKeys): \(rec)")
                #expect((rec.int("bytes_in") ?? 0) > 0 && (rec.int("bytes_in") ?? 0) < size, "\(rec)")
                print("[Operations] stalled upload audit: \(rec)")
            }
        }
    }
}
