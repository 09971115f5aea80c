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
///
/// Optional fields are spelled `Optional<T>`, not `T?`: a `T?` stored property gets an implicit
/// `= nil` that the initializer stores first and then releases again when it assigns the
/// argument, and the record is copied once more on the way out (one audit line per request).
public struct AuditRecord: Sendable {
    /// When it happened; `AuditLog.write` fills it in (at call time) when nil.
    public var time: Optional<AuditTimestamp>
    public var event: AuditEvent
    public var mode: Optional<AuditMode>
    /// Client socket address, "ip:port" ("[v6]:port").
    public var client: Optional<String>
    /// Requested host (CONNECT host or absolute-form host).
    public var host: Optional<String>
    public var port: Optional<Int>
    public var method: Optional<String>
    /// Request target path and query, already redacted.
    public var path: Optional<String>
    /// HTTP status sent to the client.
    public var status: Optional<Int>
    /// The upstream address actually connected, "ip:port".
    public var upstream: Optional<String>
    /// Negotiated upstream version, "TLSv1.2" / "TLSv1.3".
    public var tlsVersion: Optional<String>
    public var cipher: Optional<String>
    public var decision: Optional<AuditDecision>
    /// A failure that is no policy finding (DNS, connect, timeouts, upstream closed): its code,
    /// e.g. "upstream_unreachable". Written as `"outcome":"error","error":"<code>"`; nil is
    /// `"outcome":"ok","error":null`. `decision` keeps saying what policy decided.
    public var error: Optional<String>
    /// Violation codes (raw values of `ViolationCode`).
    public var violations: [String]
    /// Human-readable reason (violation summary, error text).
    public var reason: Optional<String>
    /// Bytes received from the client.
    public var bytesIn: Optional<Int>
    /// Bytes sent to the client.
    public var bytesOut: Optional<Int>
    public var durationMs: Optional<Double>
    /// Tunnel only: ClientHello server name.
    public var sni: Optional<String>
    /// Tunnel only: ALPN protocols offered by the client.
    public var alpn: Optional<[String]>
    /// Tunnel only: highest TLS version the client offered, "TLSv1.3".
    public var clientTLSMax: Optional<String>
    /// Extra keys appended after the others, in order (keys must not repeat core keys).
    public var extra: [(String, AuditValue)]

    @inlinable   // one call per audit line: inlined, unset fields cost nothing
    public init(event: AuditEvent, mode: AuditMode? = nil, time: AuditTimestamp? = nil,
                client: String? = nil, host: String? = nil, port: Int? = nil,
                method: String? = nil, path: String? = nil, status: Int? = nil,
                upstream: String? = nil, tlsVersion: String? = nil, cipher: String? = nil,
                decision: AuditDecision? = nil, error: String? = nil, violations: [String] = [], reason: String? = nil,
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
        self.error = error
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
