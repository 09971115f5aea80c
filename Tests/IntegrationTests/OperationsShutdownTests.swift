import Foundation
import Testing

extension Operations {
    /// Graceful shutdown (`shutdown_grace`): SIGTERM with work in flight, idle keep-alive clients,
    /// and tunnels still open when the grace period ends.
    @Suite(.serialized)
    struct ShutdownTests {
        static let inFlight = 1000

        @Test(.timeLimit(.minutes(2))) func inFlightRequestsFinishWithOneAuditLineEach() throws {
            let fx = try OpsFixture("drain") { c in
                c.shutdownGrace = "10s"
                c.idleTimeout = "30s"
            }
            defer { fx.cleanup() }
            let n = Self.inFlight
            let url = "\(fx.s3)/delay?gate=1&ms=500"
            let client = try BackgroundClient(["flood", "--proxy", fx.gate.hostPort, "--url", url,
                                               "--count", "\(n)", "--timeout", "60"], dir: fx.dir, name: "flood")
            defer { client.stop() }
            try client.waitFor(#"^sent \d+"#, timeout: 60)
            // Every request has reached the upstream (which holds them until released): all in flight.
            let arrived = fx.upstream.waitForArrived(n, timeout: 40)
            #expect(arrived == n, "only \(arrived) of \(n) requests reached the upstream\n\(fx.gate.diagnostics)")

            try fx.gate.signal(SIGTERM)
            let signalled = Date()
            // A connection arriving after SIGTERM is refused (TCP refusal, or an immediate error
            // response); it never reaches the upstream.
            usleep(300_000)
            var lateStatus: Int? = nil
            var lateRefusedAtTCP = false
            if let late = try? RawConnection(port: fx.gate.port, timeout: 3) {
                try? late.sendGet("\(fx.s3)/delay?ms=0&late=1")
                lateStatus = late.readResponse()?.status
                late.close()
            } else {
                lateRefusedAtTCP = true
            }
            #expect(lateRefusedAtTCP || lateStatus != 200,
                    "a connection made after SIGTERM was served (status \(String(describing: lateStatus)))")
            #expect(fx.gate.process.isRunning, "tlsgate exited before in-flight requests were answered\n\(fx.gate.diagnostics)")

            fx.upstream.release()
            let status = fx.gate.waitForExit(timeout: 20)
            let took = Date().timeIntervalSince(signalled)
            #expect(status == 0, "tlsgate exit status \(String(describing: status)) after SIGTERM\n\(fx.gate.diagnostics)")
            #expect(took < 10.5, "tlsgate took \(took)s to exit (shutdown_grace 10s)")

            let r = try client.result(timeout: 30)
            let completed = (r["completed_ids"] as? [Int]) ?? []
            print("[Operations] drain: \(completed.count)/\(n) answered, exit \(String(describing: status)) after \(String(format: "%.2f", took))s; late: refused=\(lateRefusedAtTCP) status=\(String(describing: lateStatus))")
            #expect(completed.count == n, "in-flight requests lost on SIGTERM: \(r.filter { $0.key != "completed_ids" })\n\(fx.gate.diagnostics)")

            // The audit log: every line complete JSON, exactly one request line per answered request.
            let text = fx.gate.auditText
            #expect(text.isEmpty || text.hasSuffix("\n"), "audit log ends in a truncated line: \(text.suffix(300))")
            let records = fx.gate.auditRecords()
            let invalid = records.filter { !$0.isValid }
            #expect(invalid.isEmpty, "\(invalid.count) audit lines are not JSON, e.g. \(invalid.prefix(3))")
            var perID: [Int: Int] = [:]
            for rec in records where rec.event == "request" {
                guard let path = rec.path, path.hasPrefix("/delay?gate=1"),
                      let i = path.split(separator: "=").last.flatMap({ Int($0) }) else { continue }
                perID[i, default: 0] += 1
            }
            let missing = completed.filter { perID[$0] == nil }
            let duplicated = perID.filter { $0.value > 1 }.map(\.key)
            #expect(missing.isEmpty, "\(missing.count) answered requests have no audit line, e.g. \(missing.prefix(5))")
            #expect(duplicated.isEmpty, "requests with several audit lines: \(duplicated.prefix(5))")
            let statuses = Set(records.filter { $0.event == "request" && $0.path?.hasPrefix("/delay?gate=1") == true }.compactMap(\.status))
            #expect(statuses == [200], "statuses in audit: \(statuses)")
            #expect(!records.contains { $0.path?.contains("late=1") == true && $0.status == 200 },
                    "the late request was forwarded")
        }

        @Test(.timeLimit(.minutes(1))) func idleKeepAliveClientDoesNotDelayExit() throws {
            let fx = try OpsFixture("drain-idle") { $0.shutdownGrace = "20s" }
            defer { fx.cleanup() }
            let conn = try RawConnection(port: fx.gate.port)
            try conn.sendGet("\(fx.s3)/delay?ms=0")
            let first = conn.readResponse()
            #expect(first?.status == 200, "keep-alive request failed: \(String(describing: first?.head))\n\(fx.gate.diagnostics)")
            #expect(first?.headers["connection"]?.lowercased() != "close", "\(String(describing: first?.head))")

            try fx.gate.signal(SIGTERM)
            let signalled = Date()
            let status = fx.gate.waitForExit(timeout: 25)
            let took = Date().timeIntervalSince(signalled)
            #expect(status == 0, "exit status \(String(describing: status))\n\(fx.gate.diagnostics)")
            #expect(took < 3, "an idle keep-alive connection delayed exit by \(took)s (shutdown_grace 20s)")
            #expect(conn.waitForClose(timeout: 2), "the idle client connection was not closed")
        }

        @Test(.timeLimit(.minutes(1))) func forwardRequestOutlivingGraceIsCutAndAudited() throws {
            let fx = try OpsFixture("drain-cut") { $0.shutdownGrace = "1s" }
            defer { fx.cleanup() }
            let conn = try RawConnection(port: fx.gate.port, timeout: 15)
            try conn.sendGet("\(fx.s3)/delay?gate=1&ms=0&slow=1")   // answered only after release()
            #expect(fx.upstream.waitForArrived(1, timeout: 10) == 1, "\(fx.gate.diagnostics)")

            try fx.gate.signal(SIGINT)   // SIGINT drains like SIGTERM
            let signalled = Date()
            let status = fx.gate.waitForExit(timeout: 15)
            let took = Date().timeIntervalSince(signalled)
            #expect(status == 0, "exit status \(String(describing: status))\n\(fx.gate.diagnostics)")
            #expect(took >= 0.9 && took < 4, "tlsgate exited after \(took)s (shutdown_grace 1s)")
            let r = conn.readResponse()
            #expect(r?.status != 200, "the cut request still got a response: \(String(describing: r?.head))")
            let recs = fx.gate.auditRecords().filter { $0.path?.contains("slow=1") == true }
            #expect(recs.count == 1, "audit lines for the cut request: \(recs)\n\(fx.gate.diagnostics)")
            if let rec = recs.first {
                #expect(rec.missingKeys.isEmpty, "missing \(rec.missingKeys): \(rec)")
                #expect(rec.string("reason")?.contains("shut") == true, "\(rec)")
            }
            #expect(fx.gate.stderrText.contains("shutting down"), "stderr:\n\(fx.gate.stderrText.suffix(1500))")
        }

        @Test(.timeLimit(.minutes(1))) func tunnelOpenAtEndOfGraceIsClosedAndAudited() throws {
            let fx = try OpsFixture("drain-tunnel") { $0.shutdownGrace = "2s" }
            defer { fx.cleanup() }
            let tunnel = try BackgroundClient(["hold-tunnel", "--proxy", fx.gate.hostPort, "--host", Names.a,
                                               "--cafile", fx.certs.ca.cert, "--hold", "30"], dir: fx.dir, name: "tunnel")
            defer { tunnel.stop() }
            try tunnel.waitFor("^ready", timeout: 20)
            #expect(fx.gate.audit(event: "tunnel").isEmpty, "tunnel audited before it closed")

            try fx.gate.signal(SIGTERM)
            let signalled = Date()
            let status = fx.gate.waitForExit(timeout: 15)
            let took = Date().timeIntervalSince(signalled)
            #expect(status == 0, "exit status \(String(describing: status))\n\(fx.gate.diagnostics)")
            #expect(took >= 1.8, "tlsgate exited after \(took)s, before the 2s grace, with a tunnel open")
            #expect(took < 6, "tlsgate took \(took)s to exit (shutdown_grace 2s)")

            let r = try tunnel.result(timeout: 10)
            #expect(r["http_status"] as? Int == 200, "\(r)")
            #expect(r["closed"] as? Bool == true, "the tunnel was not closed: \(r)")
            // The audit line is in the log when the process has exited (flushed before exit).
            let recs = fx.gate.audit(event: "tunnel").filter { $0.host == Names.a }
            #expect(recs.count == 1, "tunnel audit lines: \(recs)\n\(fx.gate.diagnostics)")
            if let rec = recs.first {
                #expect(rec.missingKeys.isEmpty, "missing \(rec.missingKeys): \(rec)")
                #expect((rec.int("bytes_in") ?? 0) > 0 && (rec.int("bytes_out") ?? 0) > 0, "\(rec)")
                print("[Operations] tunnel closed at shutdown: \(rec)")
            }
        }
    }
}
