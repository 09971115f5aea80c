import TLSGateConfig
import TLSGateEgress
import TLSGatePolicy
import TLSGateTLS

/// The slice of configuration a session needs, fixed for the session's lifetime.
public struct ProxySettings: Sendable {
    /// Egress policy shared by forward and tunnel modes.
    public var policy: EgressPolicy
    /// `upstream.resolve`: operator-trusted host → address[:port] overrides.
    public var overrides: ResolveOverrides
    /// Minimum TLS version upstream (forward) and in tunnels (inspection).
    public var minimumTLS: TLSProtocolVersion
    /// Seconds for DNS + TCP connect.
    public var connectTimeout: Double
    /// Seconds for the upstream TLS handshake.
    public var handshakeTimeout: Double
    /// Seconds a client has to send a whole request head.
    public var requestHeadTimeout: Double
    /// Seconds of inactivity before a keep-alive connection or a stalled exchange is closed.
    public var idleTimeout: Double
    /// Seconds a tunnel client has to send its ClientHello.
    public var clientHelloTimeout: Double
    /// Seconds of inactivity before a tunnel is closed.
    public var tunnelIdleTimeout: Double
    /// Largest request head accepted (431 beyond).
    public var maxRequestHeadBytes: Int
    /// Client connections beyond this get 503.
    public var maxConnections: Int
    /// Open connections per client address (0 = no cap).
    public var maxConnectionsPerClient: Int
    /// Concurrent upstream connections per host (0 = no cap).
    public var maxUpstreamPerHost: Int
    /// Client address blocks allowed (empty = any client that reaches the listener).
    public var allowClients: [CIDR]
    /// How tunnels move bytes after the hellos.
    public var tunnelRelay: TunnelRelay
    /// `upstream.proxy`: the parent proxy upstreams are reached through with CONNECT; nil = direct.
    public var parent: ParentRoute?
    /// `upstream.no_proxy`: hosts reached directly even with a parent.
    public var noProxy: HostAllowlist = HostAllowlist([])
    /// RFC 8305 connection attempt delay: the next address is tried when an attempt has not
    /// connected within this (or as soon as it fails).
    public var attemptDelay: Double = HappyEyeballs.defaultAttemptDelay
    /// `intercept.http2`: intercepted clients may pick HTTP/2 by ALPN.
    public var interceptHTTP2: Bool = false
    /// `upstream.http2: auto`: origins that pick `h2` are multiplexed (the TLS context offers it).
    public var upstreamHTTP2: Bool = true

    public init(policy: EgressPolicy = .default, overrides: ResolveOverrides = ResolveOverrides(),
                minimumTLS: TLSProtocolVersion = .tls12, connectTimeout: Double = 10, handshakeTimeout: Double = 10,
                requestHeadTimeout: Double = 30, idleTimeout: Double = 60, clientHelloTimeout: Double = 10,
                tunnelIdleTimeout: Double = 300, maxRequestHeadBytes: Int = 65536,
                maxConnections: Int = 16384, maxConnectionsPerClient: Int = 0, maxUpstreamPerHost: Int = 1024,
                allowClients: [CIDR] = [], tunnelRelay: TunnelRelay = .copy) {
        self.tunnelRelay = tunnelRelay
        self.maxConnections = maxConnections
        self.maxConnectionsPerClient = maxConnectionsPerClient
        self.maxUpstreamPerHost = maxUpstreamPerHost
        self.allowClients = allowClients
        self.policy = policy
        self.overrides = overrides
        self.minimumTLS = minimumTLS
        self.connectTimeout = connectTimeout
        self.handshakeTimeout = handshakeTimeout
        self.requestHeadTimeout = requestHeadTimeout
        self.idleTimeout = idleTimeout
        self.clientHelloTimeout = clientHelloTimeout
        self.tunnelIdleTimeout = tunnelIdleTimeout
        self.maxRequestHeadBytes = maxRequestHeadBytes
    }
}
