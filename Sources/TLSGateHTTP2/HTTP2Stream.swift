/// What one ``HTTP2Session`` keeps per open stream (owned by the session, keyed by stream id).
final class HTTP2Stream {
    let id: Int32
    /// The header block being decoded (HEADERS + CONTINUATION), nil between blocks.
    var block: HTTP2HeaderBlock?
    /// The request (server role) or final response (client role) was delivered: a later block is trailers.
    var headDelivered = false
    /// Refused by this session: inbound data is consumed at once and dropped.
    var rejected = false
    /// After the refusal response went out, reset the stream with this code (the peer may still be sending).
    var resetAfterResponse: HTTP2ErrorCode?
    /// Body bytes to send, waiting for flow-control window.
    var outbound = ByteQueue()
    /// No more body after `outbound` (then trailers, if any).
    var outboundEnded = false
    /// Trailers to send after the body.
    var trailers: HTTP2FieldList?
    /// The data provider returned NGHTTP2_ERR_DEFERRED: resume when bytes or the end arrive.
    var deferred = false
    /// A data provider is attached (the head was submitted without END_STREAM).
    var hasProvider = false
    /// `send` accepted less than offered: report `.writable` when room is back.
    var blockedWriter = false
    /// The peer ended its side.
    var remoteEnded = false

    init(id: Int32) { self.id = id }
}
