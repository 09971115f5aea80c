#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An absolute-form request-target (`http://host[:port]/path?query`) as sent to a forward proxy.
///
/// A class: a request's URI is handed to the exchange, the audit line and several checks, and a
/// struct of four strings costs four retains and releases per copy.
public final class AbsoluteURI: Sendable, Equatable, Hashable {
    /// `http` or `https`, lowercased.
    public let scheme: String
    /// The userinfo before `@`, if any (credentials: never log it).
    public let userInfo: String?
    /// The host, brackets stripped for IPv6, original case kept.
    public let host: String
    /// The explicit port, if any.
    public let port: Int?
    /// The origin-form to send upstream: the path (`/` when empty) and `?query`; the fragment is dropped.
    public let pathAndQuery: String

    /// A URI from parts.
    public init(scheme: String, userInfo: String?, host: String, port: Int?, pathAndQuery: String) {
        self.scheme = scheme
        self.userInfo = userInfo
        self.host = host
        self.port = port
        self.pathAndQuery = pathAndQuery
    }

    public static func == (a: AbsoluteURI, b: AbsoluteURI) -> Bool {
        a.scheme == b.scheme && a.userInfo == b.userInfo && a.host == b.host && a.port == b.port && a.pathAndQuery == b.pathAndQuery
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(scheme)
        hasher.combine(userInfo)
        hasher.combine(host)
        hasher.combine(port)
        hasher.combine(pathAndQuery)
    }

    /// Whether the target carries userinfo (`user[:password]@`): credentials in a URL, which RFC
    /// 9110 §4.2.4 tells recipients to treat as an error (see `CredentialsInURL` for the decision).
    public var hasUserInfo: Bool { userInfo != nil }

    /// The same target without its userinfo (itself when it has none): what may be forwarded or logged.
    public func withoutUserInfo() -> AbsoluteURI {
        guard userInfo != nil else { return self }
        return AbsoluteURI(scheme: scheme, userInfo: nil, host: host, port: port, pathAndQuery: pathAndQuery)
    }

    /// The Host field value for this target: the host (in brackets when it is an IPv6 literal,
    /// with or without a port, RFC 9110 §7.2 / RFC 3986 §3.2.2) and the explicit port, if any.
    public var hostHeaderValue: String {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return port.map { "\(bracketed):\($0)" } ?? bracketed
    }

    /// The explicit port, or the scheme's default (80 for http, 443 for https).
    public var effectivePort: Int { port ?? (scheme == "https" ? 443 : 80) }

    /// Parses an absolute-form target. Nil for other schemes, a missing `//`, an empty or invalid host,
    /// a bad port (zero, over 65535, non-digits), invalid userinfo bytes, or bytes outside visible ASCII.
    public static func parse(_ target: String) -> AbsoluteURI? {
        withUTF8Bytes(target) { b in parse(b) }
    }

    private static func parse(_ b: UnsafeBufferPointer<UInt8>) -> AbsoluteURI? {
        let n = b.count
        guard ByteClass.allVisibleASCII(b) else { return nil }
        // scheme "://"
        let scheme: String
        var i: Int
        if n >= 7, hasPrefixCI(b, "http://") {
            scheme = "http"; i = 7
        } else if n >= 8, hasPrefixCI(b, "https://") {
            scheme = "https"; i = 8
        } else {
            return nil
        }
        // authority ends at '/', '?', '#' or the end
        let authStart = i
        while i < n && b[i] != 0x2F && b[i] != 0x3F && b[i] != 0x23 { i += 1 }
        let authEnd = i
        var hostStart = authStart
        var userInfo: String?
        var at = authEnd - 1
        while at >= authStart && b[at] != 0x40 { at -= 1 } // last '@'
        if at >= authStart {
            for k in authStart..<at where !ByteClass.isUserInfo(b[k]) { return nil }
            userInfo = String(decoding: UnsafeBufferPointer(rebasing: b[authStart..<at]), as: UTF8.self)
            hostStart = at + 1
        }
        guard let hp = HostPort.parse(b, hostStart, authEnd, portRequired: false) else { return nil }
        // path and query, fragment dropped
        var end = i
        while end < n && b[end] != 0x23 { end += 1 }
        var path = String(decoding: UnsafeBufferPointer(rebasing: b[i..<end]), as: UTF8.self)
        if i == end || b[i] == 0x3F { path = "/" + path }
        return AbsoluteURI(scheme: scheme, userInfo: userInfo, host: hp.host, port: hp.port, pathAndQuery: path)
    }

    /// Whether a Host header value names this URI's host and effective port (case-insensitive host;
    /// a Host without port means the scheme's default). A forward proxy should refuse a mismatch:
    /// the Host is forwarded verbatim (it is signed) while the connection goes to `host`.
    public func matchesHostHeader(_ value: String) -> Bool {
        withUTF8Bytes(value) { matchesHostHeader(bytes: $0) }
    }

    /// ``matchesHostHeader(_:)`` over the value's bytes (no String built).
    public func matchesHostHeader(bytes b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let (range, port) = HostPort.parseRange(b, 0, b.count, portRequired: false) else { return false }
        let defaultPort = scheme == "https" ? 443 : 80
        guard (port ?? defaultPort) == (self.port ?? defaultPort) else { return false }
        return withUTF8Bytes(host) { h in
            // Usually the same bytes (same case): compared by memcmp before byte-wise case folding.
            guard range.count == h.count else { return false }
            if let hb = h.baseAddress, let bb = b.baseAddress, memcmp(hb, bb + range.lowerBound, h.count) == 0 { return true }
            return asciiCaseInsensitiveEquals(b, range.lowerBound, range.upperBound, h)
        }
    }

    private static func hasPrefixCI(_ b: UnsafeBufferPointer<UInt8>, _ prefix: StaticString) -> Bool {
        let p = UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
        return asciiCaseInsensitiveEquals(b, 0, p.count, p)
    }
}
