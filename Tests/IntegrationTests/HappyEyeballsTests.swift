import Foundation
import Testing

/// RFC 8305 connection racing with real sockets: an address that drops SYNs (a loopback listener
/// whose accept queue is full) must not hold a request up until the connect timeout; the next
/// address is tried after 250 ms, the winner is used and the stalled attempt is closed.
@Suite(.serialized)
struct HappyEyeballsIntegrationTests {
    /// tlsgate's sockets still in SYN_SENT to `port` after up to 2 s (the losing attempts must be closed).
    static func synSentSockets(of pid: Int32?, to port: Int) throws -> [String] {
        try tcpSockets(of: pid, state: "syn-sent", toPort: port, waitingForNone: 2)
    }

    /// A dropper and an upstream on `upstreamHost`; a.example.test resolves to [dropper, upstream]
    /// (dropper first); the connect timeout (30 s) is far beyond curl's limit (10 s).
    static func fixture(_ label: String, dropperHost: String, upstreamHost: String,
                        body: (TempDir, CertFactory, SynDropper, Upstream, TLSGate) throws -> Void) throws {
        let dir = try TempDir(label)
        defer { dir.cleanup() }
        let certs = try CertFactory(dir: dir)
        let dropper = try SynDropper(dir: dir, host: dropperHost)
        defer { dropper.stop() }
        let upstream = try Upstream(cert: try certs.leaf([Names.a]), dir: dir, host: upstreamHost)
        defer { upstream.stop() }
        var config = GateConfig(caBundle: certs.ca.cert)
        config.resolveLists[Names.a] = [dropper.target, upstream.target]
        config.connectTimeout = "30s"
        let gate = try TLSGate(config, dir: dir)
        defer { gate.stop() }
        try body(dir, certs, dropper, upstream, gate)
    }

    @Test(arguments: [("127.0.0.1", "127.0.0.1"), ("127.0.0.1", "::1"), ("::1", "127.0.0.1")])
    func stalledAddressDoesNotDelayForwardRequests(dropperHost: String, upstreamHost: String) throws {
        try Self.fixture("he-fwd", dropperHost: dropperHost, upstreamHost: upstreamHost) { dir, _, _, upstream, gate in
            let r = try Curl.run(["-x", gate.proxyURL, "--max-time", "10", "-o", dir.file("body"), "-w", "%{http_code}",
                                  "http://\(Names.a)/bytes/5000"], timeout: 20)
            #expect(r.status == 0 && Curl.status(r) == 200,
                    "\(dropperHost)->\(upstreamHost): curl \(r.stderrText) (must not wait for the 30 s connect timeout)\n\(gate.diagnostics)")
            #expect(FileManager.default.contents(atPath: dir.file("body")) == Pattern.bytes(5000))
            let rec = gate.waitForAudit { $0.event == "request" && $0.host == Names.a }
            #expect(rec?.status == 200, "\(String(describing: rec))")
            #expect(rec?.string("upstream")?.hasSuffix(":\(upstream.port)") == true, "the upstream won: \(String(describing: rec))")
        }
    }

    @Test func stalledAttemptIsClosedOnceAnotherWins() throws {
        try Self.fixture("he-close", dropperHost: "127.0.0.1", upstreamHost: "::1") { dir, _, dropper, _, gate in
            let r = try Curl.run(["-x", gate.proxyURL, "--max-time", "10", "-o", dir.file("body"), "-w", "%{http_code}",
                                  "http://\(Names.a)/bytes/100"], timeout: 20)
            #expect(r.status == 0 && Curl.status(r) == 200, "curl \(r.stderrText)\n\(gate.diagnostics)")
            // tlsgate closed its SYN_SENT attempt to the dropper when the other address won.
            let left = try Self.synSentSockets(of: gate.pid, to: dropper.port)
            #expect(left.isEmpty, "tlsgate still has a connect in flight to the stalled address: \(left)")
        }
    }

    @Test(arguments: ["127.0.0.1", "::1"])
    func stalledAddressDoesNotDelayTunnels(upstreamHost: String) throws {
        try Self.fixture("he-tun", dropperHost: "127.0.0.1", upstreamHost: upstreamHost) { dir, certs, _, upstream, gate in
            let r = try Curl.run(["-x", gate.proxyURL, "--cacert", certs.ca.cert, "--max-time", "10",
                                  "-o", dir.file("body"), "-w", "%{http_code}", "https://\(Names.a)/bytes/5000"], timeout: 20)
            #expect(r.status == 0 && Curl.status(r) == 200, "curl \(r.stderrText)\n\(gate.diagnostics)")
            #expect(FileManager.default.contents(atPath: dir.file("body")) == Pattern.bytes(5000))
            let rec = gate.waitForAudit(timeout: 8) { $0.mode == "tunnel" && $0.host == Names.a }
            #expect(rec?.decision == "allow", "\(String(describing: rec))")
            _ = upstream
        }
    }

    /// Only stalled addresses: the connect timeout ends it with a 502 that says what was awaited.
    @Test func onlyStalledAddressesTimeOut() throws {
        let dir = try TempDir("he-timeout")
        defer { dir.cleanup() }
        let certs = try CertFactory(dir: dir)
        let d4 = try SynDropper(dir: dir, host: "127.0.0.1", name: "drop4")
        let d6 = try SynDropper(dir: dir, host: "::1", name: "drop6")
        defer { d4.stop(); d6.stop() }
        var config = GateConfig(caBundle: certs.ca.cert)
        config.resolveLists[Names.a] = [d4.target, d6.target]
        config.connectTimeout = "2s"
        let gate = try TLSGate(config, dir: dir)
        defer { gate.stop() }
        let r = try Curl.run(["-x", gate.proxyURL, "--max-time", "15", "-o", dir.file("body"), "-D", dir.file("h"),
                              "-w", "%{http_code}", "http://\(Names.a)/"], timeout: 25)
        #expect(Curl.status(r) == 502, "\(r.stdoutText) \(r.stderrText)")
        #expect(Curl.headers(file: dir.file("h"))["x-tlsgate-error"] == "upstream_unreachable")
        let body = String(decoding: FileManager.default.contents(atPath: dir.file("body")) ?? Data(), as: UTF8.self)
        #expect(body.contains("timed out after 2.0s waiting for a TCP connection"), "\(body)")
        let left = try Self.synSentSockets(of: gate.pid, to: d4.port) + Self.synSentSockets(of: gate.pid, to: d6.port)
        #expect(left.isEmpty, "attempts left in flight after the timeout: \(left)")
    }
}
