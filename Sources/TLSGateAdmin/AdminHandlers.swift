/// A failed admin action (e.g. a configuration reload), with a message for the operator.
public struct AdminError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong, sent as the body of the 500 response (and safe to log: no secrets).
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// What the admin endpoint asks the proxy. Every closure runs on the admin server's own event
/// loop (never on a proxy loop), one request at a time, so a slow handler delays other admin
/// requests only; it must be thread-safe with respect to the proxy.
public struct AdminHandlers: Sendable {
    /// `true` while serving (`/healthz` → 200 `ok`), `false` while draining (→ 503 `draining`).
    public var health: @Sendable () -> Bool
    /// `true` when ready to take traffic: listener up, configuration loaded (`/readyz`).
    public var ready: @Sendable () -> Bool
    /// The Prometheus text exposition served on `/metrics`.
    public var metrics: @Sendable () -> String
    /// Reloads the configuration (`POST /reload`): a message for 200, or the error for 500.
    public var reload: @Sendable () -> Result<String, AdminError>

    public init(health: @escaping @Sendable () -> Bool,
                ready: @escaping @Sendable () -> Bool,
                metrics: @escaping @Sendable () -> String,
                reload: @escaping @Sendable () -> Result<String, AdminError>) {
        self.health = health
        self.ready = ready
        self.metrics = metrics
        self.reload = reload
    }
}
