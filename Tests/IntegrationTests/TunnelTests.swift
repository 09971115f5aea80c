import Foundation
import Testing

/// Tunnel mode (CONNECT): TLS inspection of the ClientHello/ServerHello passing through.
@Suite(.serialized)
struct TunnelTests {
    /// A tunnel fixture: upstream.py for a.example.test (and other.example.test) behind tlsgate.
    static func fixture(_ label: String, upstreamTLSMax: String = "1.3", upstreamCiphers: String? = nil,
                        configure: (inout GateConfig) -> Void = { _ in }) throws -> ProxyFixture {
        try ProxyFixture(label, leafNames: Names.all + [Names.other], upstreamTLSMax: upstreamTLSMax,
                         upstreamCiphers: upstreamCiphers, configure: configure)
    }

    /// The tunnel audit line for `host` with `violation` (or any tunnel line when nil).
    static func tunnelRecord(_ gate: TLSGate, host: String, violation: String? = nil) -> AuditRecord? {
        gate.waitForAudit(timeout: 8) { rec in
            rec.mode == "tunnel" && rec.host == host && (violation.map { rec.violations.contains($0) } ?? true)
        }
    }

    static func expectDenied(_ gate: TLSGate, host: String, code: String, _ comment: String) {
        let rec = tunnelRecord(gate, host: host, violation: code)
        #expect(rec != nil, "\(comment): no audit line with \(code)\n\(gate.diagnostics)")
        if let rec {
            #expect(rec.decision == "deny", "\(comment): \(rec)")
            #expect(rec.missingKeys.isEmpty, "\(comment): missing \(rec.missingKeys): \(rec)")
        }
    }

    /// Whether s_client output shows the server's certificate (the server's flight reached it).
    static func sawServerCertificate(_ sClientOutput: String) -> Bool {
        sClientOutput.contains("-----BEGIN CERTIFICATE-----")
    }

    /// s_client through the proxy; stdin empty so it exits after the handshake.
    static func sClient(_ gate: TLSGate, host: String = Names.a, args: [String], env: [String: String] = [:]) throws -> ExecResult {
        try Exec.run("openssl", ["s_client", "-proxy", gate.hostPort, "-connect", "\(host):443"] + args,
                     env: env, timeout: 20, stdin: "")
    }

    // MARK: - allowed tunnels

    @Test func curlThroughTunnelToSServerTLS13() throws {
        let dir = try TempDir("tun-sserver")
        defer { dir.cleanup() }
        let certs = try CertFactory(dir: dir)
        let server = try SServer(cert: try certs.leaf([Names.a]), dir: dir)
        defer { server.stop() }
        var config = GateConfig(caBundle: certs.ca.cert)
        config.resolve = [Names.a: server.target]
        let gate = try TLSGate(config, dir: dir)
        defer { gate.stop() }

        let r = try Curl.run(["-x", gate.proxyURL, "--cacert", certs.ca.cert, "--tlsv1.3", "--max-time", "20",
                              "-o", dir.file("page"), "-w", "%{http_code}", "https://\(Names.a)/"], timeout: 30)
        #expect(r.status == 0 && Curl.status(r) == 200, "curl: \(r.stderrText)\n\(gate.diagnostics)")
        let rec = Self.tunnelRecord(gate, host: Names.a)
        #expect(rec != nil, "no tunnel audit line\n\(gate.diagnostics)")
        if let rec {
            #expect(rec.event == "tunnel", "\(rec)")
            #expect(rec.missingKeys.isEmpty, "missing \(rec.missingKeys): \(rec)")
            #expect(rec.decision == "allow", "\(rec)")
            #expect(rec.violations.isEmpty, "\(rec)")
            #expect(rec.string("tls_version") == "TLSv1.3", "\(rec)")
            #expect(rec.string("sni") == Names.a, "\(rec)")
            #expect(rec.int("port") == 443, "\(rec)")
            #expect((rec.int("bytes_in") ?? 0) > 0 && (rec.int("bytes_out") ?? 0) > 0, "\(rec)")
        }
    }

    /// A 1 MiB download, byte-exact, with each relay (`tunnel_relay`), over TLS 1.2 and 1.3.
    @Test(arguments: ["1.2", "1.3"], ["copy", "splice"])
    func curlThroughTunnelBytesExact(_ tls: String, _ relay: String) throws {
        let fx = try Self.fixture("tun-bytes") { $0.tunnelRelay = relay }
        #expect(fx.gate.stderrText.contains("tunnel_relay=\(relay)"), "startup line: \(fx.gate.stderrText.suffix(2000))")
        defer { fx.cleanup() }
        let size = (1 << 20) + 7
        let out = fx.dir.file("down.bin")
        let versionArgs = tls == "1.2" ? ["--tlsv1.2", "--tls-max", "1.2"] : ["--tlsv1.3"]
        let r = try Curl.run(["-x", fx.gate.proxyURL, "--cacert", fx.certs.ca.cert, "--max-time", "60",
                              "-o", out, "-w", "%{http_code}", "https://\(Names.a)/bytes/\(size)"] + versionArgs,
                             timeout: 70)
        #expect(r.status == 0 && Curl.status(r) == 200, "curl: \(r.stderrText)\n\(fx.gate.diagnostics)")
        #expect(FileManager.default.contents(atPath: out) == Pattern.bytes(size), "tunnel bytes differ")
        // And the other direction: an upload echoed back.
        let input = try fx.dir.write("up.bin", Pattern.bytes(size))
        let echoed = fx.dir.file("echo.bin")
        let up = try Curl.run(["-x", fx.gate.proxyURL, "--cacert", fx.certs.ca.cert, "--max-time", "60",
                               "--data-binary", "@\(input)", "-H", "Expect:", "-H", "Content-Type: application/octet-stream",
                               "-o", echoed, "-w", "%{http_code}", "https://\(Names.a)/echo"] + versionArgs, timeout: 70)
        #expect(up.status == 0 && Curl.status(up) == 200, "curl upload: \(up.stderrText)\n\(fx.gate.diagnostics)")
        #expect(FileManager.default.contents(atPath: echoed) == Pattern.bytes(size), "tunnel upload echo differs")
        let rec = Self.tunnelRecord(fx.gate, host: Names.a)
        #expect(rec?.string("tls_version") == "TLSv1.\(tls.last!)", "\(String(describing: rec))")
        #expect(rec?.decision == "allow", "TLS \(tls) must pass (a 1.3 server signals DOWNGRD for a 1.2-max client; that is no downgrade): \(String(describing: rec))")
        #expect((rec?.int("bytes_out") ?? 0) >= size || (rec?.int("bytes_in") ?? 0) >= size,
                "tunnel byte counts: \(String(describing: rec))")
    }

    @Test func connectHTTP10WithoutHeaders() throws {
        let fx = try Self.fixture("tun-http10")
        defer { fx.cleanup() }
        let r = try PyClient.run(["tunnel", "--proxy", fx.gate.hostPort, "--host", Names.a, "--http10",
                                  "--cafile", fx.certs.ca.cert, "--path", "/bytes/5000"])
        #expect(r["connect_status"] as? Int == 200, "\(r)\n\(fx.gate.diagnostics)")
        #expect(r["http_status"] as? Int == 200, "\(r)")
        #expect(r["body_len"] as? Int == 5000, "\(r)")
        #expect(r["error"] == nil, "\(r)")
    }

    @Test func clientHelloInOneByteWritesIsParsed() throws {
        let fx = try Self.fixture("tun-split")
        defer { fx.cleanup() }
        let r = try PyClient.run(["tunnel", "--proxy", fx.gate.hostPort, "--host", Names.a, "--split-hello",
                                  "--cafile", fx.certs.ca.cert, "--path", "/bytes/1000"], timeout: 60)
        #expect(r["error"] == nil, "\(r)\n\(fx.gate.diagnostics)")
        #expect((r["hello_len"] as? Int ?? 0) > 100, "\(r)")
        #expect(r["http_status"] as? Int == 200, "\(r)")
        #expect(r["body_len"] as? Int == 1000, "\(r)")
        let rec = Self.tunnelRecord(fx.gate, host: Names.a)
        #expect(rec?.decision == "allow" && rec?.string("sni") == Names.a, "\(String(describing: rec))")
    }

    // MARK: - refused before the relay

    @Test(arguments: ["127.0.0.1", "169.254.169.254", "10.0.0.1"])
    func privateAddressLiteralsAreRefused(_ address: String) throws {
        let fx = try Self.fixture("tun-private") { $0.allowHosts += ["127.0.0.1", "169.254.169.254", "10.0.0.1"] }
        defer { fx.cleanup() }
        let start = Date()
        let r = try PyClient.raw(proxy: fx.gate.hostPort,
                                 Data("CONNECT \(address):443 HTTP/1.1\r\nHost: \(address):443\r\n\r\n".utf8),
                                 timeout: 15)
        #expect(r["status"] as? Int == 403, "\(address): \(r)\n\(fx.gate.diagnostics)")
        #expect((r["head"] as? String ?? "").lowercased().contains("x-tlsgate-error: private_address"), "\(r)")
        // 10.0.0.1 is not reachable from here: a quick answer means no connection was attempted
        // (connect_timeout is 5 s).
        #expect(Date().timeIntervalSince(start) < 4.5, "\(address): refusal took too long (a connect was attempted?)")
        let rec = fx.gate.waitForAudit { $0.host == address && $0.violations.contains("private_address") }
        #expect(rec?.decision == "deny", "\(String(describing: rec))\n\(fx.gate.auditText)")
    }

    @Test func connectPolicyRefusals() throws {
        let fx = try Self.fixture("tun-policy") { $0.resolve["down.example.test"] = "127.0.0.1:1" }
        defer { fx.cleanup() }
        let cases: [(String, Int, String?)] = [
            ("evil.example.org:443", 403, "host_not_allowed"),
            ("\(Names.a):8443", 403, nil),                    // port not in connect_ports
            ("down.example.test:443", 502, "upstream_unreachable"),
        ]
        for (target, status, code) in cases {
            let r = try PyClient.raw(proxy: fx.gate.hostPort,
                                     Data("CONNECT \(target) HTTP/1.1\r\nHost: \(target)\r\n\r\n".utf8))
            #expect(r["status"] as? Int == status, "\(target): \(r)\n\(fx.gate.diagnostics)")
            let head = (r["head"] as? String ?? "").lowercased()
            if let code {
                #expect(head.contains("x-tlsgate-error: \(code)"), "\(target): \(r)")
            } else {
                #expect(head.contains("x-tlsgate-error:"), "\(target): \(r)")
            }
        }
        // The unreachable upstream is an error outcome, not a policy denial or violation.
        let down = fx.gate.waitForAudit { $0.host == "down.example.test" && $0.event == "tunnel" }
        #expect(down?.decision == "allow" && down?.string("outcome") == "error" && down?.string("error") == "upstream_unreachable",
                "\(String(describing: down))")
        #expect(down?.violations == [], "\(String(describing: down))")
        let denied = fx.gate.waitForAudit { $0.host == "evil.example.org" && $0.event == "tunnel" }
        #expect(denied?.decision == "deny" && denied?.string("outcome") == "ok", "\(String(describing: denied))")
    }

    // MARK: - ClientHello policy

    @Test func curlOfferingOnlyTLS11IsRefused() throws {
        let fx = try Self.fixture("tun-legacy-curl")
        defer { fx.cleanup() }
        let r = try Curl.run(["-x", fx.gate.proxyURL, "--cacert", fx.certs.ca.cert, "--tlsv1.0", "--tls-max", "1.1",
                              "--ciphers", "DEFAULT@SECLEVEL=0", "--max-time", "20", "-o", "/dev/null",
                              "https://\(Names.a)/bytes/10"], env: Upstream.legacyEnv, timeout: 30)
        #expect(r.status == 35, "curl should fail the handshake (exit 35), got \(r.status): \(r.stderrText)")
        #expect(r.stderrText.lowercased().contains("protocol version"), "expected a protocol_version alert: \(r.stderrText)")
        Self.expectDenied(fx.gate, host: Names.a, code: "legacy_tls_offered", "curl tls1.1")
    }

    @Test func sClientTLS11IsRefusedWithProtocolVersionAlert() throws {
        let fx = try Self.fixture("tun-legacy-sclient")
        defer { fx.cleanup() }
        let r = try Self.sClient(fx.gate, args: ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0", "-servername", Names.a],
                                 env: Upstream.legacyEnv)
        let text = r.stdoutText + r.stderrText
        #expect(text.contains("alert protocol version"), "s_client output:\n\(text.suffix(2000))")
        Self.expectDenied(fx.gate, host: Names.a, code: "legacy_tls_offered", "s_client -tls1_1")
        if let rec = Self.tunnelRecord(fx.gate, host: Names.a, violation: "legacy_tls_offered") {
            #expect(rec.string("client_tls_max") == "TLSv1.1", "\(rec)")
        }
    }

    @Test func legacyOnlyServerIsRefused() throws {
        let dir = try TempDir("tun-legacy-server")
        defer { dir.cleanup() }
        let certs = try CertFactory(dir: dir)
        let legacy = try Upstream.legacy(cert: try certs.leaf([Names.a]), dir: dir, tlsMin: "1.0", tlsMax: "1.1")
        defer { legacy.stop() }
        var config = GateConfig(caBundle: certs.ca.cert)
        config.resolve = [Names.a: legacy.target]
        let gate = try TLSGate(config, dir: dir)
        defer { gate.stop() }

        // s_client offering TLS 1.0-1.3.
        let s = try Self.sClient(gate, args: ["-cipher", "DEFAULT@SECLEVEL=0", "-servername", Names.a],
                                 env: Upstream.legacyEnv)
        let text = s.stdoutText + s.stderrText
        #expect(!text.contains("Protocol  : TLSv1.1"), "the TLS 1.1 session was established:\n\(text.suffix(2000))")
        #expect(text.contains("alert protocol version"), "expected a protocol_version alert:\n\(text.suffix(2000))")
        Self.expectDenied(gate, host: Names.a, code: "legacy_tls_negotiated", "s_client vs TLS1.1 server")

        // curl offering TLS 1.0-1.3.
        let c = try Curl.run(["-x", gate.proxyURL, "--cacert", certs.ca.cert, "--tlsv1.0",
                              "--ciphers", "DEFAULT@SECLEVEL=0", "--max-time", "20", "-o", "/dev/null",
                              "https://\(Names.a)/bytes/10"], env: Upstream.legacyEnv, timeout: 30)
        #expect(c.status != 0, "curl completed a TLS 1.1 exchange through the tunnel")
        let lines = gate.waitForAudit(count: 2) { $0.violations.contains("legacy_tls_negotiated") }
        #expect(lines.count >= 2, "expected a legacy_tls_negotiated line for curl too\n\(gate.auditText)")
    }

    @Test func weakCipherChosenByServerIsRefused() throws {
        // A TLS 1.2 server that only accepts a CBC (non-AEAD) suite; curl offers it among others.
        let fx = try Self.fixture("tun-weak", upstreamTLSMax: "1.2", upstreamCiphers: "ECDHE-ECDSA-AES128-SHA")
        defer { fx.cleanup() }
        let r = try Curl.run(["-x", fx.gate.proxyURL, "--cacert", fx.certs.ca.cert, "--tls-max", "1.2",
                              "--ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA",
                              "--max-time", "20", "-o", "/dev/null", "https://\(Names.a)/bytes/10"], timeout: 30)
        #expect(r.status != 0, "curl completed a tunnel with a weak cipher")
        Self.expectDenied(fx.gate, host: Names.a, code: "weak_cipher", "weak cipher")
    }

    @Test func fallbackSCSVIsRefused() throws {
        let fx = try Self.fixture("tun-scsv")
        defer { fx.cleanup() }
        let r = try Self.sClient(fx.gate, args: ["-tls1_2", "-fallback_scsv", "-servername", Names.a])
        let text = r.stdoutText + r.stderrText
        #expect(!Self.sawServerCertificate(text), "handshake completed despite the fallback SCSV:\n\(text.suffix(1500))")
        Self.expectDenied(fx.gate, host: Names.a, code: "tls_fallback_scsv", "fallback scsv")
    }

    @Test func sniMismatchIsRefused() throws {
        let fx = try Self.fixture("tun-sni")
        defer { fx.cleanup() }
        let r = try Self.sClient(fx.gate, args: ["-servername", Names.other])
        let text = r.stdoutText + r.stderrText
        #expect(!Self.sawServerCertificate(text), "handshake completed despite the SNI mismatch:\n\(text.suffix(1500))")
        Self.expectDenied(fx.gate, host: Names.a, code: "sni_mismatch", "sni mismatch")
        if let rec = Self.tunnelRecord(fx.gate, host: Names.a, violation: "sni_mismatch") {
            #expect(rec.string("sni") == Names.other, "\(rec)")
        }
    }

    @Test func missingSNIIsRefused() throws {
        let fx = try Self.fixture("tun-nosni")
        defer { fx.cleanup() }
        _ = try Self.sClient(fx.gate, args: ["-noservername"])
        Self.expectDenied(fx.gate, host: Names.a, code: "sni_missing", "no SNI")
    }

    @Test func reportModeLetsSNIMismatchThrough() throws {
        let fx = try Self.fixture("tun-report") { $0.mode = "report" }
        defer { fx.cleanup() }
        let r = try PyClient.run(["tunnel", "--proxy", fx.gate.hostPort, "--host", Names.a,
                                  "--servername", Names.other, "--cafile", fx.certs.ca.cert, "--path", "/bytes/777"])
        #expect(r["error"] == nil && r["http_status"] as? Int == 200 && r["body_len"] as? Int == 777,
                "report mode must let the tunnel through: \(r)\n\(fx.gate.diagnostics)")
        let rec = Self.tunnelRecord(fx.gate, host: Names.a, violation: "sni_mismatch")
        #expect(rec?.decision == "report", "\(String(describing: rec))\n\(fx.gate.auditText)")
    }

    // MARK: - bad hellos

    @Test func badHellosAreRefusedCleanly() throws {
        let fx = try Self.fixture("tun-badhello") { $0.clientHelloTimeout = "2s" }
        defer { fx.cleanup() }
        // (name, pyclient args, a policy refusal expected (deny) or just a clean close, violation code)
        let cases: [(String, [String], Bool, String?)] = [
            ("garbage", ["--kind", "garbage"], true, "not_tls"),
            ("oversized", ["--kind", "oversized"], true, "not_tls"),
            // A client that gives up (EOF) or stalls mid-hello: no handshake started, so it is
            // refused as not_tls; nothing is relayed.
            ("truncated+EOF", ["--kind", "truncated"], true, "not_tls"),
            ("truncated+stall", ["--kind", "truncated", "--stall"], true, "not_tls"),
        ]
        for (name, args, denied, code) in cases {
            let before = fx.gate.auditRecords().filter { $0.event == "tunnel" }.count
            let r = try PyClient.run(["hello", "--proxy", fx.gate.hostPort, "--host", Names.a, "--timeout", "10"] + args,
                                     timeout: 40)
            #expect(r["connect_status"] as? Int == 200, "\(name): \(r)")
            #expect(r["closed"] as? Bool == true, "\(name): the proxy did not close the tunnel: \(r)\n\(fx.gate.diagnostics)")
            // Nothing from the upstream may reach the client (no relay before a valid hello):
            // at most a TLS alert record (0x15).
            let hex = r["received_hex"] as? String ?? ""
            #expect(hex.isEmpty || hex.hasPrefix("15"), "\(name): unexpected bytes to client: \(hex)")
            let lines = fx.gate.waitForAudit(count: before + 1) { $0.event == "tunnel" }
            let new = lines.dropFirst(before)
            #expect(new.count == 1, "\(name): expected one tunnel line\n\(fx.gate.auditText)")
            if let rec = new.first {
                #expect(rec.string("tls_version") == nil, "\(name): no TLS was negotiated: \(rec)")
                #expect(!(rec.string("reason") ?? "").isEmpty, "\(name): a reason is expected: \(rec)")
                if denied { #expect(rec.decision == "deny", "\(name): \(rec)") }
                if let code { #expect(rec.violations.contains(code), "\(name): no \(code): \(rec)") }
            }
        }
        // The proxy still works.
        let ok = try Curl.run(["-x", fx.gate.proxyURL, "--cacert", fx.certs.ca.cert, "--max-time", "20",
                               "-o", "/dev/null", "-w", "%{http_code}", "https://\(Names.a)/bytes/10"], timeout: 30)
        #expect(Curl.status(ok) == 200, "after bad hellos: \(ok.stderrText)\n\(fx.gate.diagnostics)")
        #expect(fx.gate.process.isRunning)
    }
}
