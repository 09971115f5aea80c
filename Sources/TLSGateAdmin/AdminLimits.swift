/// Bounds of the admin server. The defaults suit production; tests shorten the timeouts.
public struct AdminLimits: Sendable {
    /// Largest request head accepted (larger → 431).
    public var maxHeadBytes: Int
    /// Seconds from accept until the response must be sent; the connection is closed after that.
    public var requestTimeout: Double
    /// Seconds spent, after the response, reading and discarding what the client still sends
    /// (so closing does not reset the connection before the client has read the response).
    public var lingerTimeout: Double
    /// Most admin connections open at once; more are answered 503 and closed.
    public var maxConnections: Int

    public init(maxHeadBytes: Int = 8 * 1024, requestTimeout: Double = 10, lingerTimeout: Double = 1,
                maxConnections: Int = 64) {
        self.maxHeadBytes = max(64, maxHeadBytes)
        self.requestTimeout = max(0.001, requestTimeout)
        self.lingerTimeout = max(0, lingerTimeout)
        self.maxConnections = max(1, maxConnections)
    }
}
