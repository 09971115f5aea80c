import Logging
import TLSGateAudit
import TLSGateTLS

/// What every session shares: settings, the upstream TLS context, the audit log and a logger.
/// Immutable; a reload builds a new one and new sessions pick it up.
public final class ProxyEnvironment: Sendable {
    public let settings: ProxySettings
    public let tls: TLSContext
    public let audit: AuditLog
    public let logger: Logger

    public init(settings: ProxySettings, tls: TLSContext, audit: AuditLog, logger: Logger) {
        self.settings = settings
        self.tls = tls
        self.audit = audit
        self.logger = logger
    }
}
