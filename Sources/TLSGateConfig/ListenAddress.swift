import TLSGatePolicy

/// Where the proxy listens: `HOST:PORT` or `[v6]:PORT`.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// An IP literal (IPv6 without brackets) or a host name such as `localhost`.
    public var host: String
    /// 1-65535.
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `127.0.0.1:8080`, `[::1]:8080`, `localhost:8080`.
    public init(parsing text: String) throws(ValueError) {
        let example = "expected HOST:PORT such as 127.0.0.1:8080 or [::1]:8080, got \"\(text)\""
        var hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw ValueError(example) }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.first == ":" else { throw ValueError(example) }
            portPart = rest.dropFirst()
            guard case .v6? = IPAddress(parsing: String(hostPart)) else {
                throw ValueError("\"\(hostPart)\" is not an IPv6 address (in \"\(text)\")")
            }
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw ValueError(example) }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            if hostPart.contains(":") {
                throw ValueError("write an IPv6 listen address in brackets, as [::1]:8080, got \"\(text)\"")
            }
        }
        guard !hostPart.isEmpty else { throw ValueError(example) }
        guard !portPart.isEmpty, portPart.utf8.count <= 5, portPart.utf8.allSatisfy({ $0 &- 0x30 < 10 }),
              let port = Int(portPart), (0...65535).contains(port) else {
            throw ValueError("port must be a number from 0 to 65535 (0 picks a free port), got \"\(portPart)\" (in \"\(text)\")")
        }
        var host = HostName.normalize(String(hostPart))
        if let address = IPAddress(parsing: host) {
            host = address.description
        } else {
            // A name: letters, digits, '-', '.' only.
            let valid = !host.isEmpty && host.utf8.count <= 253 && !host.hasPrefix(".") && !host.contains("..")
                && host.utf8.allSatisfy { ($0 | 0x20) &- 0x61 < 26 || $0 &- 0x30 < 10 || $0 == 0x2D || $0 == 0x2E || $0 == 0x5F }
            guard valid, !HostName.isIPLiteral(host) else {
                throw ValueError("\"\(hostPart)\" is not an IP address or host name (in \"\(text)\")")
            }
        }
        self.host = host
        self.port = port
    }

    /// `127.0.0.1:8080`, `[::1]:8080`.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Whether only this machine can reach the listener (127.0.0.0/8, ::1, localhost).
    public var isLoopback: Bool {
        if host == "localhost" { return true }
        return IPAddress(parsing: host)?.isLoopback ?? false
    }
}

/// A rejected value; the config parser adds the file, line and key path.
public struct ValueError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

}
