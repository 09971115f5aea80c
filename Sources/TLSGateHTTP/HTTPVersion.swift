/// The HTTP/1.x protocol version of a message.
public enum HTTPVersion: Sendable, Equatable, Hashable {
    /// HTTP/1.0: connections close after each message unless `Connection: keep-alive`.
    case http10
    /// HTTP/1.1 (also used for `HTTP/1.2`…`HTTP/1.9`, per RFC 9110 §2.5).
    case http11

    /// The version as written on a start line, e.g. `HTTP/1.1`.
    public var text: String {
        switch self {
        case .http10: return "HTTP/1.0"
        case .http11: return "HTTP/1.1"
        }
    }
}
