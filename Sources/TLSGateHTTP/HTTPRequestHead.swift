/// A parsed request head: the request line plus header fields, over the raw received bytes.
///
/// A class: the head travels from the parser to the exchange, the checks and the audit line, and
/// a struct of several strings and arrays costs a retain and a release per field on every copy.
public final class HTTPRequestHead: Sendable {
    /// The method, case-sensitive as received (e.g. `GET`, `CONNECT`).
    public let method: String
    /// The request-target as received: origin-form, absolute-form, authority-form or `*`.
    public let target: String
    /// The protocol version from the request line.
    public let version: HTTPVersion
    /// The header fields, byte-exact.
    public let headers: HTTPHeaders

    /// Memberwise initializer (the parser builds heads; tests may too).
    public init(method: String, target: String, version: HTTPVersion, headers: HTTPHeaders) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
    }

    /// Whether the client wants the connection kept open after this exchange:
    /// HTTP/1.1 unless `Connection: close`; HTTP/1.0 only with `Connection: keep-alive` (and no close).
    public var keepAlive: Bool {
        if headers.containsToken(.connection, "close") { return false }
        switch version {
        case .http11: return true
        case .http10: return headers.containsToken(.connection, "keep-alive")
        }
    }

    /// Whether the client waits for `100 Continue` before sending the body
    /// (`Expect: 100-continue` on HTTP/1.1; ignored on HTTP/1.0 per RFC 9110 §10.1.1).
    public var expectsContinue: Bool {
        version == .http11 && headers.containsToken(.expect, "100-continue")
    }

    /// Whether this is a `CONNECT` request (method compared case-sensitively, RFC 9110 §9.1).
    public var isConnect: Bool { method == "CONNECT" }
}
