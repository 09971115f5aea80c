/// What an audit line is about.
public enum AuditEvent: String, Sendable, Hashable {
    /// One forwarded (re-originated) request.
    case request
    /// One CONNECT tunnel, written when it ends.
    case tunnel
    /// A policy violation (enforced or reported).
    case violation
    /// The configuration was (re)loaded.
    case configReload = "config_reload"
}

/// How the client's traffic was carried.
public enum AuditMode: String, Sendable, Hashable {
    case forward
    case tunnel
    case intercept
}

/// What tlsgate did.
public enum AuditDecision: String, Sendable, Hashable {
    /// Allowed, no violation.
    case allow
    /// Refused (enforce mode).
    case deny
    /// Violation let through and logged (report mode).
    case report
}

/// One JSON Lines audit record. Core keys are always written (null when unknown), in a fixed
/// order; `sni`, `alpn`, `client_tls_max` only for tunnel events; then `extra` in order.
/// Never put secrets here: pass request targets through `Redaction.redactTarget` first.
public struct AuditRecord: Sendable {
    /// When it happened; `AuditLog.write` fills it in (at call time) when nil.
    public var time: AuditTimestamp?
    public var event: AuditEvent
    public var mode: AuditMode?
    /// Client socket address, "ip:port" ("[v6]:port").
    public var client: String?
    /// Requested host (CONNECT host or absolute-form host).
    public var host: String?
    public var port: Int?
    public var method: String?
    /// Request target path and query, already redacted.
    public var path: String?
    /// HTTP status sent to the client.
    public var status: Int?
    /// The upstream address actually connected, "ip:port".
    public var upstream: String?
    /// Negotiated upstream version, "TLSv1.2" / "TLSv1.3".
    public var tlsVersion: String?
    public var cipher: String?
    public var decision: AuditDecision?
    /// Violation codes (raw values of `ViolationCode`).
    public var violations: [String]
    /// Human-readable reason (violation summary, error text).
    public var reason: String?
    /// Bytes received from the client.
    public var bytesIn: Int?
    /// Bytes sent to the client.
    public var bytesOut: Int?
    public var durationMs: Double?
    /// Tunnel only: ClientHello server name.
    public var sni: String?
    /// Tunnel only: ALPN protocols offered by the client.
    public var alpn: [String]?
    /// Tunnel only: highest TLS version the client offered, "TLSv1.3".
    public var clientTLSMax: String?
    /// Extra keys appended after the others, in order (keys must not repeat core keys).
    public var extra: [(String, AuditValue)]

    public init(event: AuditEvent, mode: AuditMode? = nil, time: AuditTimestamp? = nil,
                client: String? = nil, host: String? = nil, port: Int? = nil,
                method: String? = nil, path: String? = nil, status: Int? = nil,
                upstream: String? = nil, tlsVersion: String? = nil, cipher: String? = nil,
                decision: AuditDecision? = nil, violations: [String] = [], reason: String? = nil,
                bytesIn: Int? = nil, bytesOut: Int? = nil, durationMs: Double? = nil,
                sni: String? = nil, alpn: [String]? = nil, clientTLSMax: String? = nil,
                extra: [(String, AuditValue)] = []) {
        self.time = time
        self.event = event
        self.mode = mode
        self.client = client
        self.host = host
        self.port = port
        self.method = method
        self.path = path
        self.status = status
        self.upstream = upstream
        self.tlsVersion = tlsVersion
        self.cipher = cipher
        self.decision = decision
        self.violations = violations
        self.reason = reason
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.durationMs = durationMs
        self.sni = sni
        self.alpn = alpn
        self.clientTLSMax = clientTLSMax
        self.extra = extra
    }
}
