/// What one ``HTTP2Session`` counted, for the proxy's metrics (streams, resets by side and code,
/// GOAWAYs, floods). Plain counters: the owner adds them to its registry when the session ends
/// or samples them.
public struct HTTP2Counters: Sendable, Equatable {
    /// Streams the peer opened (server role) or this session opened (client role).
    public var streamsOpened = 0
    /// RST_STREAM frames received, by error code.
    public var resetsReceived: [HTTP2ErrorCode: Int] = [:]
    /// RST_STREAM frames sent, by error code.
    public var resetsSent: [HTTP2ErrorCode: Int] = [:]
    /// GOAWAY frames received / sent.
    public var goAwaysReceived = 0
    public var goAwaysSent = 0
    /// Streams refused by this session (malformed, oversized, CONNECT).
    public var rejected = 0
    /// Floods that ended the connection.
    public var floods = 0

    public init() {}
}
