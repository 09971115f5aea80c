/// A CONNECT request-target in authority-form: `host:port` or `[v6]:port` (port required).
public struct Authority: Sendable, Equatable, Hashable {
    /// The host, brackets stripped for IPv6, original case kept.
    public let host: String
    /// The port (1...65535).
    public let port: Int

    /// An authority from parts.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` / `[v6]:port`; nil for userinfo, a missing/zero/over-large port, an empty or
    /// invalid host, or anything after the port.
    public static func parse(_ text: String) -> Authority? {
        withUTF8Bytes(text) { bytes in
            guard let hp = HostPort.parse(bytes, 0, bytes.count, portRequired: true),
                  let port = hp.port else { return nil }
            return Authority(host: hp.host, port: port)
        }
    }

    /// Parses a CONNECT target that may carry userinfo (`user:pass@host:443`): the authority
    /// without it, and whether there was one (credentials in a URL: see `CredentialsInURL`). Nil
    /// for anything ``parse(_:)`` refuses apart from well-formed userinfo.
    public static func parseNotingUserInfo(_ text: String) -> (authority: Authority, hadUserInfo: Bool)? {
        withUTF8Bytes(text) { bytes in
            var hostStart = 0
            if let at = bytes.lastIndex(of: UInt8(ascii: "@")) {
                guard bytes[..<at].allSatisfy({ ByteClass.isUserInfo($0) }) else { return nil }
                hostStart = at + 1
            }
            guard let hp = HostPort.parse(bytes, hostStart, bytes.count, portRequired: true),
                  let port = hp.port else { return nil }
            return (Authority(host: hp.host, port: port), hostStart > 0)
        }
    }

    /// The authority as written in a CONNECT line or Host header (`[…]` around IPv6 hosts).
    public var text: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
