import TLSGateHTTP

/// Why a received header block cannot become a head: answered with `status` (server role) or
/// reset with `code`.
public struct HTTP2Rejection: Sendable, Equatable, Error {
    /// The response to send instead (server role), e.g. 431; nil: reset the stream.
    public let status: Int?
    /// The RST_STREAM code when there is no response (or after it).
    public let code: HTTP2ErrorCode
    /// What was wrong (for the audit line).
    public let reason: String
}

/// The one translation between an HTTP/2 header block and tlsgate's HTTP/1.1 heads, both ways.
/// Policy, audit and AWS code see the same `HTTPRequestHead`/`HTTPResponseHead` for either version;
/// field selection (hop-by-hop, connection-specific) is `HTTPHeaders.forEachHTTP2Field` in TLSGateHTTP.
public enum HTTP2HeadMapping {
    // MARK: received blocks -> HTTP/1.1 heads

    /// A request block (server role) as an HTTP/1.1 request head.
    static func request(_ block: HTTP2HeaderBlock) -> Result<HTTP2Request, HTTP2Rejection> {
        if block.oversized {
            return .failure(HTTP2Rejection(status: 431, code: .noError,
                                           reason: "request header list over \(block.limit) bytes"))
        }
        if let problem = block.problem { return .failure(malformed(problem)) }
        guard let method = block.method else { return .failure(malformed("no :method")) }
        if block.protocol != nil {
            return .failure(HTTP2Rejection(status: nil, code: .protocolError, reason: "extended CONNECT is not supported"))
        }
        if method == "CONNECT" {
            return .failure(HTTP2Rejection(status: 405, code: .noError, reason: "CONNECT inside an intercepted HTTP/2 connection"))
        }
        if block.status != nil { return .failure(malformed(":status in a request")) }
        guard let scheme = block.scheme, scheme == "https" || scheme == "http" else {
            return .failure(malformed("missing or unknown :scheme"))
        }
        guard let path = block.path, !path.isEmpty, path.first == "/" || (path == "*" && method == "OPTIONS") else {
            return .failure(malformed("missing or invalid :path"))
        }
        guard let authority = block.authority ?? block.host, !authority.isEmpty else {
            return .failure(malformed("no :authority and no host"))
        }
        var block = block
        let head = HTTPRequestHead(method: method, target: path, version: .http11, headers: block.finishFields())
        return .success(HTTP2Request(head: head, scheme: scheme, authority: authority, acceptsTrailers: block.teTrailers))
    }

    /// A response block (client role) as an HTTP/1.1 response head.
    static func response(_ block: HTTP2HeaderBlock) -> Result<HTTPResponseHead, HTTP2Rejection> {
        if block.oversized {
            return .failure(HTTP2Rejection(status: nil, code: .cancel, reason: "response header list over \(block.limit) bytes"))
        }
        if let problem = block.problem { return .failure(malformed(problem)) }
        guard block.method == nil, block.path == nil, block.scheme == nil, block.authority == nil, block.protocol == nil else {
            return .failure(malformed("request pseudo-header in a response"))
        }
        guard let text = block.status, text.utf8.count == 3, let status = Int(text), (100...599).contains(status) else {
            return .failure(malformed("missing or invalid :status"))
        }
        return .success(HTTPResponseHead(version: .http11, status: status, reason: "", headers: finish(block)))
    }

    /// A trailer block (either role): regular fields only.
    static func trailers(_ block: HTTP2HeaderBlock) -> Result<HTTPHeaders, HTTP2Rejection> {
        if block.oversized {
            return .failure(HTTP2Rejection(status: nil, code: .cancel, reason: "trailer list over \(block.limit) bytes"))
        }
        if let problem = block.problem { return .failure(malformed(problem)) }
        if block.method != nil || block.status != nil || block.path != nil || block.scheme != nil || block.authority != nil {
            return .failure(malformed("pseudo-header in trailers"))
        }
        return .success(finish(block))
    }

    private static func finish(_ block: HTTP2HeaderBlock) -> HTTPHeaders {
        var block = block
        return block.finishFields()
    }

    private static func malformed(_ reason: String) -> HTTP2Rejection {
        HTTP2Rejection(status: nil, code: .protocolError, reason: reason)
    }

    // MARK: HTTP/1.1 heads -> header blocks to send

    /// The request block for an upstream HTTP/2 stream (client role): pseudo-headers, then the
    /// end-to-end fields, names lowercased; `te: trailers` when the client asked for trailers.
    public static func requestFields(_ head: HTTPRequestHead, scheme: String, authority: String, path: String) -> HTTP2FieldList {
        var list = HTTP2FieldList()
        list.append(":method", head.method)
        list.append(":scheme", scheme)
        list.append(":authority", authority)
        list.append(":path", path)
        if head.headers.containsToken("TE", "trailers") { list.append("te", "trailers") }
        head.headers.forEachHTTP2Field { list.append(lowercasing: $0, value: $1) }
        return list
    }

    /// The response block for a client HTTP/2 stream (server role).
    public static func responseFields(_ head: HTTPResponseHead) -> HTTP2FieldList {
        var list = HTTP2FieldList()
        list.append(":status", String(head.status))
        head.headers.forEachHTTP2Field { list.append(lowercasing: $0, value: $1) }
        return list
    }

    /// A trailer block from HTTP/1.1 trailer fields (chunked trailers) or HTTP/2 ones.
    public static func trailerFields(_ headers: HTTPHeaders) -> HTTP2FieldList {
        var list = HTTP2FieldList()
        headers.forEachHTTP2Field { list.append(lowercasing: $0, value: $1) }
        return list
    }
}
