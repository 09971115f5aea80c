import Foundation
import Testing
import TLSGatePolicy
@testable import TLSGateConfig

private let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
private let defaultConfigPath = repoRoot.appendingPathComponent("config/tlsgate.yaml").path

private func parse(_ yaml: String) throws(ConfigError) -> TLSGateConfig {
    try TLSGateConfig.parse(yaml: yaml, file: "test.yaml")
}

/// The error for `yaml`, or a recorded issue.
private func failure(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
    do {
        _ = try parse(yaml)
        Issue.record("accepted:\n\(yaml)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

@Suite struct DefaultsTests {
    @Test func shippedFileEqualsDefaults() throws {
        let config = try TLSGateConfig.load(path: defaultConfigPath)
        #expect(config == TLSGateConfig.default)
    }

    @Test func defaultValues() {
        let config = TLSGateConfig.default
        #expect(config.listen == ListenAddress(host: "127.0.0.1", port: 8080))
        #expect(config.logLevel == .info)
        #expect(config.tls.minVersion == .tls12 && config.tls.caBundle == .system)
        #expect(config.upstream.resolve.isEmpty)
        #expect(config.upstream.connectTimeout == 10 && config.upstream.handshakeTimeout == 10)
        #expect(config.policy == EgressPolicy.default)
        #expect(config.policy.mode == .enforce && config.policy.connectPorts == [443] && config.policy.denyPrivateAddresses)
        #expect(config.policy.allowHosts.patterns.map(\.description)
                == ["*.amazonaws.com", "*.amazonaws.com.cn", "*.api.aws", "*.aws"])
        #expect(config.timeouts == TimeoutSettings(requestHead: 30, idle: 60, clientHello: 10, tunnelIdle: 300))
        #expect(config.limits.maxRequestHeadBytes == 65536)
        #expect(config.audit.path == nil)
    }

    @Test func emptyAndCommentOnlyFilesAreDefaults() throws {
        for yaml in ["", "\n\n", "# nothing\n  # here\n", "---\n", "~\n", "tls:\npolicy:\n"] {
            #expect(try parse(yaml) == TLSGateConfig.default, "\(yaml.debugDescription)")
        }
    }

    @Test func shippedFileWithExamplesUncommented() throws {
        var text = try String(contentsOfFile: defaultConfigPath, encoding: .utf8)
        text = text.replacingOccurrences(of: "  resolve: {}\n  #   s3.", with: "  resolve:\n    s3.")
            .replacingOccurrences(of: "  #   \"*.example.test\"", with: "    \"*.example.test\"")
        let config = try parse(text)
        #expect(config.upstream.resolve.lookup("s3.us-east-1.amazonaws.com")
                == UpstreamTarget(host: "vpce-0123.s3.us-east-1.vpce.amazonaws.com", port: nil))
        #expect(config.upstream.resolve.lookup("a.b.example.test") == UpstreamTarget(host: "127.0.0.1", port: 8443))
    }
}

@Suite struct EveryKeyTests {
    @Test func allKeysSet() throws {
        let ca = NSTemporaryDirectory() + "tlsgate-ca-\(getpid()).pem"
        _ = FileManager.default.createFile(atPath: ca, contents: Data("pem".utf8))
        defer { try? FileManager.default.removeItem(atPath: ca) }
        let config = try parse("""
            listen: "[::1]:9443"
            log_level: debug
            tls:
              min_version: 1.3
              ca_bundle: \(ca)
            upstream:
              resolve:
                s3.us-east-1.amazonaws.com: vpce-0123.s3.us-east-1.vpce.amazonaws.com
                "*.example.test": 127.0.0.1:8443
                "v6.example.test": "[::1]:8444"
              connect_timeout: 500ms
              handshake_timeout: 2.5
            policy:
              mode: report
              allow_hosts: ["*.example.test", "Exact.Host.", "*.amazonaws.com"]
              connect_ports: [443, 8443]
              deny_private_addresses: false
            timeouts:
              request_head: 1m
              idle: 1h
              client_hello: 250ms
              tunnel_idle: 90
            limits:
              max_request_head_bytes: 16384
            audit:
              path: /var/log/tlsgate/audit.jsonl
            """)
        #expect(config.listen == ListenAddress(host: "::1", port: 9443))
        #expect(config.listen.description == "[::1]:9443")
        #expect(config.logLevel == .debug)
        #expect(config.tls == TLSSettings(minVersion: .tls13, caBundle: .file(ca)))
        #expect(config.upstream.resolve.entries.count == 3)
        #expect(config.upstream.resolve.lookup("x.example.test") == UpstreamTarget(host: "127.0.0.1", port: 8443))
        #expect(config.upstream.resolve.lookup("v6.example.test") == UpstreamTarget(host: "::1", port: 8444))
        #expect(config.upstream.connectTimeout == 0.5 && config.upstream.handshakeTimeout == 2.5)
        #expect(config.policy.mode == .report)
        #expect(config.policy.allowHosts.allows("exact.host") && config.policy.allowHosts.allows("a.example.test"))
        #expect(!config.policy.allowHosts.allows("example.test"))
        #expect(config.policy.connectPorts == [443, 8443])
        #expect(!config.policy.denyPrivateAddresses)
        #expect(config.timeouts == TimeoutSettings(requestHead: 60, idle: 3600, clientHello: 0.25, tunnelIdle: 90))
        #expect(config.limits.maxRequestHeadBytes == 16384)
        #expect(config.audit.path == "/var/log/tlsgate/audit.jsonl")
    }

    @Test func minVersionSpellings() throws {
        for (text, version) in [("\"1.2\"", TLSMinVersion.tls12), ("1.2", .tls12), ("'1.3'", .tls13), ("1.3", .tls13),
                                ("TLSv1.3", .tls13)] {
            #expect(try parse("tls:\n  min_version: \(text)\n").tls.minVersion == version, "\(text)")
        }
        #expect(TLSMinVersion.tls13.name == "TLSv1.3" && TLSMinVersion.tls12 < .tls13)
    }

    @Test func smallForms() throws {
        #expect(try parse("listen: localhost:80").listen == ListenAddress(host: "localhost", port: 80))
        #expect(try parse("listen: 0.0.0.0:65535\nallow_clients: [10.0.0.0/8]").listen.port == 65535)
        #expect(try parse("audit:\n  path: \"-\"").audit.path == nil)
        #expect(try parse("policy:\n  connect_ports: 8443").policy.connectPorts == [8443])
        #expect(try parse("policy:\n  allow_hosts: []").policy.allowHosts.isEmpty)
        #expect(try parse("policy:\n  deny_private_addresses: TRUE").policy.denyPrivateAddresses)
        #expect(try parse("upstream:\n  resolve:\n").upstream.resolve.isEmpty)
        #expect(try parse("limits:\n  max_request_head_bytes: \"8192\"").limits.maxRequestHeadBytes == 8192)
        #expect(try parse("log_level: critical").logLevel == .critical)
    }

    @Test func withListen() throws {
        let config = try TLSGateConfig.default.withListen("[::1]:18080")
        #expect(config.listen == ListenAddress(host: "::1", port: 18080))
        #expect(config.policy == TLSGateConfig.default.policy)
        #expect(throws: ConfigError.self) { try TLSGateConfig.default.withListen("nope") }
        // Port 0 asks the kernel for a free port (tests and ad-hoc runs print the bound address).
        #expect(try TLSGateConfig.default.withListen("127.0.0.1:0").listen.port == 0)
        do {
            _ = try TLSGateConfig.default.withListen("127.0.0.1:70000")
            Issue.record("port 70000 accepted")
        } catch {
            #expect(error.description.hasPrefix("--listen: port must be a number from 0 to 65535"))
        }
    }
}

@Suite struct ErrorTests {
    @Test func unknownTopLevelKeyWithLineAndSuggestion() throws {
        let error = try #require(failure("listen: 127.0.0.1:8080\n\n# comment\npolcy:\n  mode: enforce\n"))
        #expect(error.line == 4 && error.column == 1)
        #expect(error.description.hasPrefix("test.yaml:4: unknown key 'polcy' (expected one of: listen, log_level, tls"))
        #expect(error.message.hasSuffix("did you mean 'policy'?"))
    }

    @Test func unknownNestedKey() throws {
        let error = try #require(failure("policy:\n  mode: enforce\n  allow_host:\n    - a.com\n"))
        #expect(error.line == 3)
        #expect(error.message.contains("unknown key 'policy.allow_host' (expected one of: mode, allow_hosts"))
        #expect(error.message.contains("did you mean 'allow_hosts'?"))
        let far = try #require(failure("timeouts:\n  zzzzzz: 1\n"))
        #expect(!far.message.contains("did you mean"))
    }

    @Test(arguments: [
        ("policy:\n  mode: enforse\n", 2, "policy.mode: expected \"enforce\" or \"report\", got \"enforse\"; did you mean \"enforce\"?"),
        ("log_level: loud\n", 1, "log_level: expected one of \"trace\", \"debug\", \"info\", \"notice\", \"warning\", \"error\", \"critical\", got \"loud\""),
        ("tls:\n  min_version: 1.1\n", 2, "tls.min_version: expected \"1.2\" or \"1.3\", got \"1.1\" (TLS versions below 1.2 are never allowed)"),
        ("tls:\n  min_version: [1]\n", 2, "tls.min_version: expected \"1.2\" or \"1.3\", got a list"),
        ("tls:\n  ca_bundle: /nonexistent/ca.pem\n", 2, "tls.ca_bundle: cannot read \"/nonexistent/ca.pem\": No such file or directory"),
        ("listen: 127.0.0.1\n", 1, "listen: expected HOST:PORT such as 127.0.0.1:8080 or [::1]:8080, got \"127.0.0.1\""),
        ("listen: 127.0.0.1:70000\n", 1, "listen: port must be a number from 0 to 65535"),
        ("listen: ::1:8080\n", 1, "listen: write an IPv6 listen address in brackets"),
        ("listen: \"[::g]:8080\"\n", 1, "listen: \"::g\" is not an IPv6 address"),
        ("listen: \"bad host:80\"\n", 1, "listen: \"bad host\" is not an IP address or host name"),
        ("listen: 8080\n", 1, "listen: expected HOST:PORT"),
        ("listen:\n", 1, "listen: expected a value, got nothing (null)"),
        ("policy:\n  connect_ports: [443, 0]\n", 2, "policy.connect_ports[1]: expected a whole number from 1 to 65535, got \"0\""),
        ("policy:\n  connect_ports: [https]\n", 2, "policy.connect_ports[0]: expected a whole number"),
        ("policy:\n  deny_private_addresses: yes\n", 2, "policy.deny_private_addresses: expected true or false, got \"yes\""),
        ("policy:\n  allow_hosts:\n    - \"*.ok.com\"\n    - \"*\"\n", 4, "policy.allow_hosts[1]: '*' would match every host"),
        ("policy:\n  allow_hosts:\n    - \"a.*.com\"\n", 3, "policy.allow_hosts[0]: '*' is only allowed as the whole first label"),
        ("policy:\n  allow_hosts: \"*.aws\"\n", 2, "policy.allow_hosts: expected a list of host patterns (use [] for none), got \"*.aws\""),
        ("policy:\n  allow_hosts:\n", 2, "policy.allow_hosts: expected a list of host patterns"),
        ("policy: [a]\n", 1, "policy: expected a mapping, got a list"),
        ("- a\n- b\n", 1, "expected a mapping of settings at the top level, got a list"),
        ("upstream:\n  resolve:\n    \"*.a.test\": 127.0.0.1:99999\n", 3, "upstream.resolve[\"*.a.test\"]: '127.0.0.1:99999': port must be a number from 1 to 65535"),
        ("upstream:\n  resolve:\n    \"a.*.test\": 127.0.0.1\n", 3, "upstream.resolve[\"a.*.test\"]: '*' is only allowed"),
        ("upstream:\n  resolve:\n    a.test: 1.1.1.1\n    A.Test.: 2.2.2.2\n", 4, "upstream.resolve[\"A.Test.\"]: duplicate host pattern (also on line 3)"),
        ("upstream:\n  resolve: [a]\n", 2, "upstream.resolve: expected a mapping of HOST: ADDRESS[:PORT], got a list"),
        ("limits:\n  max_request_head_bytes: 100\n", 2, "limits.max_request_head_bytes: expected a whole number from 1024 to 1048576, got \"100\""),
        ("audit:\n  path: \"\"\n", 2, "audit.path: expected a file path or \"-\" for stdout, got \"\""),
        ("audit:\n  path:\n", 2, "audit.path: expected a file path or \"-\" for stdout, got nothing (null)"),
    ])
    func badValues(yaml: String, line: Int, message: String) throws {
        let error = try #require(failure(yaml))
        #expect(error.line == line, "\(error)")
        #expect(error.message.hasPrefix(message), "\(error.message)")
        #expect(error.description == "test.yaml:\(line): \(error.message)")
    }

    @Test(arguments: [
        ("upstream:\n  connect_timeout: 0\n", "upstream.connect_timeout: must be greater than 0, got \"0\""),
        ("upstream:\n  connect_timeout: 0s\n", "must be greater than 0"),
        ("upstream:\n  connect_timeout: -5s\n", "must be greater than 0"),
        ("upstream:\n  connect_timeout: 25h\n", "must be at most 24h"),
        ("upstream:\n  connect_timeout: 10sec\n", "expected a duration such as 10, \"500ms\", \"10s\", \"2m\" or \"1h\", got \"10sec\""),
        ("upstream:\n  connect_timeout: 1.2.3s\n", "expected a duration"),
        ("upstream:\n  connect_timeout: .5s\n", "expected a duration"),
        ("upstream:\n  connect_timeout: 10 s\n", "expected a duration"),
        ("upstream:\n  connect_timeout: inf\n", "expected a duration"),
        ("upstream:\n  connect_timeout: 1e3\n", "expected a duration"),
        ("upstream:\n  connect_timeout: s\n", "expected a duration"),
    ])
    func badDurations(yaml: String, message: String) throws {
        let error = try #require(failure(yaml))
        #expect(error.line == 2)
        #expect(error.message.contains(message), "\(error.message)")
    }

    @Test func goodDurations() throws {
        for (text, seconds) in [("10", 10.0), ("1.5", 1.5), ("500ms", 0.5), ("10s", 10), ("2m", 120), ("1h", 3600),
                                ("0.5s", 0.5), ("\"24h\"", 86400), ("1ms", 0.001)] {
            #expect(try parse("timeouts:\n  idle: \(text)\n").timeouts.idle == seconds, "\(text)")
        }
    }

    @Test func yamlSyntaxErrorsCarryLines() throws {
        let unclosed = try #require(failure("listen: 127.0.0.1:8080\npolicy:\n  mode: \"enforce\n  allow_hosts: []\n"))
        #expect(unclosed.line != nil)
        #expect(unclosed.message.hasPrefix("invalid YAML: "))
        let badIndent = try #require(failure("policy:\n  mode: enforce\n bad: 1\n"))
        #expect(badIndent.line == 3)
        #expect(badIndent.description.hasPrefix("test.yaml:3: invalid YAML: "))
        let tab = try #require(failure("policy:\n\tmode: enforce\n"))
        #expect(tab.line == 2)
        let duplicate = try #require(failure("log_level: info\nlisten: 127.0.0.1:1\nlog_level: debug\n"))
        #expect(duplicate.message == "duplicate key 'log_level' (first defined on line 1)")
        #expect(duplicate.line == 3)
        let nested = try #require(failure("policy:\n  mode: enforce\n  \"mode\": report\n"))
        #expect(nested.line == 3 && nested.message.hasPrefix("duplicate key 'mode'"))
        let twoDocs = try #require(failure("log_level: info\n---\nlog_level: debug\n"))
        #expect(twoDocs.line == 2)
        #expect(twoDocs.message.contains("one document"))
        let flow = try #require(failure("policy: {mode: enforce\n"))
        #expect(flow.line != nil && flow.message.hasPrefix("invalid YAML"))
    }

    @Test func fileErrors() throws {
        do {
            _ = try TLSGateConfig.load(path: "/nonexistent/tlsgate.yaml")
            Issue.record("loaded a missing file")
        } catch {
            #expect(error.description == "/nonexistent/tlsgate.yaml: cannot read config file: No such file or directory")
            #expect(error.line == nil)
        }
        #expect(throws: ConfigError.self) { try TLSGateConfig.load(path: NSTemporaryDirectory()) }

        let path = NSTemporaryDirectory() + "tlsgate-bad-\(getpid()).yaml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = FileManager.default.createFile(atPath: path, contents: Data([0x6C, 0x69, 0xFF, 0x0A]))
        do {
            _ = try TLSGateConfig.load(path: path)
            Issue.record("loaded invalid UTF-8")
        } catch {
            #expect(error.description == "\(path): config file is not valid UTF-8")
        }
        _ = FileManager.default.createFile(atPath: path, contents: Data("timeouts:\n  idel: 5s\n".utf8))
        do {
            _ = try TLSGateConfig.load(path: path)
            Issue.record("loaded an unknown key")
        } catch {
            #expect(error.description.hasPrefix("\(path):2: unknown key 'timeouts.idel'"))
            #expect(error.description.hasSuffix("did you mean 'idle'?"))
        }
    }

    @Test func suggestion() {
        #expect(Suggestion.closest(to: "polcy", in: ConfigParser.topKeys) == "policy")
        #expect(Suggestion.closest(to: "loglevel", in: ConfigParser.topKeys) == "log_level")
        #expect(Suggestion.closest(to: "upsteram", in: ConfigParser.topKeys) == "upstream")
        #expect(Suggestion.closest(to: "zzz", in: ConfigParser.topKeys) == nil)
    }
}

@Suite struct OperationsKeysTests {
    func parse(_ yaml: String) throws -> TLSGateConfig {
        try TLSGateConfig.parse(yaml: yaml, file: "ops.yaml")
    }

    func failure(_ yaml: String) -> ConfigError? {
        do {
            _ = try parse(yaml)
            return nil
        } catch {
            return error as? ConfigError
        }
    }

    @Test func defaultsAreSafe() {
        let config = TLSGateConfig.default
        #expect(config.admin == nil)
        #expect(config.shutdownGrace == 30)
        #expect(config.allowClients.isEmpty && config.proxyAuth == nil)
        #expect(config.limits.maxConnections == 16384 && config.limits.maxConnectionsPerClient == 0)
        #expect(config.policy.fips == .off)
    }

    @Test func newKeys() throws {
        let config = try parse("""
        admin: 127.0.0.1:9901
        shutdown_grace: 5s
        allow_clients: ["10.0.0.0/8", "fd00::/8", 192.168.1.7]
        limits:
          max_connections: 100
          max_connections_per_client: 10
          max_upstream_per_host: 4
        policy:
          fips: require
        tls:
          ca_bundle: amazon
        """)
        #expect(config.admin == ListenAddress(host: "127.0.0.1", port: 9901))
        #expect(config.shutdownGrace == 5)
        #expect(config.allowClients.map(\.description) == ["10.0.0.0/8", "fd00::/8", "192.168.1.7/32"])
        #expect(config.limits.maxConnections == 100 && config.limits.maxConnectionsPerClient == 10)
        #expect(config.limits.maxUpstreamPerHost == 4)
        #expect(config.policy.fips == .require)
        #expect(config.tls.caBundle == .amazon)
    }

    @Test func nonLoopbackListenNeedsAllowlistOrAuth() throws {
        let error = try #require(failure("log_level: info\nlisten: 0.0.0.0:8080\n"))
        #expect(error.line == 2)
        #expect(error.description.contains("open proxy"))
        #expect(try parse("listen: 0.0.0.0:8080\nallow_clients: [127.0.0.0/8]").allowClients.count == 1)
        #expect(throws: ConfigError.self) { try TLSGateConfig.default.withListen("0.0.0.0:8080") }
    }

    @Test func badValuesNameTheKey() throws {
        #expect(try #require(failure("allow_clients: [10.0.0.1/8]")).description.contains("host bits"))
        #expect(try #require(failure("allow_clients: [nope]")).description.contains("allow_clients[0]"))
        #expect(try #require(failure("policy:\n  fips: maybe")).description.contains("policy.fips"))
        #expect(try #require(failure("proxy_auth:\n  realm: x")).description.contains("users_file is required"))
        #expect(try #require(failure("proxy_auth:\n  users_file: /nonexistent/users")).description.contains("cannot read"))
        #expect(try #require(failure("limits:\n  max_connections: 0")).description.contains("limits.max_connections"))
    }
}

@Suite struct EventLoopsTests {
    @Test func autoOrACount() throws {
        #expect(try parse("event_loops: auto").eventLoops == nil)
        #expect(try parse("event_loops: 1").eventLoops == 1)
        #expect(try parse("event_loops: 256").eventLoops == 256)
        #expect(TLSGateConfig.default.eventLoops == nil)
    }

    @Test func badValuesSayWhatIsExpected() {
        for bad in ["0", "257", "-1", "two", "1.5", "\"\"", "[1]"] {
            let error = failure("event_loops: \(bad)")
            #expect(error?.description.contains("event_loops") == true, "\(bad): \(String(describing: error))")
            #expect(error?.description.contains("auto") == true, "\(bad): \(String(describing: error))")
        }
    }
}

@Suite struct TunnelRelayTests {
    @Test func copyByDefaultOrSplice() throws {
        #expect(TLSGateConfig.default.tunnelRelay == .copy)
        #expect(try parse("tunnel_relay: copy").tunnelRelay == .copy)
        #expect(try parse("tunnel_relay: splice").tunnelRelay == .splice)
    }

    @Test func badValueNamesTheChoices() {
        let error = failure("tunnel_relay: zerocopy")
        #expect(error?.description.contains("tunnel_relay: expected \"copy\" or \"splice\", got \"zerocopy\"") == true,
                "\(String(describing: error))")
    }
}

/// `audit.checkpoint_interval`, `audit.signing_key`, `audit.format`, `audit.instance`.
@Suite struct AuditEvidenceKeysTests {
    @Test func defaultsAndValues() throws {
        let defaults = TLSGateConfig.default.audit
        #expect(defaults.checkpointInterval == 60 && defaults.signingKey == nil && defaults.format == .tlsgate && defaults.instance == nil)
        let key = FileManager.default.temporaryDirectory.path + "/tlsgate-config-key-\(getpid()).pem"
        try "x".write(toFile: key, atomically: false, encoding: .utf8)
        defer { unlink(key) }
        let config = try parse("audit:\n  checkpoint_interval: 30s\n  signing_key: \(key)\n  format: ocsf\n  instance: gw-eu-1\n")
        #expect(config.audit == AuditSettings(path: nil, checkpointInterval: 30, signingKey: key, format: .ocsf, instance: "gw-eu-1"))
        #expect(try parse("audit:\n  format: ecs\n").audit.format == .ecs)
    }

    @Test(arguments: [
        ("audit:\n  checkpoint_interval: 0s\n", "audit.checkpoint_interval: must be greater than 0"),
        ("audit:\n  checkpoint_interval: 500ms\n", "audit.checkpoint_interval: expected a duration from 1s to 1h, got 0.5s"),
        ("audit:\n  checkpoint_interval: 2h\n", "audit.checkpoint_interval: expected a duration from 1s to 1h"),
        ("audit:\n  format: cef\n", "audit.format: expected one of \"tlsgate\", \"ocsf\", \"ecs\", got \"cef\""),
        ("audit:\n  format: ocfs\n", "did you mean \"ocsf\"?"),
        ("audit:\n  instance: \"a b\"\n", "audit.instance: expected 1 to 255 printable ASCII characters without spaces"),
        ("audit:\n  signing_key: /nonexistent/audit-key.pem\n", "audit.signing_key: cannot read \"/nonexistent/audit-key.pem\""),
        ("audit:\n  sign_key: x\n", "sign_key"),
    ])
    func badValues(yaml: String, message: String) throws {
        let error = try #require(failure(yaml))
        #expect(error.line == 2, "\(error)")
        #expect(error.description.contains(message), "\(error)")
    }
}
