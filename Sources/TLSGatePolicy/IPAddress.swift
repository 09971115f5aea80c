#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The 16 bytes of an IPv6 address in network order (the layout of `in6_addr`).
public typealias IPv6Bytes = (
    UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
    UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
)

/// An IPv4 or IPv6 address, as connected to or as written in a host literal.
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// IPv4, host byte order (`10.0.0.1` is `0x0A000001`).
    case v4(UInt32)
    /// IPv6, network byte order.
    case v6(IPv6Bytes)

    /// Parses a textual address with `inet_pton`: an IPv4 dotted quad, or an IPv6 address
    /// (optionally in brackets). No zone ids, no legacy IPv4 shorthands.
    public init?(parsing text: String) {
        var utf8 = Substring(text).utf8
        if utf8.first == 0x5B, utf8.last == 0x5D, utf8.count >= 2 {
            utf8 = utf8.dropFirst().dropLast()
        }
        guard !utf8.isEmpty, utf8.count <= 64 else { return nil }
        let body = String(Substring(utf8))
        if utf8.contains(0x3A) {
            var raw = in6_addr()
            guard inet_pton(AF_INET6, body, &raw) == 1 else { return nil }
            self.init(in6Addr: raw)
        } else {
            var raw = in_addr()
            guard inet_pton(AF_INET, body, &raw) == 1 else { return nil }
            self.init(inAddr: raw)
        }
    }

    /// An IPv4 address from its four bytes in network order (`(10, 0, 0, 1)`).
    public init(v4Bytes b: (UInt8, UInt8, UInt8, UInt8)) {
        self = .v4(UInt32(b.0) << 24 | UInt32(b.1) << 16 | UInt32(b.2) << 8 | UInt32(b.3))
    }

    /// An IPv6 address from its sixteen bytes in network order.
    public init(v6Bytes bytes: IPv6Bytes) {
        self = .v6(bytes)
    }

    /// An address from 4 or 16 bytes in network order; nil for any other count.
    public init?<C: Collection>(bytes: C) where C.Element == UInt8 {
        let array = Array(bytes)
        switch array.count {
        case 4:
            self.init(v4Bytes: (array[0], array[1], array[2], array[3]))
        case 16:
            var raw: IPv6Bytes = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            withUnsafeMutableBytes(of: &raw) { $0.copyBytes(from: array) }
            self = .v6(raw)
        default:
            return nil
        }
    }

    /// From a `sockaddr_in`'s `sin_addr`.
    public init(inAddr: in_addr) {
        self = .v4(UInt32(bigEndian: inAddr.s_addr))
    }

    /// From a `sockaddr_in6`'s `sin6_addr`.
    public init(in6Addr: in6_addr) {
        var raw: IPv6Bytes = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &raw) { dst in
            withUnsafeBytes(of: in6Addr) { src in dst.copyMemory(from: src) }
        }
        self = .v6(raw)
    }

    /// The address bytes in network order (4 or 16).
    public var bytes: [UInt8] {
        switch self {
        case .v4(let value):
            return [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16),
                    UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
        case .v6(let raw):
            return withUnsafeBytes(of: raw) { Array($0) }
        }
    }

    /// True for IPv4.
    public var isIPv4: Bool { if case .v4 = self { return true } else { return false } }

    /// The canonical text: `10.0.0.1`, `2001:db8::1`, `::ffff:10.0.0.1` (no brackets).
    public var description: String {
        switch self {
        case .v4(let value):
            return "\(value >> 24).\((value >> 16) & 0xFF).\((value >> 8) & 0xFF).\(value & 0xFF)"
        case .v6(let raw):
            var storage = raw
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            let ok = buffer.withUnsafeMutableBufferPointer { out in
                withUnsafeBytes(of: &storage) { src in
                    inet_ntop(AF_INET6, src.baseAddress, out.baseAddress, socklen_t(out.count)) != nil
                }
            }
            guard ok else { return "::" }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    public static func == (lhs: IPAddress, rhs: IPAddress) -> Bool {
        switch (lhs, rhs) {
        case let (.v4(a), .v4(b)): return a == b
        case let (.v6(a), .v6(b)): return withUnsafeBytes(of: a) { pa in withUnsafeBytes(of: b) { pb in pa.elementsEqual(pb) } }
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .v4(let value):
            hasher.combine(4 as UInt8)
            hasher.combine(value)
        case .v6(let raw):
            hasher.combine(6 as UInt8)
            withUnsafeBytes(of: raw) { hasher.combine(bytes: $0) }
        }
    }
}
