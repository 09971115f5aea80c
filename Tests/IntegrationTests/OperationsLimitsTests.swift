import Foundation
import Testing

extension Operations {
    /// `limits.*`: connection caps (total and per client), request head size, upstream connections
    /// per host.
    @Suite(.serialized)
    struct LimitsTests {
        /// Opens `count` keep-alive connections, each with one answered request (so each is admitted).
        static func openServed(_ fx: OpsFixture, count: Int) throws -> [RawConnection] {
            try (0..<count).map { i in
                let c = try RawConnection(port: fx.gate.port)
                try c.sendGet("\(fx.s3)/delay?ms=0&conn=\(i)")
                let r = c.readResponse()
                #expect(r?.status == 200, "connection \(i): \(String(describing: r?.head))\n\(fx.gate.diagnostics)")
                return c
            }
        }

        /// A new connection's answer to one GET.
        static func oneRequest(_ fx: OpsFixture, _ url: String) throws -> RawResponse? {
            let c = try RawConnection(port: fx.gate.port)
            defer { c.close() }
            try c.sendGet(url)
            return c.readResponse()
        }

        /// Retries a request on fresh connections (up to `timeout`) until it gets 200.
        static func eventuallyServed(_ fx: OpsFixture, timeout: Double = 5) throws -> Int? {
            let deadline = Date().addingTimeInterval(timeout)
            var last: Int? = nil
            repeat {
                last = try oneRequest(fx, "\(fx.s3)/delay?ms=0&retry=1")?.status
                if last == 200 { return 200 }
                usleep(100_000)
            } while Date() < deadline
            return last
        }

        static func checkConnectionLimit(_ fx: OpsFixture, limit: Int, reasonContains: String) throws {
            var open = try openServed(fx, count: limit)
            defer { open.forEach { $0.close() } }
            let over = try oneRequest(fx, "\(fx.s3)/delay?ms=0&over=1")
            #expect(over?.status == 503, "connection \(limit + 1): \(String(describing: over?.head))\n\(fx.gate.diagnostics)")
            #expect(over?.headers["x-tlsgate-error"] == "connection_limit", "\(String(describing: over?.head))")
            let rec = fx.gate.waitForAudit { $0.status == 503 && $0.string("reason")?.contains(reasonContains) == true }
            #expect(rec != nil, "no audit line for the refused connection\n\(fx.gate.diagnostics)")
            if let rec {
                #expect(rec.decision == "deny", "\(rec)")
                #expect(rec.missingKeys.isEmpty, "missing \(rec.missingKeys): \(rec)")
            }
            #expect(!fx.gate.auditRecords().contains { $0.path?.contains("over=1") == true },
                    "the refused connection's request was forwarded")

            // The existing connections are unaffected.
            try open[0].sendGet("\(fx.s3)/delay?ms=0&again=1")
            #expect(open[0].readResponse()?.status == 200, "\(fx.gate.diagnostics)")

            // Closing one frees a place.
            open.removeLast().close()
            #expect(try eventuallyServed(fx) == 200, "no connection accepted after one closed\n\(fx.gate.diagnostics)")
        }

        @Test(.timeLimit(.minutes(1))) func maxConnections() throws {
            let fx = try OpsFixture("lim-conn") { $0.maxConnections = 5 }
            defer { fx.cleanup() }
            try Self.checkConnectionLimit(fx, limit: 5, reasonContains: "max_connections")
        }

        @Test(.timeLimit(.minutes(1))) func maxConnectionsPerClient() throws {
            let fx = try OpsFixture("lim-client") { $0.maxConnectionsPerClient = 2 }
            defer { fx.cleanup() }
            try Self.checkConnectionLimit(fx, limit: 2, reasonContains: "max_connections_per_client")
        }

        @Test(.timeLimit(.minutes(1))) func tunnelsCountTowardMaxConnections() throws {
            let fx = try OpsFixture("lim-tunnel") { $0.maxConnections = 2 }
            defer { fx.cleanup() }
            let tunnels = try (0..<2).map { i in
                try BackgroundClient(["hold-tunnel", "--proxy", fx.gate.hostPort, "--host", Names.a,
                                      "--cafile", fx.certs.ca.cert, "--hold", "20"], dir: fx.dir, name: "tunnel\(i)")
            }
            defer { tunnels.forEach { $0.stop() } }
            for t in tunnels { try t.waitFor("^ready", timeout: 20) }
            let over = try Self.oneRequest(fx, "\(fx.s3)/delay?ms=0&over=1")
            #expect(over?.status == 503, "a third connection with two tunnels open: \(String(describing: over?.head))\n\(fx.gate.diagnostics)")
            #expect(over?.headers["x-tlsgate-error"] == "connection_limit", "\(String(describing: over?.head))")
        }

        @Test(.timeLimit(.minutes(1))) func maxRequestHeadBytes() throws {
            let fx = try OpsFixture("lim-head") { $0.maxRequestHeadBytes = 2048 }
            defer { fx.cleanup() }
            let c = try RawConnection(port: fx.gate.port)
            defer { c.close() }
            let pad = String(repeating: "a", count: 3000 - 120)
            try c.sendGet("\(fx.s3)/delay?ms=0", headers: ["X-Pad": pad])
            let r = c.readResponse()
            #expect(r?.status == 431, "\(String(describing: r?.head))\n\(fx.gate.diagnostics)")
            let rec = fx.gate.waitForAudit { $0.status == 431 }
            #expect(rec?.decision == "deny", "\(String(describing: rec))\n\(fx.gate.diagnostics)")
            #expect(fx.upstream.stats().arrived == 0, "the oversized head reached the upstream")
            // A head just under the limit is fine.
            let ok = try Self.oneRequest(fx, "\(fx.s3)/delay?ms=0&pad=\(String(repeating: "b", count: 1500))")
            #expect(ok?.status == 200, "\(String(describing: ok?.head))")
        }

        @Test(.timeLimit(.minutes(1))) func maxUpstreamPerHost() throws {
            let fx = try OpsFixture("lim-upstream") { $0.maxUpstreamPerHost = 1 }
            defer { fx.cleanup() }
            let first = try RawConnection(port: fx.gate.port)
            try first.sendGet("\(fx.s3)/delay?gate=1&ms=0&first=1")
            #expect(fx.upstream.waitForArrived(1, timeout: 10) == 1, "first request never reached the upstream\n\(fx.gate.diagnostics)")

            let second = try Self.oneRequest(fx, "\(fx.s3)/delay?ms=0&second=1")
            #expect(second?.status == 503, "\(String(describing: second?.head))\n\(fx.gate.diagnostics)")
            #expect(second?.headers["x-tlsgate-error"] == "upstream_busy", "\(String(describing: second?.head))")
            let rec = fx.gate.waitForAudit { $0.path?.contains("second=1") == true }
            #expect(rec?.status == 503, "\(String(describing: rec))\n\(fx.gate.diagnostics)")
            #expect(rec?.host == Names.s3, "\(String(describing: rec))")
            #expect(rec?.string("reason")?.contains("max_upstream_per_host") == true, "\(String(describing: rec))")
            // A refused request is a denial, like the connection-limit refusals.
            #expect(rec?.decision == "deny", "upstream_busy audited as \(rec?.decision ?? "-"): \(String(describing: rec))")
            print("[Operations] upstream_busy audit: \(String(describing: rec))")
            // Another host has its own budget.
            let other = try Self.oneRequest(fx, "http://\(Names.sts)/delay?ms=0")
            #expect(other?.status == 200, "another host was refused: \(String(describing: other?.head))")

            fx.upstream.release()
            let r = first.readResponse()
            #expect(r?.status == 200, "\(String(describing: r?.head))")
            first.close()   // a kept-alive upstream connection holds its slot until the client leaves
            #expect(try Self.eventuallyServed(fx) == 200, "the slot was not released\n\(fx.gate.diagnostics)")
            // Sequential requests (never two at once) on fresh connections are all served, whichever
            // event loop takes them: an idle upstream connection kept for reuse must not make the
            // next request fail with upstream_busy.
            var statuses: [Int?] = []
            for i in 0..<6 {
                statuses.append(try Self.oneRequest(fx, "\(fx.s3)/delay?ms=0&seq=\(i)")?.status)
            }
            #expect(statuses == Array(repeating: 200, count: 6), "sequential requests with max_upstream_per_host 1: \(statuses)\n\(fx.gate.diagnostics)")
        }
    }
}
