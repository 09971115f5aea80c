import TLSGateHTTP

/// What an ``HTTP2Session`` reports to its owner after it consumed input or produced output.
/// Stream ids are the peer-visible HTTP/2 ids.
public enum HTTP2Event: Sendable {
    /// Server role: a complete, validated request head (the stream stays open for its body unless `endStream`).
    case request(stream: Int32, HTTP2Request, endStream: Bool)
    /// Client role: a response head (1xx interim ones too: see `HTTPResponseHead.isInformational`).
    case response(stream: Int32, HTTPResponseHead, endStream: Bool)
    /// Body bytes received on a stream. Call ``HTTP2Session/consume(stream:count:)`` once they have
    /// left on the other side: only then does the peer get its flow-control window back.
    case data(stream: Int32, [UInt8])
    /// Trailers received; they end the stream's inbound side.
    case trailers(stream: Int32, HTTPHeaders)
    /// The peer ended its side of the stream (END_STREAM) after a head or data.
    case endStream(stream: Int32)
    /// The stream's send buffer has room again (after ``HTTP2Session/send(stream:_:)`` returned less than offered).
    case writable(stream: Int32)
    /// A stream was refused by this session (malformed or oversized head, CONNECT): already answered
    /// (`status`, e.g. 431) or reset; the owner only records it.
    case rejected(stream: Int32, status: Int?, reason: String)
    /// RST_STREAM on a stream, received (`byPeer`) or sent.
    case streamReset(stream: Int32, code: HTTP2ErrorCode, byPeer: Bool)
    /// A stream is gone (both sides ended, or reset); `code` is its close code.
    case streamClosed(stream: Int32, code: HTTP2ErrorCode)
    /// GOAWAY, received (`byPeer`) or sent. Streams above `lastStream` were not processed by the
    /// receiver of the GOAWAY (safe to retry elsewhere).
    case goAway(lastStream: Int32, code: HTTP2ErrorCode, byPeer: Bool)
    /// The connection cannot go on (protocol error, flood, bad preface): send what output is left
    /// (it may hold a GOAWAY) and close.
    case connectionError(String)
}
