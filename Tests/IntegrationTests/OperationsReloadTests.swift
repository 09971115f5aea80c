import Foundation
import Testing

extension Operations {
    /// SIGHUP reloads: a valid change takes effect, a broken file changes nothing, and connections
    /// opened before the reload keep working either way.
    @Suite(.serialized)
    struct ReloadTests {
        /// One request on a fresh connection; the status (nil when the proxy closed without answering).
        static func status(_ gate: TLSGate, _ url: String) throws -> Int? {
            let c = try RawConnection(port: gate.port)
            defer { c.close() }
            try c.sendGet(url)
            return c.readResponse()?.status
        }

        static func reloadRecords(_ gate: TLSGate, count: Int) -> [AuditRecord] {
            gate.waitForAudit(count: count, timeout: 8) { $0.event == "config_reload" }
        }

        @Test(.timeLimit(.minutes(1))) func validReloadAllowsANewHost() throws {
            let fx = try OpsFixture("reload-ok") { $0.allowHosts = ["*.amazonaws.com"] }
            defer { fx.cleanup() }
            let aURL = "http://\(Names.a)/delay?ms=0"

            let keep = try RawConnection(port: fx.gate.port)
            try keep.sendGet("\(fx.s3)/delay?ms=0")
            #expect(keep.readResponse()?.status == 200, "\(fx.gate.diagnostics)")
            #expect(try Self.status(fx.gate, aURL) == 403, "a.example.test allowed before the reload")

            var changed = fx.config
            changed.allowHosts.append(Names.a)
            try fx.rewriteConfig(changed.yaml(auditPath: fx.gate.auditPath))
            try fx.gate.signal(SIGHUP)

            let recs = Self.reloadRecords(fx.gate, count: 1)
            #expect(recs.count == 1, "no config_reload audit line\n\(fx.gate.diagnostics)")
            if let rec = recs.first {
                #expect(rec.decision == "allow", "\(rec)")
                #expect(rec.missingKeys.isEmpty, "missing \(rec.missingKeys): \(rec)")
            }
            #expect(fx.gate.stderrText.contains("reloaded"), "stderr does not say reloaded:\n\(fx.gate.stderrText.suffix(1500))")
            #expect(try Self.status(fx.gate, aURL) == 200, "a.example.test still refused after the reload\n\(fx.gate.diagnostics)")

            // The keep-alive connection from before the reload still works.
            try keep.sendGet("\(fx.s3)/delay?ms=0")
            let again = keep.readResponse()
            #expect(again?.status == 200, "keep-alive connection broken by the reload: \(String(describing: again?.head))\n\(fx.gate.diagnostics)")
            #expect(fx.gate.process.isRunning)
        }

        @Test(.timeLimit(.minutes(1))) func brokenReloadKeepsThePreviousPolicy() throws {
            let fx = try OpsFixture("reload-bad") { $0.allowHosts = ["*.amazonaws.com"] }
            defer { fx.cleanup() }
            let aURL = "http://\(Names.a)/delay?ms=0"

            let keep = try RawConnection(port: fx.gate.port)
            try keep.sendGet("\(fx.s3)/delay?ms=0")
            #expect(keep.readResponse()?.status == 200, "\(fx.gate.diagnostics)")

            var broken = fx.config
            broken.allowHosts.append(Names.a)   // would allow a.example.test, were the file valid
            broken.extra = "bogus_reload_key: 1\n"
            try fx.rewriteConfig(broken.yaml(auditPath: fx.gate.auditPath))
            try fx.gate.signal(SIGHUP)

            let recs = Self.reloadRecords(fx.gate, count: 1)
            #expect(recs.count == 1, "no config_reload audit line\n\(fx.gate.diagnostics)")
            if let rec = recs.first {
                #expect(rec.decision == "deny", "\(rec)")
                #expect(rec.string("reason")?.contains("bogus_reload_key") == true, "the error is not in reason: \(rec)")
                #expect(rec.missingKeys.isEmpty, "missing \(rec.missingKeys): \(rec)")
            }
            usleep(200_000)
            #expect(fx.gate.process.isRunning, "tlsgate exited on a broken reload\n\(fx.gate.diagnostics)")
            #expect(fx.gate.stderrText.contains("bogus_reload_key"), "stderr does not name the error:\n\(fx.gate.stderrText.suffix(1500))")

            // The old policy stays in force.
            #expect(try Self.status(fx.gate, "\(fx.s3)/delay?ms=0") == 200, "\(fx.gate.diagnostics)")
            #expect(try Self.status(fx.gate, aURL) == 403, "the broken file's allow_hosts took effect")
            try keep.sendGet("\(fx.s3)/delay?ms=0")
            #expect(keep.readResponse()?.status == 200, "keep-alive connection broken by the failed reload\n\(fx.gate.diagnostics)")

            // Fixing the file and reloading again works.
            var fixed = broken
            fixed.extra = ""
            try fx.rewriteConfig(fixed.yaml(auditPath: fx.gate.auditPath))
            try fx.gate.signal(SIGHUP)
            let both = Self.reloadRecords(fx.gate, count: 2)
            #expect(both.count == 2 && both.last?.decision == "allow", "\(both)\n\(fx.gate.diagnostics)")
            #expect(try Self.status(fx.gate, aURL) == 200, "\(fx.gate.diagnostics)")
        }
    }
}
