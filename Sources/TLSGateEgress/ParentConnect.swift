import TLSGateHTTP

/// The parent proxy upstreams are reached through: where it listens and the
/// `Proxy-Authorization` value tlsgate sends it. The description never shows the credentials.
public struct ParentRoute: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Host name or IP literal (IPv6 without brackets).
    public let host: String
    public let port: Int
    /// `Basic <base64(user:password)>`, or nil.
    let authorization: String?
    /// The user named in the credentials (for logs), or nil.
    public let user: String?

    public init(host: String, port: Int, user: String? = nil, password: String? = nil) {
        self.host = host
        self.port = port
        if let user, let password {
            self.user = user
            authorization = "Basic " + Base64.encode(Array("\(user):\(password)".utf8))
        } else {
            self.user = nil
            authorization = nil
        }
    }

    /// `host:port`, IPv6 bracketed.
    public var authority: String { ParentConnect.authority(host, port) }
    public var description: String { user.map { "http://\(authority) (as \($0))" } ?? "http://\(authority)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}

/// One `CONNECT` through the parent proxy, as a pure exchange: the request bytes to send, then
/// the parent's response fed in as it arrives until it says established, refused or invalid.
/// The response head is bounded (``maxResponseHeadBytes``); nothing may follow a 2xx head before
/// tlsgate speaks (TLS clients speak first), so extra bytes are refused rather than lost.
public struct ParentConnect: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// More bytes are needed.
        case incomplete
        /// 2xx: the connection is now a tunnel to the target.
        case established
        /// The parent answered with a non-2xx status; `statusLine` is printable and bounded.
        case refused(status: Int, statusLine: String)
        /// Not an HTTP response, too large, or bytes after the head.
        case invalid(String)
    }

    /// Largest parent response head accepted.
    public static let maxResponseHeadBytes = 16 * 1024

    /// `CONNECT host:port` (IPv6 bracketed) with Host and, when configured, Proxy-Authorization.
    public static func request(host: String, port: Int, route: ParentRoute) -> [UInt8] {
        let target = authority(host, port)
        var text = "CONNECT \(target) HTTP/1.1\r\nHost: \(target)\r\n"
        if let authorization = route.authorization { text += "Proxy-Authorization: \(authorization)\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }

    private var parser = HTTPHeadParser(maxHeadBytes: ParentConnect.maxResponseHeadBytes, maxHeaderCount: 128)

    public init() {}

    /// Parses everything received so far (always from the first byte of the response).
    public mutating func parse(_ received: UnsafeRawBufferPointer) -> Outcome {
        switch parser.parseResponse(received) {
        case .incomplete:
            return .incomplete
        case .invalid(.headTooLarge), .invalid(.tooManyHeaders):
            return .invalid("the parent's response head to CONNECT exceeds \(Self.maxResponseHeadBytes) bytes")
        case .invalid(let error):
            return .invalid("the parent's response to CONNECT is not valid HTTP (\(error))")
        case .complete(let head, let consumed):
            let line = Self.statusLine(head)
            guard (200...299).contains(head.status) else { return .refused(status: head.status, statusLine: line) }
            guard consumed == received.count else {
                return .invalid("the parent sent \(received.count - consumed) bytes after '\(line)' before tlsgate spoke")
            }
            return .established
        }
    }

    /// `[UInt8]` convenience for tests.
    public mutating func parse(_ received: [UInt8]) -> Outcome {
        received.withUnsafeBytes { parse($0) }
    }

    /// `HTTP/1.1 407 Proxy Authentication Required`, printable ASCII only, at most 160 characters.
    static func statusLine(_ head: HTTPResponseHead) -> String {
        let reason = String(decoding: head.reason.utf8.prefix(128).map { (0x20...0x7E).contains($0) ? $0 : 0x3F }, as: UTF8.self)
        return reason.isEmpty ? "\(head.version.text) \(head.status)" : "\(head.version.text) \(head.status) \(reason)"
    }

    /// `host:port`, IPv6 bracketed (the CONNECT target form).
    public static func authority(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// Standard base64 (RFC 4648) encoding, for `Proxy-Authorization: Basic`.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let b0 = bytes[index], b1 = index + 1 < bytes.count ? bytes[index + 1] : 0, b2 = index + 2 < bytes.count ? bytes[index + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(index + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(index + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
