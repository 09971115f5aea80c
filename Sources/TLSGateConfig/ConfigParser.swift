import TLSGatePolicy
import Yams

/// Walks a composed YAML tree into a `TLSGateConfig`, with the file, line and key path in
/// every error. Unknown keys are errors.
struct ConfigParser {
    let file: String
    /// Checks that CA bundle files exist and are readable.
    var fileReadable: (String) -> String? = FileAccess.readProblem

    static let topKeys = ["listen", "log_level", "tls", "upstream", "policy", "timeouts", "limits", "audit",
                          "admin", "shutdown_grace", "allow_clients", "proxy_auth", "aws", "event_loops",
                          "tunnel_relay", "intercept"]
    static let tlsKeys = ["min_version", "ca_bundle"]
    static let upstreamKeys = ["resolve", "connect_timeout", "handshake_timeout",
                                "proxy", "no_proxy", "proxy_credentials_file", "proxy_credentials_env", "http2"]
    static let policyKeys = ["mode", "allow_hosts", "connect_ports", "deny_private_addresses", "fips"]
    static let timeoutKeys = ["request_head", "idle", "client_hello", "tunnel_idle"]
    static let limitKeys = ["max_request_head_bytes", "max_connections", "max_connections_per_client",
                            "max_upstream_per_host"]
    static let proxyAuthKeys = ["users_file", "realm"]
    static let awsKeys = ["endpoints"]
    static let auditKeys = ["path", "checkpoint_interval", "signing_key", "format", "instance"]
    static let interceptKeys = ["enabled", "ca_cert", "ca_key", "hosts", "leaf_validity", "max_cached_leaves", "http2"]

    func parse(_ root: Node?) throws(ConfigError) -> TLSGateConfig {
        var config = TLSGateConfig.default
        guard let root, !isNull(root) else { return config }
        for (key, value) in try entries(of: root, path: nil, allowed: Self.topKeys) {
            switch key {
            case "listen":
                config.listen = try parsed(value, "listen") { text throws(ValueError) in try ListenAddress(parsing: text) }
            case "log_level":
                config.logLevel = try choice(value, "log_level", LogLevel.allCases.map(\.rawValue)) { LogLevel(rawValue: $0) }
            case "tls":
                try parseTLS(value, into: &config.tls)
            case "upstream":
                try parseUpstream(value, into: &config.upstream)
            case "policy":
                try parsePolicy(value, into: &config.policy)
            case "timeouts":
                try parseTimeouts(value, into: &config.timeouts)
            case "limits":
                for (key, value) in try entries(of: value, path: "limits", allowed: Self.limitKeys) {
                    switch key {
                    case "max_request_head_bytes":
                        let range = LimitSettings.requestHeadBytesRange
                        config.limits.maxRequestHeadBytes = try integer(value, "limits.max_request_head_bytes", in: range)
                    case "max_connections":
                        config.limits.maxConnections = try integer(value, "limits.max_connections", in: 1...1_000_000)
                    case "max_connections_per_client":
                        config.limits.maxConnectionsPerClient = try integer(value, "limits.max_connections_per_client", in: 0...1_000_000)
                    case "max_upstream_per_host":
                        config.limits.maxUpstreamPerHost = try integer(value, "limits.max_upstream_per_host", in: 0...1_000_000)
                    default:
                        break
                    }
                }
            case "admin":
                if isNull(value) {
                    config.admin = nil
                } else {
                    config.admin = try parsed(value, "admin") { text throws(ValueError) in try ListenAddress(parsing: text) }
                }
            case "shutdown_grace":
                config.shutdownGrace = try duration(value, "shutdown_grace")
            case "event_loops":
                config.eventLoops = try eventLoops(value)
            case "tunnel_relay":
                config.tunnelRelay = try choice(value, "tunnel_relay", TunnelRelay.allCases.map(\.rawValue)) { TunnelRelay(rawValue: $0) }
            case "allow_clients":
                var blocks: [CIDR] = []
                for (index, item) in try list(value, "allow_clients", of: "CIDR blocks").enumerated() {
                    let path = "allow_clients[\(index)]"
                    let text = try string(item, path, expected: "an address block such as \"10.0.0.0/8\"")
                    do {
                        blocks.append(try CIDR(parsing: text))
                    } catch {
                        throw self.error(item, "\(path): \(error.message)")
                    }
                }
                config.allowClients = blocks
            case "proxy_auth":
                config.proxyAuth = try parseProxyAuth(value)
            case "intercept":
                try parseIntercept(value, into: &config.intercept)
            case "aws":
                for (key, value) in try entries(of: value, path: "aws", allowed: Self.awsKeys) where key == "endpoints" {
                    let text = try string(value, "aws.endpoints", expected: "a path to the endpoint catalog (JSON)")
                    if let problem = fileReadable(text) {
                        throw error(value, "aws.endpoints: cannot read \"\(text)\": \(problem)")
                    }
                    config.aws.endpoints = text
                }
            case "audit":
                try parseAudit(value, into: &config.audit)
            default:
                break
            }
        }
        try checkNotOpenProxy(config, root: root)
        try checkAdminApart(config, root: root)
        return config
    }

    /// A listener reachable from other machines needs a client allowlist or authentication,
    /// or tlsgate would be an open proxy.
    private func checkNotOpenProxy(_ config: TLSGateConfig, root: Node) throws(ConfigError) {
        guard !config.listen.isLoopback, config.allowClients.isEmpty, config.proxyAuth == nil else { return }
        var node: Node? = root
        if case .mapping(let mapping) = root {
            node = mapping.first(where: { if case .scalar(let k) = $0.key { return k.string == "listen" } else { return false } })?.value
        }
        throw error(node, "listen: \(config.listen) is not a loopback address; set allow_clients (CIDR list) "
                    + "or proxy_auth.users_file, or tlsgate would be an open proxy")
    }

    /// The admin listener must never share the proxy's port.
    private func checkAdminApart(_ config: TLSGateConfig, root: Node) throws(ConfigError) {
        guard let admin = config.admin, admin.port != 0, admin.port == config.listen.port else { return }
        let wildcard: Set<String> = ["0.0.0.0", "::", "::0"]
        guard admin.host == config.listen.host || wildcard.contains(admin.host) || wildcard.contains(config.listen.host)
            || (admin.isLoopback && config.listen.isLoopback && admin.host == config.listen.host) else { return }
        var node: Node? = root
        if case .mapping(let mapping) = root {
            node = mapping.first(where: { if case .scalar(let k) = $0.key { return k.string == "admin" } else { return false } })?.value
        }
        throw error(node, "admin: \(admin) is the proxy's own address (listen: \(config.listen)); the admin listener needs its own port")
    }

    private func parseAudit(_ node: Node, into audit: inout AuditSettings) throws(ConfigError) {
        for (key, value) in try entries(of: node, path: "audit", allowed: Self.auditKeys) {
            switch key {
            case "path":
                let text = try string(value, "audit.path", expected: "a file path or \"-\" for stdout")
                guard !text.isEmpty else { throw error(value, "audit.path: expected a file path or \"-\" for stdout, got \"\"") }
                audit.path = text == "-" ? nil : text
            case "checkpoint_interval":
                let seconds = try duration(value, "audit.checkpoint_interval")
                guard AuditSettings.checkpointIntervalRange.contains(seconds) else {
                    throw error(value, "audit.checkpoint_interval: expected a duration from 1s to 1h, got \(seconds)s")
                }
                audit.checkpointInterval = seconds
            case "signing_key":
                let text = try string(value, "audit.signing_key", expected: "a path to an Ed25519 PEM key (tlsgate audit keygen)")
                if let problem = fileReadable(text) {
                    throw error(value, "audit.signing_key: cannot read \"\(text)\": \(problem)")
                }
                audit.signingKey = text
            case "format":
                audit.format = try choice(value, "audit.format", AuditFormat.allCases.map(\.rawValue)) { AuditFormat(rawValue: $0) }
            case "instance":
                let text = try string(value, "audit.instance", expected: "a name for this tlsgate (default: the host name)")
                guard !text.isEmpty, text.utf8.count <= 255, text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                    throw error(value, "audit.instance: expected 1 to 255 printable ASCII characters without spaces, got \"\(text)\"")
                }
                audit.instance = text
            default:
                break
            }
        }
    }

    private func parseProxyAuth(_ node: Node) throws(ConfigError) -> ProxyAuthSettings? {
        if isNull(node) { return nil }
        var file: String?
        var realm = "tlsgate"
        for (key, value) in try entries(of: node, path: "proxy_auth", allowed: Self.proxyAuthKeys) {
            switch key {
            case "users_file":
                let text = try string(value, "proxy_auth.users_file", expected: "a path to a users file (user:hash lines)")
                if let problem = fileReadable(text) {
                    throw error(value, "proxy_auth.users_file: cannot read \"\(text)\": \(problem)")
                }
                file = text
            case "realm":
                realm = try string(value, "proxy_auth.realm", expected: "a realm name")
                guard !realm.isEmpty, realm.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) else {
                    throw error(value, "proxy_auth.realm: expected printable ASCII without quotes or backslashes")
                }
            default:
                break
            }
        }
        guard let file else { throw error(node, "proxy_auth: users_file is required") }
        return ProxyAuthSettings(usersFile: file, realm: realm)
    }

    // MARK: - Sections

    /// `intercept`: shapes only; the CA files themselves are checked by `InterceptSetup.build`
    /// (check-config and start-up), which needs the key and the certificate together.
    private func parseIntercept(_ node: Node, into intercept: inout InterceptSettings) throws(ConfigError) {
        for (key, value) in try entries(of: node, path: "intercept", allowed: Self.interceptKeys) {
            switch key {
            case "enabled":
                intercept.enabled = try boolean(value, "intercept.enabled")
            case "http2":
                intercept.http2 = try boolean(value, "intercept.http2")
            case "ca_cert", "ca_key":
                let what = key == "ca_cert" ? "the CA certificate (PEM)" : "the CA private key (PEM)"
                let text = try string(value, "intercept.\(key)", expected: "a path to \(what)")
                guard !text.isEmpty else { throw error(value, "intercept.\(key): expected a path to \(what), got \"\"") }
                if key == "ca_cert" { intercept.caCert = text } else { intercept.caKey = text }
            case "hosts":
                var patterns: [HostPattern] = []
                for (index, item) in try list(value, "intercept.hosts", of: "host patterns").enumerated() {
                    let path = "intercept.hosts[\(index)]"
                    let text = try string(item, path, expected: "a host pattern such as \"*.s3.amazonaws.com\"")
                    do {
                        patterns.append(try HostPattern(text))
                    } catch {
                        throw self.error(item, "\(path): \(error.message)")
                    }
                }
                guard !patterns.isEmpty else {
                    throw error(value, "intercept.hosts: expected at least one host pattern; remove the key to intercept every allowed host, "
                                + "or set intercept.enabled: false")
                }
                intercept.hosts = patterns
            case "leaf_validity":
                let range = InterceptSettings.leafValidityRange
                let text = try string(value, "intercept.leaf_validity", expected: "a duration such as \"7d\" or \"12h\"")
                let seconds: Double
                do {
                    seconds = try DurationParser.seconds(text, maximum: range.upperBound)
                } catch {
                    throw self.error(value, "intercept.leaf_validity: \(error.message)")
                }
                guard seconds >= range.lowerBound else {
                    throw error(value, "intercept.leaf_validity: must be at least 1m, got \"\(text)\"")
                }
                intercept.leafValidity = seconds
            case "max_cached_leaves":
                intercept.maxCachedLeaves = try integer(value, "intercept.max_cached_leaves", in: InterceptSettings.maxCachedLeavesRange)
            default:
                break
            }
        }
    }

    private func parseTLS(_ node: Node, into tls: inout TLSSettings) throws(ConfigError) {
        for (key, value) in try entries(of: node, path: "tls", allowed: Self.tlsKeys) {
            switch key {
            case "min_version":
                let text = try string(value, "tls.min_version", expected: "\"1.2\" or \"1.3\"")
                switch text.lowercased() {
                case "1.2", "1.20", "tls1.2", "tlsv1.2": tls.minVersion = .tls12
                case "1.3", "1.30", "tls1.3", "tlsv1.3": tls.minVersion = .tls13
                case "1", "1.0", "1.1", "tls1.0", "tls1.1", "tlsv1", "tlsv1.0", "tlsv1.1":
                    throw error(value, "tls.min_version: expected \"1.2\" or \"1.3\", got \"\(text)\" "
                                + "(TLS versions below 1.2 are never allowed)")
                default:
                    throw error(value, "tls.min_version: expected \"1.2\" or \"1.3\", got \"\(text)\"")
                }
            case "ca_bundle":
                let text = try string(value, "tls.ca_bundle", expected: "\"system\", \"amazon\" or a path to a PEM bundle")
                if text == "system" {
                    tls.caBundle = .system
                } else if text == "amazon" {
                    tls.caBundle = .amazon
                } else {
                    guard !text.isEmpty else {
                        throw error(value, "tls.ca_bundle: expected \"system\" or a path to a PEM bundle, got \"\"")
                    }
                    if let problem = fileReadable(text) {
                        throw error(value, "tls.ca_bundle: cannot read \"\(text)\": \(problem)")
                    }
                    tls.caBundle = .file(text)
                }
            default:
                break
            }
        }
    }

    private func parseUpstream(_ node: Node, into upstream: inout UpstreamSettings) throws(ConfigError) {
        for (key, value) in try entries(of: node, path: "upstream", allowed: Self.upstreamKeys) {
            switch key {
            case "resolve": upstream.resolve = try parseResolve(value)
            case "connect_timeout": upstream.connectTimeout = try duration(value, "upstream.connect_timeout")
            case "handshake_timeout": upstream.handshakeTimeout = try duration(value, "upstream.handshake_timeout")
            case "http2":
                upstream.http2 = try choice(value, "upstream.http2", UpstreamHTTP2.allCases.map(\.rawValue)) { UpstreamHTTP2(rawValue: $0) }
            default: break
            }
        }
        try parseParentProxy(node, into: &upstream)
    }

    private func parseResolve(_ node: Node) throws(ConfigError) -> ResolveOverrides {
        var overrides = ResolveOverrides()
        guard !isNull(node) else { return overrides }
        guard case .mapping(let mapping) = node else {
            throw error(node, "upstream.resolve: expected a mapping of HOST: ADDRESS[:PORT], got \(kind(node))")
        }
        var seen: [HostPattern: Int] = [:]
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                throw error(keyNode, "upstream.resolve: keys must be host patterns, got \(kind(keyNode))")
            }
            let path = "upstream.resolve[\"\(keyScalar.string)\"]"
            let pattern: HostPattern
            do {
                pattern = try HostPattern(keyScalar.string)
            } catch {
                throw self.error(keyNode, "\(path): \(error.message)")
            }
            if let line = seen[pattern] {
                throw error(keyNode, "\(path): duplicate host pattern (also on line \(line))")
            }
            seen[pattern] = keyNode.mark?.line ?? 0
            // One ADDRESS[:PORT], or a list of them (raced with Happy Eyeballs, in the order given).
            let items = isScalar(valueNode) ? [valueNode] : try list(valueNode, path, of: "ADDRESS[:PORT] values")
            guard !items.isEmpty, items.count <= 16 else {
                throw error(valueNode, "\(path): give 1 to 16 addresses, got \(items.count)")
            }
            var targets: [UpstreamTarget] = []
            for item in items {
                let text = try string(item, path, expected: "ADDRESS[:PORT]")
                do {
                    targets.append(try UpstreamTarget(parsing: text))
                } catch {
                    throw self.error(item, "\(path): \(error.message)")
                }
            }
            overrides.set(pattern, targets: targets)
        }
        return overrides
    }

    private func parsePolicy(_ node: Node, into policy: inout EgressPolicy) throws(ConfigError) {
        for (key, value) in try entries(of: node, path: "policy", allowed: Self.policyKeys) {
            switch key {
            case "mode":
                policy.mode = try choice(value, "policy.mode", PolicyMode.allCases.map(\.rawValue)) { PolicyMode(rawValue: $0) }
            case "allow_hosts":
                var patterns: [HostPattern] = []
                for (index, item) in try list(value, "policy.allow_hosts", of: "host patterns").enumerated() {
                    let path = "policy.allow_hosts[\(index)]"
                    let text = try string(item, path, expected: "a host pattern such as \"*.amazonaws.com\"")
                    do {
                        patterns.append(try HostPattern(text))
                    } catch {
                        throw self.error(item, "\(path): \(error.message)")
                    }
                }
                policy.allowHosts = HostAllowlist(patterns)
            case "connect_ports":
                var ports = Set<Int>()
                let items = isScalar(value) && !isNull(value) ? [value] : try list(value, "policy.connect_ports", of: "ports")
                for (index, item) in items.enumerated() {
                    ports.insert(try integer(item, "policy.connect_ports[\(index)]", in: 1...65535))
                }
                policy.connectPorts = ports
            case "deny_private_addresses":
                policy.denyPrivateAddresses = try boolean(value, "policy.deny_private_addresses")
            case "fips":
                policy.fips = try choice(value, "policy.fips", FIPSMode.allCases.map(\.rawValue)) { FIPSMode(rawValue: $0) }
            default:
                break
            }
        }
    }

    private func parseTimeouts(_ node: Node, into timeouts: inout TimeoutSettings) throws(ConfigError) {
        for (key, value) in try entries(of: node, path: "timeouts", allowed: Self.timeoutKeys) {
            let seconds = try duration(value, "timeouts.\(key)")
            switch key {
            case "request_head": timeouts.requestHead = seconds
            case "idle": timeouts.idle = seconds
            case "client_hello": timeouts.clientHello = seconds
            case "tunnel_idle": timeouts.tunnelIdle = seconds
            default: break
            }
        }
    }

    // MARK: - Typed values

    /// The key/value pairs of a mapping (a null section is empty); unknown keys are errors.
    func entries(of node: Node, path: String?, allowed: [String]) throws(ConfigError) -> [(String, Node)] {
        if isNull(node) { return [] }
        guard case .mapping(let mapping) = node else {
            let name = path.map { "\($0): " } ?? ""
            let what = path == nil ? "a mapping of settings at the top level" : "a mapping"
            throw error(node, "\(name)expected \(what), got \(kind(node))")
        }
        var result: [(String, Node)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                throw error(keyNode, "\(path.map { "\($0): " } ?? "")keys must be plain names, got \(kind(keyNode))")
            }
            let key = scalar.string
            guard allowed.contains(key) else {
                let full = path.map { "\($0).\(key)" } ?? key
                var message = "unknown key '\(full)' (expected one of: \(allowed.joined(separator: ", ")))"
                if let guess = Suggestion.closest(to: key, in: allowed) { message += "; did you mean '\(guess)'?" }
                throw error(keyNode, message)
            }
            result.append((key, value))
        }
        return result
    }

    func list(_ node: Node, _ path: String, of what: String) throws(ConfigError) -> [Node] {
        guard case .sequence(let sequence) = node else {
            throw error(node, "\(path): expected a list of \(what) (use [] for none), got \(kind(node))")
        }
        return Array(sequence)
    }

    func string(_ node: Node, _ path: String, expected: String) throws(ConfigError) -> String {
        guard case .scalar(let scalar) = node, !isNull(node) else {
            throw error(node, "\(path): expected \(expected), got \(kind(node))")
        }
        return scalar.string
    }

    func parsed<T>(_ node: Node, _ path: String,
                          _ parse: (String) throws(ValueError) -> T) throws(ConfigError) -> T {
        let text = try string(node, path, expected: "a value")
        do {
            return try parse(text)
        } catch {
            throw self.error(node, "\(path): \(error.message)")
        }
    }

    private func choice<T>(_ node: Node, _ path: String, _ options: [String],
                           _ make: (String) -> T?) throws(ConfigError) -> T {
        let expected = options.count == 2
            ? "\"\(options[0])\" or \"\(options[1])\""
            : "one of " + options.map { "\"\($0)\"" }.joined(separator: ", ")
        let text = try string(node, path, expected: expected)
        if let result = make(text) { return result }
        var message = "\(path): expected \(expected), got \"\(text)\""
        if let guess = Suggestion.closest(to: text, in: options) { message += "; did you mean \"\(guess)\"?" }
        throw error(node, message)
    }

    private func integer(_ node: Node, _ path: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        let expected = "a whole number from \(range.lowerBound) to \(range.upperBound)"
        let text = try string(node, path, expected: expected)
        guard text.utf8.count <= 18, !text.isEmpty, text.utf8.allSatisfy({ $0 &- 0x30 < 10 }),
              let number = Int(text), range.contains(number) else {
            throw error(node, "\(path): expected \(expected), got \"\(text)\"")
        }
        return number
    }

    /// `event_loops`: "auto" (nil: one per core) or a thread count.
    private func eventLoops(_ node: Node) throws(ConfigError) -> Int? {
        let range = TLSGateConfig.eventLoopsRange
        let text = try string(node, "event_loops", expected: "\"auto\" or a whole number from \(range.lowerBound) to \(range.upperBound)")
        if text == "auto" { return nil }
        guard text.utf8.count <= 4, !text.isEmpty, text.utf8.allSatisfy({ $0 &- 0x30 < 10 }),
              let number = Int(text), range.contains(number) else {
            throw error(node, "event_loops: expected \"auto\" or a whole number from \(range.lowerBound) to \(range.upperBound), got \"\(text)\"")
        }
        return number
    }

    private func boolean(_ node: Node, _ path: String) throws(ConfigError) -> Bool {
        let text = try string(node, path, expected: "true or false")
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw error(node, "\(path): expected true or false, got \"\(text)\"")
        }
    }

    private func duration(_ node: Node, _ path: String) throws(ConfigError) -> Double {
        try parsed(node, path) { text throws(ValueError) in try DurationParser.seconds(text) }
    }

    // MARK: - Nodes

    func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    private func isScalar(_ node: Node) -> Bool {
        if case .scalar = node { return true }
        return false
    }

    func kind(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if isNull(node) { return "nothing (null)" }
            return "\"\(scalar.string)\""
        }
    }

    func error(_ node: Node?, _ message: String) -> ConfigError {
        ConfigError(file: file, line: node?.mark?.line, column: node?.mark?.column, message: message)
    }
}
