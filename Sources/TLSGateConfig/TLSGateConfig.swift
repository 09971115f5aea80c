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
    /// `admin`: the admin listener (health, readiness, metrics, reload); nil = off.
    public var admin: ListenAddress?
    /// `shutdown_grace`: seconds in-flight requests and tunnels get after SIGTERM/SIGINT.
    public var shutdownGrace: Double
    /// `allow_clients`: client address blocks allowed to use the proxy (empty = any client that
    /// can reach the listener, which is loopback-only by default).
    public var allowClients: [CIDR]
    /// `proxy_auth`: require `Proxy-Authorization: Basic` from clients; nil = off.
    public var proxyAuth: ProxyAuthSettings?
    /// `aws`: AWS endpoint awareness.
    public var aws: AWSSettings
    /// `event_loops`: event-loop threads serving connections; nil (`auto`) = one per core.
    public var eventLoops: Int?
    /// What `event_loops` accepts besides `auto`.
    public static let eventLoopsRange = 1...256
    /// `tunnel_relay`: how tunnels move bytes after the hellos (`copy` or `splice`).
    public var tunnelRelay: TunnelRelay
    /// `intercept`: TLS interception with the local CA.
    public var intercept: InterceptSettings = InterceptSettings()

    public init(listen: ListenAddress = ListenAddress(host: "127.0.0.1", port: 8080),
                logLevel: LogLevel = .info,
                tls: TLSSettings = TLSSettings(),
                upstream: UpstreamSettings = UpstreamSettings(),
                policy: EgressPolicy = .default,
                timeouts: TimeoutSettings = TimeoutSettings(),
                limits: LimitSettings = LimitSettings(),
                audit: AuditSettings = AuditSettings(),
                admin: ListenAddress? = nil,
                shutdownGrace: Double = 30,
                allowClients: [CIDR] = [],
                proxyAuth: ProxyAuthSettings? = nil,
                aws: AWSSettings = AWSSettings(),
                eventLoops: Int? = nil,
                tunnelRelay: TunnelRelay = .copy) {
        self.eventLoops = eventLoops
        self.tunnelRelay = tunnelRelay
        self.admin = admin
        self.shutdownGrace = shutdownGrace
        self.allowClients = allowClients
        self.proxyAuth = proxyAuth
        self.aws = aws
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
        if !copy.listen.isLoopback, copy.allowClients.isEmpty, copy.proxyAuth == nil {
            throw ConfigError(file: "--listen", message: "\(copy.listen) is not a loopback address; set allow_clients "
                              + "(CIDR list) or proxy_auth.users_file in the configuration, or tlsgate would be an open proxy")
        }
        return copy
    }
}

/// `tunnel_relay` values: how a tunnel moves opaque bytes once the hellos are inspected.
public enum TunnelRelay: String, Sendable, Hashable, CaseIterable {
    /// `read(2)` into a 64 KiB buffer, `send(2)` out: one more copy than splice, but the best
    /// single-stream throughput measured (`bench/RESULTS.md`, row 5).
    case copy
    /// socket → pipe → socket with `splice(2)`: no copy through user space, less relay CPU per byte.
    case splice
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
    /// Amazon Trust Services roots only (Amazon Root CA 1-4, Starfield Services Root G2):
    /// certs/amazon-roots.pem, built into the binary.
    case amazon
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
    /// `proxy` (+ `proxy_credentials_file` / `proxy_credentials_env`): the parent proxy upstreams
    /// are reached through with CONNECT; nil = connect directly.
    public var proxy: ParentProxy?
    /// `no_proxy`: host patterns reached directly even when `proxy` is set.
    public var noProxy: HostAllowlist
    /// `http2`: `auto` (default) offers `h2,http/1.1` by ALPN to origins and multiplexes the
    /// requests to an origin that picks `h2` over one pooled connection per event loop; `off`
    /// offers no ALPN (HTTP/1.1 only, one pooled connection per in-flight request).
    public var http2: UpstreamHTTP2 = .auto

    public init(resolve: ResolveOverrides = ResolveOverrides(), connectTimeout: Double = 10,
                handshakeTimeout: Double = 10, proxy: ParentProxy? = nil, noProxy: HostAllowlist = HostAllowlist([])) {
        self.resolve = resolve
        self.connectTimeout = connectTimeout
        self.handshakeTimeout = handshakeTimeout
        self.proxy = proxy
        self.noProxy = noProxy
    }
}

/// `upstream.http2`: whether tlsgate offers HTTP/2 to origins.
public enum UpstreamHTTP2: String, Sendable, Equatable, CaseIterable {
    case auto
    case off
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
    /// `max_connections`: client connections beyond this get 503 and are closed.
    public var maxConnections: Int
    /// `max_connections_per_client`: open connections per client IP; 0 = no per-client cap.
    public var maxConnectionsPerClient: Int
    /// `max_upstream_per_host`: concurrent upstream connections per host; 0 = no cap.
    public var maxUpstreamPerHost: Int

    /// Accepted range of `max_request_head_bytes`.
    public static let requestHeadBytesRange = 1024...(1 << 20)

    public init(maxRequestHeadBytes: Int = 65536, maxConnections: Int = 16384,
                maxConnectionsPerClient: Int = 0, maxUpstreamPerHost: Int = 1024) {
        self.maxRequestHeadBytes = maxRequestHeadBytes
        self.maxConnections = maxConnections
        self.maxConnectionsPerClient = maxConnectionsPerClient
        self.maxUpstreamPerHost = maxUpstreamPerHost
    }
}

/// The `proxy_auth` section: Basic proxy authentication against a users file.
public struct ProxyAuthSettings: Sendable, Hashable {
    /// `users_file`: lines `user:HASH` with crypt(3) hashes (e.g. `openssl passwd -6`).
    public var usersFile: String
    /// `realm`: the realm named in `Proxy-Authenticate`.
    public var realm: String

    public init(usersFile: String, realm: String = "tlsgate") {
        self.usersFile = usersFile
        self.realm = realm
    }
}

/// The `aws` section: AWS endpoint awareness.
public struct AWSSettings: Sendable, Hashable {
    /// `endpoints`: an endpoint catalog file (JSON generated from botocore); nil = the catalog
    /// built into the binary (config/aws-endpoints.json at build time).
    public var endpoints: String?

    public init(endpoints: String? = nil) {
        self.endpoints = endpoints
    }
}

/// The `audit` section.
public struct AuditSettings: Sendable, Hashable {
    /// The JSON Lines file (appended); nil means stdout (`"-"`).
    public var path: String?
    /// `checkpoint_interval`: seconds between signed checkpoint lines (also written at rotation
    /// and exit).
    public var checkpointInterval: Double
    /// `signing_key`: the Ed25519 private key (PEM, mode 0600) that signs checkpoints; nil writes
    /// unsigned checkpoints (the chain then detects edits, but anyone who can write the file can
    /// rebuild it).
    public var signingKey: String?
    /// `format`: the schema of the lines.
    public var format: AuditFormat
    /// `instance`: this tlsgate's name in every line; nil = the host name.
    public var instance: String?

    public static let checkpointIntervalRange: ClosedRange<Double> = 1...3600

    public init(path: String? = nil, checkpointInterval: Double = 60, signingKey: String? = nil,
                format: AuditFormat = .tlsgate, instance: String? = nil) {
        self.path = path
        self.checkpointInterval = checkpointInterval
        self.signingKey = signingKey
        self.format = format
        self.instance = instance
    }
}

/// The `intercept` section: TLS interception of selected hosts with the local CA
/// (`tlsgate ca init`). The CA files are checked when the proxy starts and by `check-config`.
public struct InterceptSettings: Sendable, Hashable {
    /// `enabled`: intercept at all (off by default).
    public var enabled: Bool
    /// `ca_cert`: the CA certificate (PEM), relative to the working directory.
    public var caCert: String
    /// `ca_key`: the CA's private key (PEM, mode 0600).
    public var caKey: String
    /// `hosts`: host patterns to intercept; nil = every host `policy.allow_hosts` allows.
    public var hosts: [HostPattern]?
    /// `leaf_validity`: seconds a minted leaf is valid (renewed before it expires).
    public var leafValidity: Double
    /// `max_cached_leaves`: leaves kept in the LRU cache.
    public var maxCachedLeaves: Int
    /// `http2`: intercepted clients may pick HTTP/2 by ALPN (`h2`, then `http/1.1`); off by default.
    public var http2: Bool = false

    /// Accepted `leaf_validity`: one minute to 397 days (the CA/Browser Forum's cap).
    public static let leafValidityRange: ClosedRange<Double> = 60...(397 * 86_400)
    /// Accepted `max_cached_leaves`.
    public static let maxCachedLeavesRange = 1...1_000_000

    public init(enabled: Bool = false, caCert: String = "certs/ca.pem", caKey: String = "certs/ca-key.pem",
                hosts: [HostPattern]? = nil, leafValidity: Double = 7 * 86_400, maxCachedLeaves: Int = 10_000) {
        self.enabled = enabled
        self.caCert = caCert
        self.caKey = caKey
        self.hosts = hosts
        self.leafValidity = leafValidity
        self.maxCachedLeaves = maxCachedLeaves
    }
}

/// `audit.format` values.
public enum AuditFormat: String, Sendable, Hashable, CaseIterable {
    /// tlsgate's own JSON Lines layout.
    case tlsgate
    /// OCSF 1.x: HTTP Activity (4002) and Network Activity (4001).
    case ocsf
    /// Elastic Common Schema 8.x.
    case ecs
}
