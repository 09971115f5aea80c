import Logging
import TLSGateAWS
import TLSGateAudit
import TLSGateCA
import TLSGateMetrics
import TLSGateTLS

/// What every session shares: settings, the upstream TLS context, the audit log, a logger, and
/// the server-wide state that outlives reloads (upstream slots). Immutable; a reload builds a new
/// one and new sessions pick it up, while running sessions keep the one they started with.
public final class ProxyEnvironment: Sendable {
    public let settings: ProxySettings
    public let tls: TLSContext
    public let audit: AuditLog
    public let logger: Logger
    /// `proxy_auth`; nil = no authentication.
    public let auth: ProxyAuthenticator?
    /// Per-host upstream connection counts, shared across reloads.
    public let upstreamSlots: UpstreamSlots
    /// Prometheus metrics, shared across reloads.
    public let metrics: ProxyMetrics
    /// The AWS endpoint catalog (nil when none was found and FIPS checks are off).
    public let catalog: AWSEndpointCatalog?
    /// TLS interception (`intercept`): the validated CA, leaf issuer and hosts; nil when
    /// `intercept.enabled` is false.
    public let intercept: InterceptSetup?
    /// `intercept` with the client-side TLS contexts the intercepting sessions use.
    let interceptor: Interceptor?

    public init(settings: ProxySettings, tls: TLSContext, audit: AuditLog, logger: Logger,
                auth: ProxyAuthenticator? = nil, upstreamSlots: UpstreamSlots = UpstreamSlots(),
                metrics: ProxyMetrics = ProxyMetrics(), catalog: AWSEndpointCatalog? = nil,
                intercept: InterceptSetup? = nil) {
        self.intercept = intercept
        // The client side gets the upstream profile (the FIPS one when policy.fips is on). It
        // was accepted for the client context already, so this fails only without memory.
        self.interceptor = intercept.flatMap { try? Interceptor(setup: $0, profile: tls.configuration, http2: settings.interceptHTTP2) }
        if intercept != nil && interceptor == nil { logger.error("cannot make the TLS server context for interception") }
        self.metrics = metrics
        self.catalog = catalog
        self.settings = settings
        self.tls = tls
        self.audit = audit
        self.logger = logger
        self.auth = auth
        self.upstreamSlots = upstreamSlots
    }
}
