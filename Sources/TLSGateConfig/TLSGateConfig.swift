import TLSGatePolicy

/// The whole configuration, mirroring config/tlsgate.yaml key for key. Every key is optional;
/// `TLSGateConfig.default` holds the documented defaults. Durations are seconds.
public struct TLSGateConfig: Sendable, Equatable {
    /// `listen`: where the proxy listens.
    public var listen: ListenAddress
    /// `log_level`: stderr diagnostics threshold.
    public var logLevel: LogLevel
    /// `tls`: upstream TLS requirements.
    public var tls: TLSSettings
    /// `upstream`: host overrides and upstream timeouts.
    public var upstream: UpstreamSettings
    /// `policy`: the egress policy.
    public var policy: EgressPolicy
    /// `timeouts`: client-side timeouts.
    public var timeouts: TimeoutSettings
    /// `limits`: size limits.
    public var limits: LimitSettings
    /// `audit`: the audit log.
    public var audit: AuditSettings

    public init(listen: ListenAddress = ListenAddress(host: "127.0.0.1", port: 8080),
                logLevel: LogLevel = .info,
                tls: TLSSettings = TLSSettings(),
                upstream: UpstreamSettings = UpstreamSettings(),
                policy: EgressPolicy = .default,
                timeouts: TimeoutSettings = TimeoutSettings(),
                limits: LimitSettings = LimitSettings(),
                audit: AuditSettings = AuditSettings()) {
        self.listen = listen
        self.logLevel = logLevel
        self.tls = tls
        self.upstream = upstream
        self.policy = policy
        self.timeouts = timeouts
        self.limits = limits
        self.audit = audit
    }

    /// The defaults documented in config/tlsgate.yaml.
    public static let `default` = TLSGateConfig()

    /// A copy listening on `hostPort` (`HOST:PORT` or `[v6]:PORT`), for the CLI's --listen.
    public func withListen(_ hostPort: String) throws(ConfigError) -> TLSGateConfig {
        var copy = self
        do {
            copy.listen = try ListenAddress(parsing: hostPort)
        } catch {
            throw ConfigError(file: "--listen", message: error.message)
        }
        return copy
    }
}

/// `log_level` values; the raw values are swift-log's `Logger.Level` raw values.
public enum LogLevel: String, Sendable, Hashable, CaseIterable {
    case trace, debug, info, notice, warning, error, critical
}

/// `tls.min_version`.
public enum TLSMinVersion: String, Sendable, Hashable, CaseIterable, Comparable {
    case tls12 = "1.2"
    case tls13 = "1.3"

    /// "TLSv1.2" / "TLSv1.3" as OpenSSL and audit records spell it.
    public var name: String { "TLSv" + rawValue }

    public static func < (lhs: TLSMinVersion, rhs: TLSMinVersion) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// `tls.ca_bundle`: the trust store for upstream certificates.
public enum CABundle: Sendable, Hashable {
    /// The system trust store (OpenSSL default paths).
    case system
    /// A PEM bundle file (path as written, relative to the working directory).
    case file(String)
    // Room for more stores later (e.g. a built-in Amazon roots bundle).
}

/// The `tls` section.
public struct TLSSettings: Sendable, Hashable {
    public var minVersion: TLSMinVersion
    public var caBundle: CABundle

    public init(minVersion: TLSMinVersion = .tls12, caBundle: CABundle = .system) {
        self.minVersion = minVersion
        self.caBundle = caBundle
    }
}

/// The `upstream` section.
public struct UpstreamSettings: Sendable, Equatable {
    /// `resolve`: requested host pattern -> address[:port].
    public var resolve: ResolveOverrides
    /// `connect_timeout`: seconds for name resolution + TCP connect.
    public var connectTimeout: Double
    /// `handshake_timeout`: seconds for the upstream TLS handshake.
    public var handshakeTimeout: Double

    public init(resolve: ResolveOverrides = ResolveOverrides(), connectTimeout: Double = 10,
                handshakeTimeout: Double = 10) {
        self.resolve = resolve
        self.connectTimeout = connectTimeout
        self.handshakeTimeout = handshakeTimeout
    }
}

/// The `timeouts` section (seconds).
public struct TimeoutSettings: Sendable, Hashable {
    /// `request_head`: a client must send a complete request head within this.
    public var requestHead: Double
    /// `idle`: idle keep-alive client connection / forwarded exchange.
    public var idle: Double
    /// `client_hello`: a CONNECT tunnel must deliver its ClientHello within this.
    public var clientHello: Double
    /// `tunnel_idle`: a tunnel with no traffic either way is closed after this.
    public var tunnelIdle: Double

    public init(requestHead: Double = 30, idle: Double = 60, clientHello: Double = 10, tunnelIdle: Double = 300) {
        self.requestHead = requestHead
        self.idle = idle
        self.clientHello = clientHello
        self.tunnelIdle = tunnelIdle
    }
}

/// The `limits` section.
public struct LimitSettings: Sendable, Hashable {
    /// `max_request_head_bytes`: largest request head accepted (larger gets 431).
    public var maxRequestHeadBytes: Int

    /// Accepted range of `max_request_head_bytes`.
    public static let requestHeadBytesRange = 1024...(1 << 20)

    public init(maxRequestHeadBytes: Int = 65536) {
        self.maxRequestHeadBytes = maxRequestHeadBytes
    }
}

/// The `audit` section.
public struct AuditSettings: Sendable, Hashable {
    /// The JSON Lines file (appended); nil means stdout (`"-"`).
    public var path: String?

    public init(path: String? = nil) {
        self.path = path
    }
}
