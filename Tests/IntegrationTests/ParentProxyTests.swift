import Foundation
import Testing

/// `upstream.proxy`: tlsgate reaching its upstreams through a parent proxy (Debian's squid and
/// tinyproxy) with CONNECT, in forward mode (TLS verified end to end over the parent's tunnel)
/// and for tunnels; refusals by the parent; credentials that never show.
@Suite(.serialized)
struct ParentProxyTests {
    static let parentUser = "tg-parent"
    static let parentPassword = "parentPW-DoNotLog-7f3e9a"
    static let unknownName = "parentonly.example.test"

    /// A parent proxy of either kind, stopped with `stop()`.
    enum Parent {
        case squid(SquidParent), tinyproxy(TinyproxyParent)
        var url: String { switch self { case .squid(let s): s.url; case .tinyproxy(let t): t.url } }
        func stop() { switch self { case .squid(let s): s.stop(); case .tinyproxy(let t): t.stop() } }
    }

    /// upstream.py for `Names.all` + `unknownName`, a parent started by `makeParent`, and a tlsgate
    /// whose `upstream.proxy` is that parent.
    final class Fixture {
        let dir: TempDir
        let certs: CertFactory
        let upstream: Upstream
        let parent: Parent
        let gate: TLSGate

        init(_ label: String, env: [String: String] = [:], makeParent: (TempDir) throws -> Parent,
             configure: (inout GateConfig, Parent) throws -> Void = { _, _ in }) throws {
            dir = try TempDir(label)
            do {
                certs = try CertFactory(dir: dir)
                upstream = try Upstream(cert: try certs.leaf(Names.all + [ParentProxyTests.unknownName]), dir: dir)
                parent = try makeParent(dir)
                var config = GateConfig(caBundle: certs.ca.cert)
                for name in Names.all { config.resolve[name] = upstream.target }
                config.parentProxy = parent.url
                try configure(&config, parent)
                gate = try TLSGate(config, dir: dir, env: env)
            } catch {
                dir.cleanup()
                throw error
            }
        }

        func cleanup() {
            gate.stop()
            parent.stop()
            upstream.stop()
            dir.cleanup()
        }

        /// curl a forward-mode URL through tlsgate; returns (result, status, headers).
        func forward(_ url: String) throws -> (ExecResult, Int?, [String: String]) {
            let r = try Curl.run(["-x", gate.proxyURL, "--max-time", "20", "-o", dir.file("body"),
                                  "-D", dir.file("headers"), "-w", "%{http_code}", url], timeout: 30)
            return (r, Curl.status(r), Curl.headers(file: dir.file("headers")))
        }

        /// curl an https URL through a tlsgate tunnel (CONNECT), trusting the test CA.
        func tunnel(_ url: String) throws -> (ExecResult, Int?) {
            let r = try Curl.run(["-x", gate.proxyURL, "--cacert", certs.ca.cert, "--max-time", "20",
                                  "-o", dir.file("body"), "-D", dir.file("headers"), "-w", "%{http_code}", url], timeout: 30)
            return (r, Curl.status(r))
        }

        var body: Data { FileManager.default.contents(atPath: dir.file("body")) ?? Data() }

        /// Every place the parent's password must not appear: audit, tlsgate's stdout and stderr.
        func expectNoPassword(_ comment: String) {
            for (what, text) in [("audit", gate.auditText), ("stderr", gate.stderrText), ("stdout", gate.process.stdoutText)] {
                #expect(!text.contains(ParentProxyTests.parentPassword), "\(comment): the parent's password is in tlsgate's \(what)")
            }
        }
    }

    static func squid(hosts: [String: String] = [:], auth: Bool = false, deny: [String] = []) -> (TempDir) throws -> Parent {
        { dir in .squid(try SquidParent(dir: dir, hosts: hosts, user: auth ? (parentUser, parentPassword) : nil, deny: deny)) }
    }

    static func tinyproxy(auth: Bool = false) -> (TempDir) throws -> Parent {
        { dir in .tinyproxy(try TinyproxyParent(dir: dir, user: auth ? (parentUser, parentPassword) : nil)) }
    }

    // MARK: - Forward mode and tunnels through squid and tinyproxy

    @Test(arguments: ["squid", "tinyproxy"])
    func forwardModeThroughParent(kind: String) throws {
        let fx = try Fixture("parent-fwd-\(kind)", makeParent: kind == "squid" ? Self.squid() : Self.tinyproxy()) { config, _ in
            config.admin = "127.0.0.1:0"
        }
        defer { fx.cleanup() }
        let (r, status, _) = try fx.forward("http://\(Names.a)/bytes/200000")
        #expect(r.status == 0 && status == 200, "\(kind): curl \(r.stderrText)\n\(fx.gate.diagnostics)")
        #expect(fx.body == Pattern.bytes(200_000), "\(kind): body differs")
        let rec = fx.gate.waitForAudit { $0.event == "request" && $0.host == Names.a }
        #expect(rec?.status == 200, "\(kind): \(String(describing: rec))")
        #expect(["TLSv1.2", "TLSv1.3"].contains(rec?.string("tls_version") ?? ""), "\(kind): TLS verified end to end: \(String(describing: rec))")
        // A second request reuses the pooled TLS connection inside the parent's tunnel.
        let (r2, status2, _) = try fx.forward("http://\(Names.a)/bytes/1000")
        #expect(r2.status == 0 && status2 == 200, "\(kind): second request: \(r2.stderrText)")
        let metrics = try fx.gate.metricsText()
        #expect(metric(metrics, "tlsgate_upstream_parent_connections_total") == 1, "\(kind): \(metrics)")
        #expect(metric(metrics, "tlsgate_upstream_reused_total") == 1, "\(kind): pooled through the parent: \(metrics)")
        if case .squid(let squid) = fx.parent {
            // The parent was asked for the override's address (upstream.resolve still applies).
            fx.gate.stop()   // squid logs a tunnel when it ends (tlsgate pools the connection)
            let log = squid.accessLog(waitingFor: "CONNECT \(fx.upstream.target)")
            #expect(log.contains("CONNECT \(fx.upstream.target)"), "squid log: \(log)")
        }
    }

    @Test(arguments: ["squid", "tinyproxy"])
    func tunnelThroughParent(kind: String) throws {
        let fx = try Fixture("parent-tun-\(kind)", makeParent: kind == "squid" ? Self.squid() : Self.tinyproxy())
        defer { fx.cleanup() }
        let (r, status) = try fx.tunnel("https://\(Names.a)/bytes/100000")
        #expect(r.status == 0 && status == 200, "\(kind): curl \(r.stderrText)\n\(fx.gate.diagnostics)")
        #expect(fx.body == Pattern.bytes(100_000), "\(kind): body differs")
        let rec = fx.gate.waitForAudit(timeout: 8) { $0.mode == "tunnel" && $0.host == Names.a }
        #expect(rec?.decision == "allow", "\(kind): \(String(describing: rec))\n\(fx.gate.auditText)")
        #expect(rec?.string("sni") == Names.a, "\(kind): \(String(describing: rec))")
    }

    /// With a parent, tlsgate does not resolve the requested name: the parent does (here from
    /// squid's hosts file; the name is in no DNS).
    @Test func parentResolvesTheName() throws {
        let fx = try Fixture("parent-resolve", makeParent: Self.squid(hosts: [Self.unknownName: "127.0.0.1"]))
        defer { fx.cleanup() }
        let (r, status, _) = try fx.forward("http://\(Self.unknownName):\(fx.upstream.port)/bytes/1000")
        #expect(r.status == 0 && status == 200, "curl \(r.stderrText)\n\(fx.gate.diagnostics)")
        #expect(fx.body == Pattern.bytes(1000))
        if case .squid(let squid) = fx.parent {
            fx.gate.stop()
            let log = squid.accessLog(waitingFor: "CONNECT \(Self.unknownName):\(fx.upstream.port)")
            #expect(log.contains("CONNECT \(Self.unknownName):\(fx.upstream.port)"), "squid log: \(log)")
        }
    }

    /// `upstream.no_proxy` hosts are reached directly: the parent never hears of them.
    @Test func noProxyHostsGoDirect() throws {
        let fx = try Fixture("parent-noproxy", makeParent: Self.squid()) { config, _ in config.noProxy = [Names.a] }
        defer { fx.cleanup() }
        let (r, status, _) = try fx.forward("http://\(Names.a)/bytes/1000")
        #expect(r.status == 0 && status == 200, "curl \(r.stderrText)\n\(fx.gate.diagnostics)")
        let (r2, status2, _) = try fx.forward("http://\(Names.s3)/bytes/1000")
        #expect(r2.status == 0 && status2 == 200, "curl \(r2.stderrText)\n\(fx.gate.diagnostics)")
        if case .squid(let squid) = fx.parent {
            fx.gate.stop()
            let log = squid.accessLog(waitingFor: "CONNECT")
            usleep(300_000)
            #expect(log.components(separatedBy: "CONNECT").count - 1 == 1, "exactly one CONNECT (s3, not the no_proxy host): \(log)")
        }
    }

    // MARK: - Refusals

    /// A parent's refusal gives the client a 502 that names the parent's answer.
    static func expectRefusal(_ fx: Fixture, status wanted: String, host: String = Names.a, _ comment: String) throws {
        let (r, status, headers) = try fx.forward("http://\(host)/bytes/10")
        #expect(r.status == 0 && status == 502, "\(comment): \(r.stderrText) \(String(describing: status))")
        #expect(headers["x-tlsgate-error"] == "parent_proxy_refused", "\(comment): \(headers)")
        let body = String(decoding: fx.body, as: UTF8.self)
        #expect(body.contains(wanted), "\(comment): body must name the parent's answer \(wanted): \(body)")
        let rec = fx.gate.waitForAudit { $0.event == "request" && $0.host == host }
        #expect(rec?.status == 502, "\(comment): \(String(describing: rec))")
        #expect((rec?.string("reason") ?? "").contains(wanted), "\(comment): audit reason: \(String(describing: rec))")
        #expect(rec?.violations.isEmpty == true, "\(comment): a refusal by the parent is no policy violation: \(String(describing: rec))")

        // The same for a tunnel: the CONNECT to tlsgate is answered 502 naming the parent's status.
        let t = try Curl.run(["-x", fx.gate.proxyURL, "--cacert", fx.certs.ca.cert, "--max-time", "20", "-o", "/dev/null",
                              "-w", "%{http_code}", "https://\(host)/"], timeout: 30)
        #expect(t.stdoutText.contains("502") || t.stderrText.contains("502"), "\(comment): tunnel: \(t.stdoutText) \(t.stderrText)")
        let trec = fx.gate.waitForAudit { $0.mode == "tunnel" && $0.host == host }
        #expect((trec?.string("reason") ?? "").contains(wanted), "\(comment): tunnel audit: \(String(describing: trec))")
    }

    @Test func squidAuthRequiredGives502Naming407() throws {
        let fx = try Fixture("parent-407", makeParent: Self.squid(auth: true))
        defer { fx.cleanup() }
        try Self.expectRefusal(fx, status: "407", "squid without credentials")
    }

    @Test func squidDeniedDomainGives502Naming403() throws {
        let fx = try Fixture("parent-403", makeParent: Self.squid(hosts: [Self.unknownName: "127.0.0.1"], deny: [Self.unknownName])) { config, _ in
            config.resolve[Self.unknownName] = nil
        }
        defer { fx.cleanup() }
        try Self.expectRefusal(fx, status: "403", host: Self.unknownName, "squid deny")
    }

    @Test func tinyproxyUnreachableTargetGives502NamingItsAnswer() throws {
        // Nothing listens on the override's port: tinyproxy answers CONNECT with an error status.
        let closed = try freeLoopbackPort()
        let fx = try Fixture("parent-tp-closed", makeParent: Self.tinyproxy()) { config, _ in
            config.resolve[Names.a] = "127.0.0.1:\(closed)"
        }
        defer { fx.cleanup() }
        try Self.expectRefusal(fx, status: "HTTP/1.", "tinyproxy to a closed port")
    }

    @Test func parentNotListeningIsUnreachable() throws {
        let closed = try freeLoopbackPort()
        let fx = try Fixture("parent-down", makeParent: Self.squid()) { config, _ in
            config.parentProxy = "http://127.0.0.1:\(closed)"
        }
        defer { fx.cleanup() }
        let (r, status, headers) = try fx.forward("http://\(Names.a)/")
        #expect(r.status == 0 && status == 502, "\(r.stderrText)")
        #expect(headers["x-tlsgate-error"] == "upstream_unreachable", "\(headers)")
        #expect(String(decoding: fx.body, as: UTF8.self).contains("parent proxy 127.0.0.1:\(closed)"), "\(String(decoding: fx.body, as: UTF8.self))")
    }

    /// A parent that never answers CONNECT is bounded by connect_timeout; one whose answer is
    /// too large or has bytes after its 2xx head is refused: each a 502 naming what went wrong.
    @Test(arguments: [("silent", "waiting for the parent proxy"), ("huge", "exceeds 16384 bytes"),
                      ("early", "bytes after 'HTTP/1.1 200 Connection established'")])
    func misbehavingParent(mode: String, expected: String) throws {
        let dir = try TempDir("parent-bad-\(mode)")
        defer { dir.cleanup() }
        let certs = try CertFactory(dir: dir)
        let bad = try ManagedProcess(name: "bad-parent", program: Paths.python,
                                     arguments: [Paths.script("bad_parent.py"), "--mode", mode], dir: dir)
        defer { bad.stop() }
        let port = try bad.waitForPort(#"^(\d+)\n"#, timeout: 15)
        var config = GateConfig(caBundle: certs.ca.cert)
        config.parentProxy = "http://127.0.0.1:\(port)"
        config.connectTimeout = "2s"
        let gate = try TLSGate(config, dir: dir)
        defer { gate.stop() }
        let r = try Curl.run(["-x", gate.proxyURL, "--max-time", "15", "-o", dir.file("body"), "-D", dir.file("h"),
                              "-w", "%{http_code}", "http://\(Names.a)/"], timeout: 25)
        #expect(Curl.status(r) == 502, "\(mode): \(r.stdoutText) \(r.stderrText)")
        #expect(Curl.headers(file: dir.file("h"))["x-tlsgate-error"] == "upstream_unreachable", "\(mode)")
        let body = String(decoding: FileManager.default.contents(atPath: dir.file("body")) ?? Data(), as: UTF8.self)
        #expect(body.contains(expected), "\(mode): \(body)")
        // The connection to the parent is closed once the request is answered.
        let left = try tcpSockets(of: gate.pid, state: "established", toPort: port, waitingForNone: 3)
        #expect(left.isEmpty, "\(mode): tlsgate still holds a connection to the parent: \(left)")
    }

    // MARK: - Credentials

    @Test func squidWithCredentialsFile() throws {
        let fx = try Fixture("parent-cred-file", makeParent: Self.squid(auth: true)) { config, _ in
            let path = config.caBundle + ".parent-credentials"
            try Data("\(Self.parentUser):\(Self.parentPassword)\n".utf8).write(to: URL(fileURLWithPath: path))
            chmod(path, 0o600)
            config.proxyCredentialsFile = path
            config.logLevel = "debug"
        }
        defer { fx.cleanup() }
        let (r, status, _) = try fx.forward("http://\(Names.a)/bytes/5000")
        #expect(r.status == 0 && status == 200, "curl \(r.stderrText)\n\(fx.gate.diagnostics)")
        let (t, tstatus) = try fx.tunnel("https://\(Names.a)/bytes/5000")
        #expect(t.status == 0 && tstatus == 200, "curl \(t.stderrText)\n\(fx.gate.diagnostics)")
        _ = fx.gate.waitForAudit(count: 2) { $0.host == Names.a }
        fx.expectNoPassword("credentials file")

        // check-config and doctor name the parent and the file, never the password.
        let binary = try Paths.tlsgateBinary()
        for command in ["check-config", "doctor"] {
            let out = try Exec.run(binary, [command, "--config", fx.gate.configPath], timeout: 30)
            #expect(!(out.stdoutText + out.stderrText).contains(Self.parentPassword), "\(command) shows the password")
            if command == "doctor" {
                #expect(out.stdoutText.contains("parent proxy"), "doctor: \(out.stdoutText)")
            } else {
                #expect(out.status == 0, "check-config: \(out.stderrText)")
            }
        }
    }

    /// The credentials file is read again on reload (SIGHUP): a corrected password takes effect.
    @Test func credentialsFileReadAgainOnReload() throws {
        var path = ""
        let fx = try Fixture("parent-cred-reload", makeParent: Self.squid(auth: true)) { config, _ in
            path = config.caBundle + ".parent-credentials"
            try Data("\(Self.parentUser):wrong-\(Self.parentPassword)\n".utf8).write(to: URL(fileURLWithPath: path))
            chmod(path, 0o600)
            config.proxyCredentialsFile = path
        }
        defer { fx.cleanup() }
        let (_, before, headers) = try fx.forward("http://\(Names.a)/bytes/10")
        #expect(before == 502 && headers["x-tlsgate-error"] == "parent_proxy_refused", "\(String(describing: before)) \(headers)")
        try Data("\(Self.parentUser):\(Self.parentPassword)\n".utf8).write(to: URL(fileURLWithPath: path))
        try fx.gate.signal(SIGHUP)
        let reload = fx.gate.waitForAudit(timeout: 8) { $0.event == "config_reload" }
        #expect(reload?.decision == "allow", "\(String(describing: reload))\n\(fx.gate.diagnostics)")
        let (r, after, _) = try fx.forward("http://\(Names.a)/bytes/10")
        #expect(r.status == 0 && after == 200, "after the reload: \(r.stderrText)\n\(fx.gate.diagnostics)")
        fx.expectNoPassword("reload")
    }

    /// With a parent, an IP literal is still checked against deny_private_addresses (only names
    /// are left to the parent); the parent is never asked.
    @Test func privateLiteralRefusedWithoutAskingTheParent() throws {
        let fx = try Fixture("parent-private", makeParent: Self.squid()) { config, _ in
            config.allowHosts.append("10.0.0.5")
        }
        defer { fx.cleanup() }
        let (r, status, headers) = try fx.forward("http://10.0.0.5/")
        #expect(r.status == 0 && status == 403, "\(r.stderrText) \(String(describing: status))")
        #expect(headers["x-tlsgate-error"] == "private_address", "\(headers)")
        if case .squid(let squid) = fx.parent {
            fx.gate.stop()
            usleep(500_000)
            #expect(!squid.accessLog.contains("10.0.0.5"), "the parent was asked: \(squid.accessLog)")
        }
    }

    @Test func tinyproxyWithCredentialsFromEnvironment() throws {
        let fx = try Fixture("parent-cred-env", env: ["TG_PARENT_CREDS": "\(Self.parentUser):\(Self.parentPassword)"],
                             makeParent: Self.tinyproxy(auth: true)) { config, _ in
            config.proxyCredentialsEnv = "TG_PARENT_CREDS"
            config.logLevel = "debug"
        }
        defer { fx.cleanup() }
        let (r, status, _) = try fx.forward("http://\(Names.a)/bytes/5000")
        #expect(r.status == 0 && status == 200, "curl \(r.stderrText)\n\(fx.gate.diagnostics)")
        let (t, tstatus) = try fx.tunnel("https://\(Names.a)/bytes/5000")
        #expect(t.status == 0 && tstatus == 200, "curl \(t.stderrText)\n\(fx.gate.diagnostics)")
        _ = fx.gate.waitForAudit(count: 2) { $0.host == Names.a }
        fx.expectNoPassword("credentials from the environment")
    }

    @Test func wrongCredentialsGive502Naming407WithoutThePassword() throws {
        let fx = try Fixture("parent-cred-wrong", makeParent: Self.squid(auth: true)) { config, _ in
            config.parentProxy = "http://\(Self.parentUser):\(Self.parentPassword)-wrong@127.0.0.1:\(URL(string: config.parentProxy!)!.port!)"
        }
        defer { fx.cleanup() }
        try Self.expectRefusal(fx, status: "407", "wrong inline credentials")
        fx.expectNoPassword("wrong inline credentials")
    }
}
