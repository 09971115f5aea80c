import TLSGateHTTP

/// A request received on an HTTP/2 stream, mapped to the HTTP/1.1 head the rest of tlsgate
/// (policy, audit, AWS awareness, the upstream request) works with.
public struct HTTP2Request: Sendable {
    /// The head: `:method`, `:path` as the origin-form target, version HTTP/1.1, and the fields
    /// with `Host` set from `:authority` and split `cookie` fields joined (RFC 9113 §8.2.3, §8.3.1).
    public let head: HTTPRequestHead
    /// `:scheme` (`https` for an intercepted connection).
    public let scheme: String
    /// `:authority` (or the Host field when the client sent no `:authority`).
    public let authority: String
    /// Whether the client announced trailers (`te: trailers`).
    public let acceptsTrailers: Bool

    public init(head: HTTPRequestHead, scheme: String, authority: String, acceptsTrailers: Bool) {
        self.head = head
        self.scheme = scheme
        self.authority = authority
        self.acceptsTrailers = acceptsTrailers
    }
}
