/// Limits and windows of one HTTP/2 session. Every abuse limit is here, with its default.
public struct HTTP2Options: Sendable, Equatable {
    /// SETTINGS_MAX_CONCURRENT_STREAMS we advertise: streams the peer may open at once (more are
    /// refused by nghttp2 with RST_STREAM REFUSED_STREAM).
    public var maxConcurrentStreams: UInt32 = 100
    /// The largest header list (RFC 9113 §6.5.2 size: name + value + 32 per field) accepted on one
    /// block; also advertised as SETTINGS_MAX_HEADER_LIST_SIZE. Enforced in `on_header` (nghttp2 does
    /// not cap it): a larger request gets 431, a larger response RST_STREAM CANCEL. Also bounds an
    /// HPACK bomb: fields past the cap are decoded and dropped, never stored.
    public var maxHeaderListSize: Int = 64 * 1024
    /// SETTINGS_INITIAL_WINDOW_SIZE: bytes the peer may send on one stream before we consume
    /// (= the per-stream inbound buffer bound). Large for bulk transfers.
    public var initialStreamWindow: Int32 = 1 << 20
    /// The connection receive window (= the per-connection inbound buffer bound over all streams).
    public var connectionWindow: Int32 = 8 << 20
    /// Bytes queued to send on one stream (body waiting for its flow-control window); the owner
    /// stops reading the other side of the relay when it is full.
    public var streamSendBuffer: Int = 256 * 1024
    /// Bytes queued to send over all streams of the connection.
    public var connectionSendBuffer: Int = 4 << 20
    /// Serialized output (frames) held for the socket; past it nothing more is produced and
    /// ``HTTP2Session/wantsRead`` turns false, so a peer that never reads cannot grow us.
    public var maxOutputBuffer: Int = 256 * 1024
    /// Rapid reset (CVE-2023-44487): RST_STREAM frames received, as a token bucket (burst, then
    /// per second). Given to nghttp2 when it has `nghttp2_option_set_stream_reset_rate_limit`,
    /// counted by the session otherwise; past it: GOAWAY.
    public var resetBurst: Int = 1000
    /// See ``resetBurst``.
    public var resetRatePerSecond: Int = 33
    /// Use libnghttp2's rapid-reset limit when the library has one (false: always count in tlsgate).
    public var resetLimitInLibrary: Bool = true
    /// SETTINGS frames (non-ACK) received: burst, then per second; past it GOAWAY ENHANCE_YOUR_CALM.
    public var settingsBurst: Int = 100
    /// See ``settingsBurst``.
    public var settingsRatePerSecond: Int = 10
    /// PING frames (non-ACK) received: burst, then per second; past it GOAWAY ENHANCE_YOUR_CALM.
    public var pingBurst: Int = 100
    /// See ``pingBurst``.
    public var pingRatePerSecond: Int = 10
    /// Empty DATA frames without END_STREAM (no progress, CVE-2019-9518): burst, then per second.
    public var emptyDataBurst: Int = 100
    /// See ``emptyDataBurst``.
    public var emptyDataRatePerSecond: Int = 10
    /// Entries accepted in one SETTINGS frame (nghttp2's `max_settings`).
    public var maxSettingsEntries: Int = 32
    /// Queued SETTINGS/PING ACKs nghttp2 holds before it treats the peer as flooding (`max_outbound_ack`).
    public var maxOutboundAcks: Int = 1000

    public init() {}
}
