/// Responses the proxy generates itself.
public enum ProxyResponse {
    /// A plain-text error response:
    /// `HTTP/1.1 <status> <reason>`, `Content-Type: text/plain; charset=utf-8`, `Content-Length`,
    /// `X-TLSGate-Error: <code>`, `Connection: close` unless `keepAlive`; body `message + "\n"`.
    /// `code` is reduced to token bytes and `message` has control bytes replaced by spaces, so neither
    /// can inject header lines.
    public static func error(status: Int, code: String, message: String, keepAlive: Bool) -> [UInt8] {
        error(status: status, code: code, message: message, keepAlive: keepAlive, proxyAuthenticateRealm: nil)
    }

    /// The same, adding `Proxy-Authenticate: Basic realm="<realm>"` (for 407). The realm must be
    /// printable ASCII without quotes or backslashes (the configuration checks it); other bytes
    /// are dropped.
    public static func error(status: Int, code: String, message: String, keepAlive: Bool,
                             proxyAuthenticateRealm realm: String?) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(message.utf8.count + 1)
        for b in message.utf8 { body.append((b < 0x20 && b != ByteClass.htab) || b == 0x7F ? ByteClass.sp : b) }
        body.append(ByteClass.lf)
        var out: [UInt8] = []
        out.reserveCapacity(160 + body.count)
        out.append(contentsOf: "HTTP/1.1 ".utf8)
        appendStatusCode(status, to: &out)
        out.append(ByteClass.sp)
        out.append(contentsOf: reasonPhrase(status).utf8)
        out.append(contentsOf: "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ".utf8)
        out.append(contentsOf: String(body.count).utf8)
        out.append(contentsOf: "\r\nX-TLSGate-Error: ".utf8)
        var wroteCode = false
        for b in code.utf8 where ByteClass.isTchar(b) { out.append(b); wroteCode = true }
        if !wroteCode { out.append(contentsOf: "error".utf8) }
        out.append(contentsOf: "\r\n".utf8)
        if let realm {
            out.append(contentsOf: "Proxy-Authenticate: Basic realm=\"".utf8)
            for b in realm.utf8 where b >= 0x20 && b < 0x7F && b != 0x22 && b != 0x5C { out.append(b) }
            out.append(contentsOf: "\"\r\n".utf8)
        }
        if !keepAlive { out.append(contentsOf: "Connection: close\r\n".utf8) }
        out.append(contentsOf: "\r\n".utf8)
        out.append(contentsOf: body)
        return out
    }

    /// The answer to an accepted CONNECT: `HTTP/1.1 200 Connection established` and an empty line.
    public static func connectEstablished() -> [UInt8] {
        Array("HTTP/1.1 200 Connection established\r\n\r\n".utf8)
    }

    /// An interim `HTTP/1.1 100 Continue` for a client sending `Expect: 100-continue`.
    public static func continue100() -> [UInt8] {
        Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
    }

    /// The standard reason phrase for `status` (RFC 9110 §15), or a class-generic one.
    public static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 101: return "Switching Protocols"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 206: return "Partial Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 304: return "Not Modified"
        case 307: return "Temporary Redirect"
        case 308: return "Permanent Redirect"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 407: return "Proxy Authentication Required"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 411: return "Length Required"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 415: return "Unsupported Media Type"
        case 417: return "Expectation Failed"
        case 421: return "Misdirected Request"
        case 426: return "Upgrade Required"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        case 505: return "HTTP Version Not Supported"
        default:
            switch status {
            case 100..<200: return "Informational"
            case 200..<300: return "Success"
            case 300..<400: return "Redirection"
            case 400..<500: return "Client Error"
            default: return "Server Error"
            }
        }
    }
}
