/// An address block such as `10.0.0.0/8` or `fd00::/8` (config `allow_clients`).
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
    public let network: IPAddress
    public let prefixLength: Int

    /// Parses `ADDRESS/PREFIX` or a bare address (a /32 or /128). Host bits must be zero.
    public init(parsing text: String) throws(PatternError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parsing: String(parts[0])) else {
            throw PatternError(pattern: text, message: "'\(text)' is not an IP address or CIDR block (e.g. 10.0.0.0/8)")
        }
        let maxPrefix = address.isIPv4 ? 32 : 128
        var prefix = maxPrefix
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...maxPrefix).contains(value) else {
                throw PatternError(pattern: text, message: "'\(text)': prefix length must be 0 to \(maxPrefix)")
            }
            prefix = value
        }
        guard CIDR.masked(address.bytes, prefix) == address.bytes else {
            throw PatternError(pattern: text, message: "'\(text)' has host bits set (did you mean \(CIDR.describe(CIDR.masked(address.bytes, prefix), prefix))?)")
        }
        self.network = address
        self.prefixLength = prefix
    }

    /// Whether `ip` lies in this block. An IPv4-mapped IPv6 address matches IPv4 blocks.
    public func contains(_ ip: IPAddress) -> Bool {
        var candidate = ip
        if network.isIPv4, !ip.isIPv4, let v4 = ip.embeddedIPv4Mapped { candidate = .v4(v4) }
        guard candidate.isIPv4 == network.isIPv4 else { return false }
        return CIDR.masked(candidate.bytes, prefixLength) == network.bytes
    }

    public var description: String { CIDR.describe(network.bytes, prefixLength) }

    static func masked(_ bytes: [UInt8], _ prefix: Int) -> [UInt8] {
        var out = bytes
        for index in out.indices {
            let bitsHere = max(0, min(8, prefix - index * 8))
            out[index] &= bitsHere == 8 ? 0xFF : UInt8(truncatingIfNeeded: 0xFF << (8 - bitsHere))
        }
        return out
    }

    static func describe(_ bytes: [UInt8], _ prefix: Int) -> String {
        let address = IPAddress(bytes: bytes).map(\.description) ?? "?"
        return "\(address)/\(prefix)"
    }
}

extension IPAddress {
    /// The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`).
    var embeddedIPv4Mapped: UInt32? {
        guard case .v6 = self else { return nil }
        let b = bytes
        guard b[0..<10].allSatisfy({ $0 == 0 }), b[10] == 0xFF, b[11] == 0xFF else { return nil }
        return UInt32(b[12]) << 24 | UInt32(b[13]) << 16 | UInt32(b[14]) << 8 | UInt32(b[15])
    }

    /// Loopback: 127.0.0.0/8, ::1, or IPv4-mapped loopback.
    public var isLoopback: Bool {
        switch self {
        case .v4(let v): return v >> 24 == 127
        case .v6:
            if let v4 = embeddedIPv4Mapped { return v4 >> 24 == 127 }
            return bytes == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
        }
    }
}
