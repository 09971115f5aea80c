import Foundation
import Testing

/// HTTP/2 interception (`intercept.http2: true`): a client that picks `h2` by ALPN has each
/// stream served by the forward-mode request path (policy, audit, pool) and sent upstream over
/// HTTP/1.1. Real clients: curl --http2, Python httpx with HTTP/2.
@Suite(.serialized)
struct InterceptHTTP2Tests {
    static func fixture(_ label: String, admin: Bool = false) throws -> InterceptFixture {
        try InterceptFixture(label) { config in
            if admin { config.admin = "127.0.0.1:0" }
            config.extra = config.extra.replacingOccurrences(of: "intercept:\n  enabled: true\n",
                                                             with: "intercept:\n  enabled: true\n  http2: true\n")
        }
    }

    @Test func curlHTTP2GetIsServedAndAuditedAsHTTP2() throws {
        let f = try Self.fixture("h2-get")
        defer { f.cleanup() }
        let r = try f.curl(["--http2", "-o", f.dir.file("body"), "-w", "%{http_code} %{http_version}",
                            "https://\(Names.a)/headers?x=1"])
        #expect(r.status == 0 && r.stdoutText == "200 2", "curl: \(r.stdoutText) \(r.stderrText)\n\(f.gate.diagnostics)")
        let body = (try? String(contentsOfFile: f.dir.file("body"), encoding: .utf8)) ?? ""
        // The origin saw an HTTP/1.1 origin-form request with Host from :authority.
        #expect(body.contains("\"path\": \"/headers?x=1\"") && body.contains("\"version\": \"HTTP/1.1\""), "\(body)")
        #expect(body.contains("[\"Host\", \"a.example.test\"]") || body.contains("[\"host\", \"a.example.test\"]"), "\(body)")
        guard let rec = f.requestLines().first else {
            Issue.record("no intercept request line\n\(f.gate.diagnostics)")
            return
        }
        InterceptTests.expectInterceptLine(rec, "h2 GET")
        #expect(rec.string("http_version") == "2" && rec.string("upstream_http_version") == "1.1", "\(rec)")
        #expect(rec.host == Names.a && rec.status == 200 && rec.string("method") == "GET", "\(rec)")
        let tunnel = f.tunnelLine()
        #expect(tunnel?.int("requests") == 1, "\(tunnel?.description ?? "no tunnel line")")
    }

    @Test func curlHTTP2UploadsAndDownloadsAreByteExact() throws {
        let f = try Self.fixture("h2-body")
        defer { f.cleanup() }
        let payload = Data((0..<(1 << 20) + 7).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let upload = f.dir.file("up.bin")
        try payload.write(to: URL(fileURLWithPath: upload))
        // A body with content-length, then one of unknown length (chunked upstream), then a chunked download.
        let r1 = try f.curl(["--http2", "--data-binary", "@\(upload)", "-o", f.dir.file("r1"), "-D", f.dir.file("h1"),
                             "https://\(Names.a)/echo"])
        #expect(r1.status == 0, "\(r1.stderrText)\n\(f.gate.diagnostics)")
        #expect(FileManager.default.contents(atPath: f.dir.file("r1")) == payload, "echo with content-length")
        let r2 = try f.curl(["--http2", "-H", "Transfer-Encoding: chunked", "--data-binary", "@\(upload)",
                             "-o", f.dir.file("r2"), "-D", f.dir.file("h2"), "https://\(Names.a)/echo"])
        #expect(r2.status == 0, "\(r2.stderrText)")
        #expect(FileManager.default.contents(atPath: f.dir.file("r2")) == payload, "echo of a body of unknown length")
        let h2 = (try? String(contentsOfFile: f.dir.file("h2"), encoding: .utf8)) ?? ""
        #expect(h2.lowercased().contains("x-echo-framing: chunked"), "\(h2)")
        let r3 = try f.curl(["--http2", "-o", f.dir.file("r3"), "-w", "%{size_download}",
                             "https://\(Names.a)/chunked?size=3000001&chunk=7777"])
        #expect(r3.status == 0 && r3.stdoutText == "3000001", "\(r3.stdoutText) \(r3.stderrText)")
        #expect(f.requestLines(count: 3).count == 3)
    }

    @Test func httpxMultiplexes100StreamsWithByteExactBodies() throws {
        let f = try Self.fixture("h2-httpx")
        defer { f.cleanup() }
        let script = try f.dir.write("h2client.py", """
            import asyncio, hashlib, json, sys
            import httpx
            async def main():
                async with httpx.AsyncClient(http2=True, proxy=sys.argv[1], verify=sys.argv[2]) as c:
                    # One request first: httpx learns the connection is HTTP/2 and multiplexes the rest on it.
                    await c.get("https://\(Names.a)/bytes/1")
                    sizes = ([0, 1, 16383, 16384, 16385, 1048576] * 17)[:100]
                    rs = await asyncio.gather(*[c.get(f"https://\(Names.a)/bytes/{n}") for n in sizes])
                    block = bytes(range(256)) * 256
                    def pattern(n): return (block * (n // len(block) + 1))[:n]
                    print(json.dumps({"versions": sorted({r.http_version for r in rs}),
                                      "ok": all(r.status_code == 200 and r.content == pattern(n) for r, n in zip(rs, sizes)),
                                      "count": len(rs)}))
            asyncio.run(main())
            """)
        let r = try Exec.run(Paths.python, [script, f.gate.proxyURL, f.interceptCA.cert], timeout: 60)
        let doc = try r.json()
        #expect(doc["versions"] as? [String] == ["HTTP/2"] && doc["ok"] as? Bool == true && doc["count"] as? Int == 100,
                "\(doc) \(r.stderrText.suffix(2000))\n\(f.gate.diagnostics)")
        // All streams on one connection: one CONNECT (tunnel line) for the 101 requests.
        let tunnels = f.gate.waitForAudit(count: 1) { $0.event == "tunnel" && $0.mode == "intercept" }
        #expect(tunnels.count == 1 && tunnels.first?.int("requests") == 101, "\(tunnels)")
        #expect(f.requestLines(count: 101).filter { $0.string("http_version") == "2" }.count == 101)
    }

    /// A 128 MiB download over one stream in bounded memory: the stream's send buffer and window
    /// hold back the HTTP/1.1 side (socket pair, forward session, upstream) while the client reads.
    @Test func largeDownloadIsBoundedInMemory() throws {
        let f = try Self.fixture("h2-large")
        defer { f.cleanup() }
        let size = 128 * 1024 * 1024
        let r = try f.curl(["--http2", "-o", "/dev/null", "-w", "%{http_code} %{http_version} %{size_download}",
                            "https://\(Names.a)/bytes/\(size)"], timeout: 120)
        #expect(r.stdoutText == "200 2 \(size)", "\(r.stdoutText) \(r.stderrText)\n\(f.gate.diagnostics)")
        if let pid = f.gate.pid, let hwm = procStatusKB(pid: pid, field: "VmHWM") {
            #expect(hwm < 96 * 1024, "peak RSS \(hwm) kB for a 128 MiB HTTP/2 download")
        }
    }

    /// nghttp2's own client, h2load (10 streams at a time on each of 2 connections), through socat
    /// as a CONNECT helper (h2load speaks no proxy protocol).
    @Test func h2loadThroughACONNECTHelper() throws {
        guard let h2load = Paths.which("h2load") else {
            Issue.record("h2load is not installed (Debian package nghttp2-client; `make deps-test`)")
            return
        }
        let f = try Self.fixture("h2-h2load")
        defer { f.cleanup() }
        let pick = try Exec.run(Paths.python, ["-c", "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"])
        let port = try #require(Int(pick.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)))
        let socat = try ManagedProcess(name: "socat", program: "socat",
                                       arguments: ["TCP-LISTEN:\(port),bind=127.0.0.1,fork,reuseaddr",
                                                   "PROXY:127.0.0.1:\(Names.a):443,proxyport=\(f.gate.port)"], dir: f.dir)
        defer { socat.stop() }
        Thread.sleep(forTimeInterval: 0.5)
        let r = try Exec.run(h2load, ["-n", "200", "-c", "2", "-m", "10", "--connect-to=127.0.0.1:\(port)",
                                      "https://\(Names.a)/bytes/1024"], timeout: 60)
        #expect(r.stdoutText.contains("Application protocol: h2"), "\(r.stdoutText)")
        #expect(r.stdoutText.contains("200 succeeded, 0 failed, 0 errored"), "\(r.stdoutText)\n\(f.gate.diagnostics)")
        #expect(r.stdoutText.contains("status codes: 200 2xx"), "\(r.stdoutText)")
        let lines = f.requestLines(count: 200, timeout: 15)
        #expect(lines.count == 200 && lines.allSatisfy { $0.string("http_version") == "2" && $0.status == 200 })
    }

    @Test func policyRefusalsReachTheStream() throws {
        let f = try Self.fixture("h2-policy")
        defer { f.cleanup() }
        // Host names another host than the CONNECT host: 421 (enforce), as over HTTP/1.1.
        let r = try f.curl(["--http2", "-o", "/dev/null", "-w", "%{http_code} %{http_version}", "-H", "Host: \(Names.other)",
                            "https://\(Names.a)/headers"])
        #expect(r.stdoutText == "421 2", "\(r.stdoutText) \(r.stderrText)")
        // The same with a 4 MiB body the request path never reads: answered, the upload ends.
        let upload = f.dir.file("big.bin")
        try Data(count: 4 << 20).write(to: URL(fileURLWithPath: upload))
        let r2 = try f.curl(["--http2", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: \(Names.other)",
                             "--data-binary", "@\(upload)", "https://\(Names.a)/echo"], timeout: 20)
        #expect(r2.stdoutText == "421", "\(r2.stdoutText) \(r2.stderrText)\n\(f.gate.diagnostics)")
        // Two requests on one HTTP/2 connection (curl connects once).
        let r3 = try f.curl(["--http2", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{http_code} %{num_connects};",
                             "https://\(Names.a)/bytes/10", "https://\(Names.a)/bytes/20"])
        #expect(r3.stdoutText == "200 1;200 0;", "\(r3.stdoutText) \(r3.stderrText)")
    }
}

/// Attacks and resets from a raw HTTP/2 client (Python h2) through tlsgate: each ends its own
/// connection (or stream) and tlsgate keeps serving others.
@Suite(.serialized)
struct InterceptHTTP2AbuseTests {
    static func attack(_ f: InterceptFixture, _ mode: String) throws -> [String: Any] {
        let r = try Exec.run(Paths.python, [Paths.script("h2attack.py"), f.gate.hostPort, Names.a, f.interceptCA.cert, mode], timeout: 60)
        guard r.status == 0 else { throw HarnessError("h2attack.py \(mode): \(r.stderrText.suffix(1500))\n\(f.gate.diagnostics)") }
        return try r.json()
    }

    static func stillServes(_ f: InterceptFixture) throws {
        let r = try f.curl(["--http2", "-o", "/dev/null", "-w", "%{http_code} %{http_version}", "https://\(Names.a)/bytes/100"])
        #expect(r.stdoutText == "200 2", "after the attack: \(r.stdoutText) \(r.stderrText)\n\(f.gate.diagnostics)")
    }

    @Test(arguments: ["ping-flood", "settings-flood", "rapid-reset"])
    func floodGetsGoAway(mode: String) throws {
        let f = try InterceptHTTP2Tests.fixture("h2-\(mode)")
        defer { f.cleanup() }
        let doc = try Self.attack(f, mode)
        // ENHANCE_YOUR_CALM (11) from tlsgate's counters; libnghttp2's own rapid-reset limit may use another code.
        if mode == "rapid-reset" {
            #expect(doc["goaway"] is Int, "\(doc)")
        } else {
            #expect(doc["goaway"] as? Int == 11, "\(doc)")
        }
        try Self.stillServes(f)
        if let pid = f.gate.pid, let hwm = procStatusKB(pid: pid, field: "VmHWM") {
            #expect(hwm < 96 * 1024, "peak RSS \(hwm) kB")
        }
    }

    @Test func oversizedHeaderListGets431AndTheNextStreamIsServed() throws {
        let f = try InterceptHTTP2Tests.fixture("h2-431")
        defer { f.cleanup() }
        let doc = try Self.attack(f, "big-headers")
        #expect(doc["statuses"] as? [String: String] == ["1": "431", "3": "200"], "\(doc)")
        // The refused stream has its request line too.
        let refused = f.gate.waitForAudit { $0.event == "request" && $0.status == 431 }
        #expect(refused?.decision == "deny" && refused?.string("http_version") == "2" && refused?.string("reason")?.contains("header list") == true,
                "\(refused?.description ?? "no 431 line")\n\(f.gate.auditText)")
    }

    @Test func idleConnectionGetsGoAwayAndIsClosed() throws {
        let f = try InterceptFixture("h2-idle") { config in
            config.idleTimeout = "1s"
            config.extra = config.extra.replacingOccurrences(of: "intercept:\n  enabled: true\n",
                                                             with: "intercept:\n  enabled: true\n  http2: true\n")
        }
        defer { f.cleanup() }
        let doc = try Self.attack(f, "idle")
        #expect(doc["ended"] as? Bool == true && doc["goaway"] as? [Int] == [0], "\(doc)")
        #expect((doc["closed_after"] as? Double ?? 99) < 5, "\(doc)")
    }

    /// SIGTERM with a download in flight: GOAWAY NO_ERROR to the client, the stream completes,
    /// then tlsgate exits 0 (HTTP/1.1 alongside, for comparison).
    @Test(arguments: ["--http2", "--http1.1"])
    func shutdownSendsGoAwayAndFinishesTheStream(version: String) throws {
        let f = try InterceptFixture("h2-drain") { config in
            config.shutdownGrace = "20s"
            config.extra = config.extra.replacingOccurrences(of: "intercept:\n  enabled: true\n",
                                                             with: "intercept:\n  enabled: true\n  http2: true\n")
        }
        defer { f.cleanup() }
        // curl, not Python h2: h2 treats a received GOAWAY as the end of the connection and drops
        // the rest of the stream; curl finishes streams below the GOAWAY's last stream id.
        let out = f.dir.file("dl.bin")
        let size = 32 * 1024 * 1024
        let client = try ManagedProcess(name: "curl-drain", program: "curl",
                                        arguments: ["-sS", "-x", f.gate.proxyURL, "--cacert", f.interceptCA.cert, version,
                                                    "--limit-rate", "16M", "-o", out, "-w", "%{http_code} %{size_download}",
                                                    "https://\(Names.a)/bytes/\(size)"], dir: f.dir)
        defer { client.stop() }
        let started = Date().addingTimeInterval(20)
        while ((try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0) < 1 << 20 && Date() < started {
            usleep(20_000)
        }
        try f.gate.signal(SIGTERM)
        let status = f.gate.waitForExit(timeout: 25)
        #expect(status == 0, "tlsgate exit \(String(describing: status))\n\(f.gate.diagnostics)")
        let deadline = Date().addingTimeInterval(10)
        while client.stdoutText.isEmpty && Date() < deadline { usleep(50_000) }
        #expect(client.stdoutText == "200 \(size)", "curl: \(client.stdoutText) \(client.stderrTail())\n\(f.gate.diagnostics)")
        let rec = f.gate.waitForAudit { $0.event == "request" && $0.path == "/bytes/\(size)" }
        #expect(rec?.int("bytes_out") ?? 0 >= size && rec?.string("reason") == nil, "\(rec?.description ?? "no request line")")
    }

    @Test func trailersGoBothWays() throws {
        let f = try InterceptHTTP2Tests.fixture("h2-trailers")
        defer { f.cleanup() }
        let doc = try Self.attack(f, "trailers")
        // Up: a body without content-length went chunked, the client's trailers as chunked trailers.
        #expect(doc["echo_framing"] as? String == "chunked" && doc["echo_trailers"] as? String == "x-sum=42", "\(doc)")
        // Down: the origin's chunked trailers arrive as an HTTP/2 trailer block.
        #expect(doc["body"] as? String == "hello" && (doc["trailers"] as? [String: String])?["x-checksum"] == "abc123", "\(doc)")
    }

    @Test func cancelledStreamClosesItsUpstreamAndTheConnectionGoesOn() throws {
        let f = try InterceptHTTP2Tests.fixture("h2-cancel", admin: true)
        defer { f.cleanup() }
        let doc = try Self.attack(f, "cancel")
        #expect((doc["cancelled_after"] as? Int ?? 0) >= 1 << 20, "\(doc)")
        #expect(doc["second"] as? Int == 1000, "\(doc)")
        // The cancelled exchange is audited with what went out before the reset.
        let lines = f.requestLines(count: 2)
        let cancelled = lines.first { $0.path == "/bytes/67108864" }
        #expect(cancelled != nil && (cancelled?.int("bytes_out") ?? Int.max) < 67_108_864, "\(lines)")
        let text = try f.gate.metricsText()
        #expect(metric(text, #"tlsgate_http2_resets_total{side="client",code="CANCEL"}"#) == 1, "\(text.split(separator: "\n").filter { $0.contains("http2") })")
        #expect(metric(text, "tlsgate_http2_streams_total") == 2)
    }
}
