import CNghttp2

/// An HTTP/2 error code (RFC 9113 §7), as carried by RST_STREAM and GOAWAY.
public struct HTTP2ErrorCode: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    public static let noError = HTTP2ErrorCode(NGHTTP2_NO_ERROR.rawValue)
    public static let protocolError = HTTP2ErrorCode(NGHTTP2_PROTOCOL_ERROR.rawValue)
    public static let internalError = HTTP2ErrorCode(NGHTTP2_INTERNAL_ERROR.rawValue)
    public static let flowControlError = HTTP2ErrorCode(NGHTTP2_FLOW_CONTROL_ERROR.rawValue)
    public static let streamClosed = HTTP2ErrorCode(NGHTTP2_STREAM_CLOSED.rawValue)
    public static let refusedStream = HTTP2ErrorCode(NGHTTP2_REFUSED_STREAM.rawValue)
    public static let cancel = HTTP2ErrorCode(NGHTTP2_CANCEL.rawValue)
    public static let enhanceYourCalm = HTTP2ErrorCode(NGHTTP2_ENHANCE_YOUR_CALM.rawValue)
    public static let http11Required = HTTP2ErrorCode(NGHTTP2_HTTP_1_1_REQUIRED.rawValue)

    /// The RFC name, e.g. `PROTOCOL_ERROR` (for audit lines and metrics labels).
    public var description: String {
        String(cString: nghttp2_http2_strerror(rawValue))
    }
}
