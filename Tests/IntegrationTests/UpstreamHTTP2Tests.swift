import Foundation
import Testing

/// HTTP/2 upstreams (`upstream.http2: auto`, the default): an origin that picks `h2` by ALPN is
/// multiplexed, one shared TLS connection per event loop carrying the requests of many client
/// connections. Real peers: nginx (`listen ... ssl http2`) as the h2 origin, upstream.py behind it
/// for the dynamic endpoints and as an HTTP/1.1-only origin; curl as forward and intercepted client.
@Suite(.serialized)
struct UpstreamHTTP2Tests {
    /// A test CA, upstream.py (HTTP/1.1 only, at `Names.other`), nginx in front of it (h2, at
    /// `Names.a`), and one tlsgate on one event loop (so every request shares the loop's pool).
    final class Fixture {
        let dir: TempDir
        let certs: CertFactory
        let upstream: Upstream
        let nginx: NginxH2Origin
        let gate: TLSGate
        let interceptCA: CertPair?

        init(_ label: String, maxConcurrentStreams: Int = 128, keepaliveRequests: Int = 1000, intercept: Bool = false,
             configure: (inout GateConfig) -> Void = { _ in }) throws {
            dir = try TempDir(label)
            do {
                certs = try CertFactory(dir: dir)
                let leaf = try certs.leaf([Names.a, Names.other])
                upstream = try Upstream(cert: leaf, dir: dir)
                nginx = try NginxH2Origin(cert: leaf, dir: dir, backend: upstream, maxConcurrentStreams: maxConcurrentStreams,
                                          keepaliveRequests: keepaliveRequests)
                var config = GateConfig(caBundle: certs.ca.cert)
                config.resolve[Names.a] = nginx.target
                config.resolve[Names.other] = upstream.target
                config.eventLoops = "1"
                config.admin = "127.0.0.1:0"
                if intercept {
                    let ca = try certs.interceptCA()
                    interceptCA = ca
                    config.enableIntercept(ca: ca, hosts: ["*.example.test"])
                    config.extra = config.extra.replacingOccurrences(of: "intercept:\n  enabled: true\n",
                                                                     with: "intercept:\n  enabled: true\n  http2: true\n")
                } else {
                    interceptCA = nil
                }
                configure(&config)
                gate = try TLSGate(config, dir: dir)
            } catch {
                dir.cleanup()
                throw error
            }
        }

        /// curl through the proxy (forward mode: plain http:// URLs; intercept: https:// with the intercept CA).
        func curl(_ args: [String], timeout: Double = 60) throws -> ExecResult {
            let trust = interceptCA.map { ["--cacert", $0.cert] } ?? []
            return try Curl.run(["-x", gate.proxyURL, "--max-time", "\(Int(timeout))"] + trust + args, timeout: timeout + 10)
        }

        /// `n` curls at once (background jobs of one shell: each its own client connection);
        /// each one's `-w` output, in order.
        func parallelCurls(_ n: Int, _ args: (Int) -> [String]) -> [String] {
            let trust = interceptCA.map { ["--cacert", $0.cert] } ?? []
            func quoted(_ a: String) -> String { "'" + a.replacingOccurrences(of: "'", with: "'\\''") + "'" }
            var script = ""
            for i in 0..<n {
                let argv = ["curl", "-x", gate.proxyURL, "--max-time", "60"] + trust + args(i)
                script += argv.map(quoted).joined(separator: " ") + " > \(quoted(dir.file("w\(i)"))) 2>&1 &\n"
            }
            script += "wait\n"
            _ = try? Exec.run("bash", ["-c", script], timeout: 120)
            return (0..<n).map { (try? String(contentsOfFile: dir.file("w\($0)"), encoding: .utf8)) ?? "" }
        }

        /// Request lines of the audit (forward or intercept) for `path`.
        func requestLines(count: Int, path: String? = nil) -> [AuditRecord] {
            gate.waitForAudit(count: count, timeout: 10) { rec in
                rec.event == "request" && (path.map { rec.path == $0 } ?? true)
            }
        }

        func cleanup() {
            gate.stop()
            nginx.stop()
            upstream.stop()
            dir.cleanup()
        }
    }

    static let sizes = [0, 1, 16383, 16384, 16385, 1 << 20]

    // MARK: - Forward mode: h1 client -> h2 origin

    @Test func forwardPlainClientsGoToAnH2OriginByteExactBothWays() throws {
        let f = try Fixture("h2up-forward")
        defer { f.cleanup() }
        for n in Self.sizes {
            try f.nginx.serve("f\(n)", Pattern.bytes(n))
            let out = f.dir.file("d\(n)")
            let r = try f.curl(["-s", "-o", out, "-w", "%{http_code}", "http://\(Names.a)/f\(n)"])
            #expect(r.stdoutText == "200", "download \(n): \(r.stdoutText) \(r.stderrText)\n\(f.gate.diagnostics)")
            #expect(FileManager.default.contents(atPath: out) == Pattern.bytes(n), "download of \(n) bytes is byte-exact")
        }
        // Uploads: Content-Length bodies, then one of unknown length (chunked from the client; DATA upstream).
        for n in Self.sizes + [8 << 20] {
            let payload = Data((0..<n).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) })
            let file = try f.dir.write("u\(n)", payload)
            let out = f.dir.file("e\(n)")
            let r = try f.curl(["-s", "--data-binary", "@\(file)", "-o", out, "-w", "%{http_code}", "http://\(Names.a)/echo"])
            #expect(r.stdoutText == "200", "upload \(n): \(r.stdoutText) \(r.stderrText)\n\(f.gate.diagnostics)")
            #expect(FileManager.default.contents(atPath: out) == payload, "echo of \(n) bytes is byte-exact")
        }
        let big = Data((0..<(4 << 20) + 3).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let bigFile = try f.dir.write("big", big)
        let r = try f.curl(["-s", "-H", "Transfer-Encoding: chunked", "--data-binary", "@\(bigFile)", "-o", f.dir.file("ebig"),
                            "-w", "%{http_code}", "http://\(Names.a)/echo"])
        #expect(r.stdoutText == "200" && FileManager.default.contents(atPath: f.dir.file("ebig")) == big, "chunked upload")
        // A chunked download from the origin's backend (no content-length on the h2 side).
        let c = try f.curl(["-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                            "http://\(Names.a)/chunked?size=3000001&chunk=7777"])
        #expect(c.stdoutText == "200 3000001", "\(c.stdoutText)")

        let total = Self.sizes.count * 2 + 3
        let lines = f.requestLines(count: total)
        #expect(lines.count == total && lines.allSatisfy { $0.string("upstream_http_version") == "2" && $0.status == 200 },
                "\(lines.map(\.line).joined(separator: "\n"))")
        // The origin saw HTTP/2 only, on one connection (every client connection shared it).
        let seen = f.nginx.requests()
        #expect(seen.count == total && seen.allSatisfy { $0.proto == "HTTP/2.0" }, "\(seen)")
        #expect(Set(seen.map(\.connection)).count == 1, "\(seen.map(\.connection))")
        let metrics = try f.gate.metricsText()
        #expect(metric(metrics, "tlsgate_upstream_http2_connections_total") == 1, "\(metrics)")
        #expect(metric(metrics, "tlsgate_upstream_http2_streams_total") == Double(total))
    }

    @Test func concurrentClientsShareOneUpstreamConnection() throws {
        let f = try Fixture("h2up-share")
        defer { f.cleanup() }
        try f.nginx.serve("m", Pattern.bytes(1 << 20))
        // The first request teaches the loop that the origin speaks h2; then 24 clients at once.
        let warm = try f.curl(["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://\(Names.a)/m"])
        #expect(warm.stdoutText == "200")
        let results = f.parallelCurls(24) { i in
            ["-s", "-o", f.dir.file("p\(i)"), "-w", "%{http_code}", "http://\(Names.a)/m"]
        }
        #expect(results.allSatisfy { $0 == "200" }, "\(results)\n\(f.gate.diagnostics)")
        for i in 0..<24 {
            #expect(FileManager.default.contents(atPath: f.dir.file("p\(i)")) == Pattern.bytes(1 << 20), "client \(i) body")
        }
        let seen = f.nginx.requests()
        #expect(seen.count == 25 && Set(seen.map(\.connection)).count == 1, "one upstream TLS connection: \(seen.map(\.connection))")
    }

    @Test func aSecondConnectionOpensOnlyBeyondMaxConcurrentStreams() throws {
        let f = try Fixture("h2up-mcs", maxConcurrentStreams: 2)
        defer { f.cleanup() }
        try f.nginx.serve("m", Pattern.bytes(4 << 20))
        let warm = try f.curl(["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://\(Names.a)/m"])
        #expect(warm.stdoutText == "200")
        let results = f.parallelCurls(10) { i in
            ["-s", "--limit-rate", "4M", "-o", f.dir.file("p\(i)"), "-w", "%{http_code}", "http://\(Names.a)/m"]
        }
        #expect(results.allSatisfy { $0 == "200" }, "\(results)\n\(f.gate.diagnostics)")
        for i in 0..<10 {
            #expect(FileManager.default.contents(atPath: f.dir.file("p\(i)")) == Pattern.bytes(4 << 20), "client \(i) body")
        }
        // More than one connection (the origin allows 2 streams each), far fewer than one per request.
        let connections = Set(f.nginx.requests().map(\.connection))
        #expect(connections.count >= 2 && connections.count <= 6, "\(f.nginx.requests())")
        let lines = f.requestLines(count: 11)
        #expect(lines.allSatisfy { $0.status == 200 && $0.string("upstream_http_version") == "2" })
    }

    @Test func goAwayFromTheOriginKeepsRequestsSucceeding() throws {
        // nginx ends each connection with GOAWAY after 3 requests.
        let f = try Fixture("h2up-goaway", keepaliveRequests: 3)
        defer { f.cleanup() }
        try f.nginx.serve("s", Pattern.bytes(20000))
        for i in 0..<10 {
            let r = try f.curl(["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://\(Names.a)/s?\(i)"])
            #expect(r.stdoutText == "200", "sequential \(i): \(r.stdoutText) \(r.stderrText)\n\(f.gate.diagnostics)")
        }
        let results = f.parallelCurls(12) { i in
            ["-s", "-o", f.dir.file("g\(i)"), "-w", "%{http_code}", "http://\(Names.a)/s?p\(i)"]
        }
        #expect(results.allSatisfy { $0 == "200" }, "\(results)\n\(f.gate.diagnostics)")
        for i in 0..<12 { #expect(FileManager.default.contents(atPath: f.dir.file("g\(i)")) == Pattern.bytes(20000)) }
        let seen = f.nginx.requests()
        let perConnection = Dictionary(grouping: seen, by: \.connection).mapValues(\.count)
        #expect(perConnection.values.allSatisfy { $0 <= 3 } && perConnection.count >= 8, "\(perConnection)")
        let metrics = try f.gate.metricsText()
        #expect((metric(metrics, "tlsgate_upstream_http2_goaways_total") ?? 0) >= 3, "\(metrics)")
    }

    /// A client that reads slowly holds only its own stream's window: other clients' streams on
    /// the same upstream connection go on at full speed meanwhile.
    @Test func aSlowClientDoesNotStallOtherStreamsOnTheSharedConnection() throws {
        let f = try Fixture("h2up-stall")
        defer { f.cleanup() }
        try f.nginx.serve("big", Pattern.bytes(6 << 20))
        try f.nginx.serve("m", Pattern.bytes(1 << 20))
        let warm = try f.curl(["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://\(Names.a)/m"])
        #expect(warm.stdoutText == "200")
        // 6 MiB at 600 KB/s: about ten seconds on the shared connection.
        let slow = try ManagedProcess(name: "slow-curl", program: "curl",
                                      arguments: ["-s", "-x", f.gate.proxyURL, "--limit-rate", "600k", "-o", f.dir.file("slow"),
                                                  "-w", "%{http_code}", "http://\(Names.a)/big"], dir: f.dir)
        defer { slow.stop() }
        Thread.sleep(forTimeInterval: 1)
        for i in 0..<5 {
            let r = try f.curl(["-s", "-o", f.dir.file("fast\(i)"), "-w", "%{http_code}", "http://\(Names.a)/m"])
            #expect(r.stdoutText == "200" && FileManager.default.contents(atPath: f.dir.file("fast\(i)")) == Pattern.bytes(1 << 20))
        }
        #expect(slow.stdoutText.isEmpty, "the slow download is still running while the fast ones completed")
        let deadline = Date().addingTimeInterval(40)
        while slow.stdoutText.isEmpty && Date() < deadline { usleep(200_000) }
        #expect(slow.stdoutText == "200" && FileManager.default.contents(atPath: f.dir.file("slow")) == Pattern.bytes(6 << 20))
        let seen = f.nginx.requests()
        #expect(seen.count == 7 && Set(seen.map(\.connection)).count == 1, "all on one upstream connection: \(seen)")
    }

    // MARK: - Which mapping when

    @Test func anHTTP11OnlyOriginStillWorksWithAuto() throws {
        let f = try Fixture("h2up-h1origin")
        defer { f.cleanup() }
        let r = try f.curl(["-s", "-o", f.dir.file("b"), "-w", "%{http_code}", "http://\(Names.other)/bytes/100000"])
        #expect(r.stdoutText == "200" && FileManager.default.contents(atPath: f.dir.file("b")) == Pattern.bytes(100000),
                "\(r.stdoutText) \(r.stderrText)\n\(f.gate.diagnostics)")
        let line = f.requestLines(count: 1).first
        #expect(line?.status == 200 && line?.string("upstream_http_version") != "2", "\(line?.line ?? "no line")")
    }

    @Test func upstreamHTTP2OffForcesHTTP11() throws {
        let f = try Fixture("h2up-off") { $0.upstreamHTTP2 = "off" }
        defer { f.cleanup() }
        try f.nginx.serve("f", Pattern.bytes(70000))
        for _ in 0..<2 {
            let r = try f.curl(["-s", "-o", f.dir.file("b"), "-w", "%{http_code}", "http://\(Names.a)/f"])
            #expect(r.stdoutText == "200" && FileManager.default.contents(atPath: f.dir.file("b")) == Pattern.bytes(70000),
                    "\(r.stdoutText) \(r.stderrText)\n\(f.gate.diagnostics)")
        }
        let seen = f.nginx.requests()
        #expect(seen.count == 2 && seen.allSatisfy { $0.proto == "HTTP/1.1" }, "\(seen)")
        #expect(f.requestLines(count: 2).allSatisfy { $0.string("upstream_http_version") != "2" })
    }

    // MARK: - Intercept: h1 and h2 clients -> h2 origin

    @Test func interceptedH1AndH2ClientsShareTheH2Origin() throws {
        let f = try Fixture("h2up-intercept", intercept: true)
        defer { f.cleanup() }
        try f.nginx.serve("m", Pattern.bytes(1 << 20))
        let payload = Data((0..<(1 << 20) + 1).map { UInt8(truncatingIfNeeded: $0 &* 13) })
        let file = try f.dir.write("up", payload)
        for version in ["--http1.1", "--http2"] {
            let d = try f.curl(["-s", version, "-o", f.dir.file("d"), "-w", "%{http_code} %{http_version}",
                                "https://\(Names.a)/m"])
            #expect(d.stdoutText.hasPrefix("200 "), "\(version): \(d.stdoutText) \(d.stderrText)\n\(f.gate.diagnostics)")
            #expect(FileManager.default.contents(atPath: f.dir.file("d")) == Pattern.bytes(1 << 20), "\(version) download")
            let u = try f.curl(["-s", version, "--data-binary", "@\(file)", "-o", f.dir.file("e"), "-w", "%{http_code}",
                                "https://\(Names.a)/echo"])
            #expect(u.stdoutText == "200" && FileManager.default.contents(atPath: f.dir.file("e")) == payload, "\(version) upload")
        }
        // Several h2 client connections at once (streams of different intercepted connections).
        let results = f.parallelCurls(8) { i in
            ["-s", "--http2", "-o", f.dir.file("p\(i)"), "-w", "%{http_code}", "https://\(Names.a)/m"]
        }
        #expect(results.allSatisfy { $0 == "200" }, "\(results)\n\(f.gate.diagnostics)")
        let lines = f.gate.waitForAudit(count: 12, timeout: 10) { $0.event == "request" && $0.mode == "intercept" }
        #expect(lines.count == 12 && lines.allSatisfy { $0.status == 200 && $0.string("upstream_http_version") == "2" },
                "\(lines.map(\.line).joined(separator: "\n"))")
        #expect(lines.filter { $0.string("http_version") == "2" }.count == 10)
        let seen = f.nginx.requests()
        #expect(seen.count == 12 && seen.allSatisfy { $0.proto == "HTTP/2.0" } && Set(seen.map(\.connection)).count == 1,
                "\(seen)")
    }

    // MARK: - Resets, refusals and trailers (python-h2 origin: Support/h2origin.py)

    /// A python-h2 origin (h2 only) at `Names.a`, one tlsgate (intercepting with HTTP/2 on).
    final class H2PyFixture {
        let dir: TempDir
        let origin: ManagedProcess
        let gate: TLSGate
        let interceptCA: CertPair

        init(_ label: String) throws {
            dir = try TempDir(label)
            do {
                let certs = try CertFactory(dir: dir)
                let leaf = try certs.leaf([Names.a])
                origin = try ManagedProcess(name: "h2origin", program: Paths.python,
                                            arguments: [Paths.script("h2origin.py"), "--cert", leaf.cert, "--key", leaf.key], dir: dir)
                let port = try origin.waitForPort(#"^(\d+)\n"#, timeout: 15)
                var config = GateConfig(caBundle: certs.ca.cert)
                config.resolve[Names.a] = "127.0.0.1:\(port)"
                config.eventLoops = "1"
                config.admin = "127.0.0.1:0"
                interceptCA = try certs.interceptCA()
                config.enableIntercept(ca: interceptCA, hosts: ["*.example.test"])
                config.extra = config.extra.replacingOccurrences(of: "intercept:\n  enabled: true\n",
                                                                 with: "intercept:\n  enabled: true\n  http2: true\n")
                gate = try TLSGate(config, dir: dir)
            } catch {
                dir.cleanup()
                throw error
            }
        }

        func curl(_ args: [String]) throws -> ExecResult {
            try Curl.run(["-x", gate.proxyURL, "--max-time", "20", "--cacert", interceptCA.cert] + args, timeout: 30)
        }

        func cleanup() {
            gate.stop()
            origin.stop()
            dir.cleanup()
        }
    }

    @Test func anOriginResetEndsThatRequestOnlyAndRefusedStreamsAreRetried() throws {
        let f = try H2PyFixture("h2up-reset")
        defer { f.cleanup() }
        let ok = try f.curl(["-s", "http://\(Names.a)/first"])
        #expect(ok.status == 0 && ok.stdoutText == "ok /first", "\(ok.stdoutText) \(ok.stderrText)\n\(f.gate.diagnostics)")
        // RST_STREAM after the head and 1000 bytes: the client's response is cut off (curl 18).
        let reset = try f.curl(["-s", "-o", "/dev/null", "http://\(Names.a)/reset"])
        #expect(reset.status == 18, "curl exit \(reset.status) \(reset.stderrText)")
        let line = f.gate.waitForAudit { $0.event == "request" && $0.path == "/reset" }
        #expect(line?.string("reason")?.contains("reset the HTTP/2 stream (INTERNAL_ERROR)") == true, "\(line?.line ?? "no line")")
        // An h2 client: the reset reaches it as a reset of its stream; its connection goes on.
        let h2 = try f.curl(["-s", "--http2", "-o", "/dev/null", "https://\(Names.a)/reset"])
        #expect(h2.status != 0, "the h2 client saw the stream fail")
        // REFUSED_STREAM (nothing processed): the GET is sent again and succeeds.
        let refused = try f.curl(["-s", "http://\(Names.a)/refuse-once/k1"])
        #expect(refused.status == 0 && refused.stdoutText == "ok", "\(refused.stdoutText) \(refused.stderrText)\n\(f.gate.diagnostics)")
        // Still the one upstream connection: resets ended streams, not the connection.
        let after = try f.curl(["-s", "http://\(Names.a)/after"])
        #expect(after.stdoutText == "ok /after")
        let metrics = try f.gate.metricsText()
        #expect(metric(metrics, "tlsgate_upstream_http2_connections_total") == 1, "\(metrics)")
        #expect(metric(metrics, "tlsgate_upstream_http2_retries_total") == 1)
        #expect((metric(metrics, "tlsgate_upstream_http2_resets_total") ?? 0) >= 3)
        #expect(metric(metrics, "tlsgate_upstream_http2_streams_open") == 0)
    }

    @Test func originTrailersReachHTTP11AndHTTP2Clients() throws {
        let f = try H2PyFixture("h2up-trailers")
        defer { f.cleanup() }
        // h2 origin -> h1 client (forward): chunked coding with the trailer fields.
        let h1 = try f.curl(["-s", "-D", f.dir.file("h1"), "http://\(Names.a)/trailers"])
        #expect(h1.status == 0 && h1.stdoutText == "hello", "\(h1.stdoutText) \(h1.stderrText)\n\(f.gate.diagnostics)")
        let h1Head = ((try? String(contentsOfFile: f.dir.file("h1"), encoding: .utf8)) ?? "").lowercased()
        #expect(h1Head.contains("transfer-encoding: chunked") && h1Head.contains("x-checksum: abc") && h1Head.contains("x-count: 5"), "\(h1Head)")
        // h2 origin -> h2 client (intercept): an HTTP/2 trailer block.
        let h2 = try f.curl(["-s", "--http2", "-D", f.dir.file("h2"), "https://\(Names.a)/trailers"])
        #expect(h2.status == 0 && h2.stdoutText == "hello", "\(h2.stdoutText) \(h2.stderrText)\n\(f.gate.diagnostics)")
        let h2Head = ((try? String(contentsOfFile: f.dir.file("h2"), encoding: .utf8)) ?? "").lowercased()
        #expect(h2Head.contains("http/2 200") && h2Head.contains("x-checksum: abc"), "\(h2Head)")
        // h1 client's chunked trailers -> an HTTP/2 trailer block upstream (the origin echoes them as headers).
        let script = """
            import socket, sys
            s = socket.create_connection(("127.0.0.1", \(f.gate.port)))
            s.sendall(b"POST http://\(Names.a)/t HTTP/1.1\\r\\nHost: \(Names.a)\\r\\nTransfer-Encoding: chunked\\r\\nConnection: close\\r\\n\\r\\n"
                      b"5\\r\\nhello\\r\\n0\\r\\nx-up: yes\\r\\n\\r\\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk: break
                data += chunk
            sys.stdout.write(data.decode("latin-1"))
            """
        let raw = try Exec.run(Paths.python, ["-c", script], timeout: 20)
        #expect(raw.stdoutText.lowercased().contains("x-req-trailer-x-up: yes") && raw.stdoutText.hasSuffix("ok /t"),
                "\(raw.stdoutText) \(raw.stderrText)")
        let lines = f.gate.waitForAudit(count: 2) { $0.event == "request" && $0.path == "/trailers" }
        #expect(lines.count == 2 && lines.allSatisfy { $0.string("upstream_http_version") == "2" }, "\(lines)")
    }
}
