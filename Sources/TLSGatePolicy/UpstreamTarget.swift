/// Where an overridden host is actually connected: `address[:port]` from `upstream.resolve`.
/// TLS SNI and certificate verification still use the requested host name.
public struct UpstreamTarget: Sendable, Hashable, CustomStringConvertible {
    /// A host name or an IP literal (IPv6 without brackets).
    public var host: String
    /// The port to use instead of the requested one; nil keeps the requested port.
    public var port: Int?

    public init(host: String, port: Int? = nil) {
        self.host = host
        self.port = port
    }

    /// Parses `name`, `name:port`, `1.2.3.4[:port]`, `[::1][:port]` or a bare IPv6 literal.
    public init(parsing text: String) throws(TargetError) {
        func fail(_ message: String) -> TargetError { TargetError(target: text, message: message) }
        let utf8 = text.utf8
        guard !utf8.isEmpty else { throw fail("empty upstream address") }
        guard utf8.count <= 300 else { throw fail("upstream address is too long") }
        var hostPart: Substring
        var portPart: Substring?
        if utf8.first == 0x5B {  // [v6] or [v6]:port
            guard let close = text.firstIndex(of: "]") else {
                throw fail("'\(text)': missing ']' after an IPv6 address")
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.first == ":" else { throw fail("'\(text)': expected ':PORT' after ']'") }
                portPart = rest.dropFirst()
            }
            guard case .v6? = IPAddress(parsing: String(hostPart)) else {
                throw fail("'\(text)': '\(hostPart)' is not an IPv6 address")
            }
        } else if utf8.filter({ $0 == 0x3A }).count > 1 {  // bare IPv6, no port possible
            hostPart = Substring(text)
            guard case .v6? = IPAddress(parsing: text) else {
                throw fail("'\(text)' is not a valid address (write IPv6 with a port as [ADDR]:PORT)")
            }
        } else if let colon = text.firstIndex(of: ":") {
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        } else {
            hostPart = Substring(text)
        }
        var host = HostName.normalize(String(hostPart))
        if host.utf8.contains(0x3A) {
            host = HostName.canonicalIPv6(host)
        } else if !HostName.isValidDNSName(host.utf8) {
            throw fail("'\(text)': '\(hostPart)' is not a valid host name or IP address")
        }
        self.host = host
        if let portPart {
            guard let port = Int(portPart), (1...65535).contains(port), portPart.utf8.allSatisfy({ $0 &- 0x30 < 10 }) else {
                throw fail("'\(text)': port must be a number from 1 to 65535, got '\(portPart)'")
            }
            self.port = port
        } else {
            self.port = nil
        }
    }

    /// The IP address when `host` is an IP literal.
    public var address: IPAddress? { IPAddress(parsing: host) }

    /// `host`, `host:port`, `[v6]:port`.
    public var description: String {
        let shownHost = host.utf8.contains(0x3A) ? "[\(host)]" : host
        guard let port else { return host }
        return "\(shownHost):\(port)"
    }
}

/// Why an `upstream.resolve` target was rejected. `message` says what to change.
public struct TargetError: Error, Sendable, Hashable, CustomStringConvertible {
    public let target: String
    public let message: String

    public init(target: String, message: String) {
        self.target = target
        self.message = message
    }

    public var description: String { message }
}
