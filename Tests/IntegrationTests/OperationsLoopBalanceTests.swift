import Foundation
import Testing

extension Operations {
    /// Client connections are spread over the event loops, and each loop's count
    /// (`tlsgate_event_loop_connections`) follows connections that open, close or are refused.
    @Suite(.serialized)
    struct LoopBalanceTests {
        static func loads(_ text: String) -> [Double] {
            (0..<2).map { metric(text, #"tlsgate_event_loop_connections{loop="\#($0)"}"#) ?? -1 }
        }

        @Test(.timeLimit(.minutes(1))) func aBurstOfKeepAliveClientsIsSharedAndCounted() throws {
            let clients = 40
            let fx = try OpsFixture("loops") { c in
                c.admin = "127.0.0.1:0"
                c.allowHosts = ["*.amazonaws.com"]
                c.eventLoops = "2"
                c.maxConnections = clients
            }
            defer { fx.cleanup() }
            let gate = fx.gate
            // All connect first; the proxy accepts a connection once its first bytes arrive
            // (TCP_DEFER_ACCEPT), so the requests below reach the loops as one burst.
            var conns: [RawConnection] = []
            for _ in 0..<clients { conns.append(try RawConnection(port: gate.port)) }
            for c in conns { try c.sendGet("\(fx.s3)/delay?ms=0") }
            for (i, c) in conns.enumerated() {
                #expect(c.readResponse()?.status == 200, "client \(i)\n\(gate.diagnostics)")
            }
            // One more is refused (limits.max_connections) and must not stay counted.
            let extra = try RawConnection(port: gate.port)
            try extra.sendGet("\(fx.s3)/delay?ms=0")
            #expect(extra.readResponse()?.status == 503)
            extra.close()

            var loads = Self.loads(try gate.metricsText())
            print("[LoopBalance] \(clients) keep-alive clients: loop connections \(loads)")
            #expect(loads.reduce(0, +) == Double(clients), "per-loop counts \(loads)")
            // Two loops may differ by 16, or by the smaller count when that is more: 40 split no
            // worse than 28 / 12.
            #expect(loads.min() ?? 0 >= 12, "per-loop counts \(loads)")

            for c in conns { c.close() }
            for _ in 0..<100 where loads != [0, 0] {
                Thread.sleep(forTimeInterval: 0.05)
                loads = Self.loads(try gate.metricsText())
            }
            #expect(loads == [0, 0], "per-loop counts after every client left: \(loads)")
        }
    }
}
