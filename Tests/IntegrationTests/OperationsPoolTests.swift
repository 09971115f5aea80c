import Foundation
import Testing

extension Operations {
    /// The upstream connection pool (forward mode): connections outlive the client connections that
    /// opened them, idle clients give theirs back, and /metrics shows it all. One event loop
    /// (`TLSGATE_LOOPS=1`), so every client shares one pool and the counts are exact.
    @Suite(.serialized)
    struct PoolTests {
        static func fixture(_ label: String) throws -> OpsFixture {
            try OpsFixture(label, gateEnv: ["TLSGATE_LOOPS": "1"]) { c in
                c.admin = "127.0.0.1:0"
                c.allowHosts = ["*.amazonaws.com"]
            }
        }

        static func value(_ fx: OpsFixture, _ series: String) throws -> Double? {
            metric(try fx.gate.metricsText(), series)
        }

        /// Polls (bounded) until the series has `expected`; returns the last value seen.
        static func waitFor(_ fx: OpsFixture, _ series: String, _ expected: Double, timeout: Double = 5) throws -> Double? {
            let end = Date().addingTimeInterval(timeout)
            var seen = try value(fx, series)
            while seen != expected && Date() < end {
                usleep(50_000)
                seen = try value(fx, series)
            }
            return seen
        }

        /// The origin's count of open connections, once its stats file (rewritten every 50 ms) says `expected`.
        static func originOpen(_ fx: OpsFixture, _ expected: Int) -> Int {
            var seen = fx.upstream.stats().open
            for _ in 0..<40 where seen != expected {
                usleep(50_000)
                seen = fx.upstream.stats().open
            }
            return seen
        }

        @Test(.timeLimit(.minutes(1))) func clientsOneAfterAnotherShareOneUpstreamConnection() throws {
            let fx = try Self.fixture("pool-reuse")
            defer { fx.cleanup() }
            // Five clients, each with its own connection and one request (the way CLI tools work).
            for i in 0..<5 {
                let c = try RawConnection(port: fx.gate.port)
                try c.sendGet("\(fx.s3)/delay?ms=0&client=\(i)", headers: ["Connection": "close"])
                #expect(c.readResponse()?.status == 200, "client \(i)\n\(fx.gate.diagnostics)")
                c.close()
            }
            #expect(try Self.value(fx, "tlsgate_upstream_connections_total") == 1, "\(fx.gate.diagnostics)")
            #expect(try Self.value(fx, "tlsgate_upstream_reused_total") == 4)
            #expect(try Self.waitFor(fx, "tlsgate_upstream_pool_idle", 1) == 1, "the connection waits in the pool")
            #expect(Self.originOpen(fx, 1) == 1, "the origin has one connection open: \(fx.upstream.stats())")
            let audit = fx.gate.waitForAudit(count: 5) { $0.path?.contains("client=") == true }
            #expect(audit.count == 5 && audit.allSatisfy { $0.status == 200 }, "\(audit)")
        }

        @Test(.timeLimit(.minutes(1))) func anIdleKeepAliveClientGivesItsUpstreamConnectionBack() throws {
            let fx = try Self.fixture("pool-park")
            defer { fx.cleanup() }
            let idle = try RawConnection(port: fx.gate.port)
            defer { idle.close() }
            try idle.sendGet("\(fx.s3)/delay?ms=0&first=1")
            #expect(idle.readResponse()?.status == 200, "\(fx.gate.diagnostics)")
            // The client stays connected but quiet: after about a second its upstream connection
            // is parked in the pool, where another client picks it up.
            #expect(try Self.waitFor(fx, "tlsgate_upstream_pool_idle", 1) == 1, "parked after the client went idle")
            let other = try RawConnection(port: fx.gate.port)
            try other.sendGet("\(fx.s3)/delay?ms=0&other=1", headers: ["Connection": "close"])
            #expect(other.readResponse()?.status == 200)
            other.close()
            // The idle client's next request finds the connection in the pool again.
            try idle.sendGet("\(fx.s3)/delay?ms=0&second=1")
            #expect(idle.readResponse()?.status == 200, "\(fx.gate.diagnostics)")
            #expect(try Self.value(fx, "tlsgate_upstream_connections_total") == 1, "\(fx.gate.diagnostics)")
            #expect(try Self.value(fx, "tlsgate_upstream_reused_total") == 2)
            #expect(Self.originOpen(fx, 1) == 1, "\(fx.upstream.stats())")
        }
    }
}

extension Operations {
    /// `event_loops`: how many event-loop threads serve connections.
    @Suite(.serialized)
    struct EventLoopCountTests {
        @Test(.timeLimit(.minutes(1)), arguments: ["1", "3"])
        func theConfiguredNumberOfLoopsServes(_ loops: String) throws {
            let fx = try OpsFixture("loops-\(loops)") { $0.eventLoops = loops }
            defer { fx.cleanup() }
            #expect(fx.gate.stderrText.contains("event_loops=\(loops)"), "\(fx.gate.stderrText.suffix(2000))")
            // Concurrent clients all get answers, whichever loop accepted them.
            var clients: [RawConnection] = []
            for i in 0..<8 {
                let c = try RawConnection(port: fx.gate.port)
                try c.sendGet("\(fx.s3)/delay?ms=20&n=\(i)")
                clients.append(c)
            }
            for (i, c) in clients.enumerated() {
                #expect(c.readResponse()?.status == 200, "client \(i)\n\(fx.gate.diagnostics)")
                c.close()
            }
        }
    }
}
