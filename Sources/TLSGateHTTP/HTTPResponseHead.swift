/// A parsed response head: the status line plus header fields, over the raw received bytes.
///
/// A class: the head travels from the parser to the exchange, the checks and the audit line, and
/// a struct of several strings and arrays costs a retain and a release per field on every copy.
public final class HTTPResponseHead: Sendable {
    /// The protocol version from the status line.
    public let version: HTTPVersion
    /// The three-digit status code (100...599).
    public let status: Int
    /// The reason phrase as received (may be empty).
    public let reason: String
    /// The header fields, byte-exact.
    public let headers: HTTPHeaders
    /// Byte range of the reason phrase inside `headers.raw` (forwarded verbatim).
    let reasonRange: Range<Int>

    /// Memberwise initializer (the parser builds heads; tests may too).
    public init(version: HTTPVersion, status: Int, reason: String, headers: HTTPHeaders) {
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers
        self.reasonRange = 0..<0
    }

    init(version: HTTPVersion, status: Int, reason: String, headers: HTTPHeaders, reasonRange: Range<Int>) {
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers
        self.reasonRange = reasonRange
    }

    /// Whether the server keeps the connection open after this response:
    /// HTTP/1.1 unless `Connection: close`; HTTP/1.0 only with `Connection: keep-alive` (and no close).
    public var keepAlive: Bool {
        if headers.containsToken(.connection, "close") { return false }
        switch version {
        case .http11: return true
        case .http10: return headers.containsToken(.connection, "keep-alive")
        }
    }

    /// An interim 1xx response other than 101: the final response is still to come.
    public var isInformational: Bool { status >= 100 && status < 200 && status != 101 }
}
