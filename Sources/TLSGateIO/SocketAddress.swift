import Glibc

/// An IPv4 or IPv6 socket address (a `sockaddr_storage` by value).
public struct SocketAddress: Sendable, CustomStringConvertible {
    private var storage: sockaddr_storage

    public init(storage: sockaddr_storage) {
        self.storage = storage
    }

    /// Parses a numeric IP address (no name resolution) and a port.
    public init?(ip: String, port: Int) {
        guard (0...65535).contains(port) else { return nil }
        var storage = sockaddr_storage()
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, ip, &v4) == 1 {
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    sin.pointee.sin_family = sa_family_t(AF_INET)
                    sin.pointee.sin_port = in_port_t(UInt16(port).bigEndian)
                    sin.pointee.sin_addr = v4
                }
            }
        } else if inet_pton(AF_INET6, ip, &v6) == 1 {
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    sin6.pointee.sin6_family = sa_family_t(AF_INET6)
                    sin6.pointee.sin6_port = in_port_t(UInt16(port).bigEndian)
                    sin6.pointee.sin6_addr = v6
                }
            }
        } else {
            return nil
        }
        self.storage = storage
    }

    public var family: Int32 { Int32(storage.ss_family) }

    public var port: Int {
        withUnsafePointer(to: storage) {
            switch Int32($0.pointee.ss_family) {
            case AF_INET:
                return $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            case AF_INET6:
                return $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            default:
                return 0
            }
        }
    }

    /// The address bytes in network order: 4 for IPv4, 16 for IPv6.
    public var ipBytes: [UInt8] {
        withUnsafePointer(to: storage) {
            switch Int32($0.pointee.ss_family) {
            case AF_INET:
                return $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    withUnsafeBytes(of: sin.pointee.sin_addr) { Array($0) }
                }
            case AF_INET6:
                return $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    withUnsafeBytes(of: sin6.pointee.sin6_addr) { Array($0) }
                }
            default:
                return []
            }
        }
    }

    /// The numeric IP address as text, without the port.
    public var ipString: String {
        if family == AF_INET {
            return String(unsafeUninitializedCapacity: 15) { writeIPv4($0.baseAddress!) }
        }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let family = self.family
        let ok: Bool = withUnsafePointer(to: storage) { ptr in
            switch family {
            case AF_INET:
                return ptr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    withUnsafePointer(to: sin.pointee.sin_addr) { inet_ntop(AF_INET, $0, &buffer, socklen_t(buffer.count)) != nil }
                }
            case AF_INET6:
                return ptr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    withUnsafePointer(to: sin6.pointee.sin6_addr) { inet_ntop(AF_INET6, $0, &buffer, socklen_t(buffer.count)) != nil }
                }
            default:
                return false
            }
        }
        guard ok else { return "?" }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// `ip:port`, with brackets around IPv6 addresses.
    public var description: String {
        if family == AF_INET {
            // Made for every connection's audit lines: written in place, no interpolation, and
            // decoded from a stack buffer so that text of up to 15 bytes ("127.0.0.1:54321")
            // becomes a small string, with no allocation.
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { text in
                let base = text.baseAddress!
                var n = writeIPv4(base)
                base[n] = 0x3A   // ":"
                n += 1
                n += Self.writeDecimal(UInt32(port), to: base + n)
                return String(decoding: UnsafeBufferPointer(start: base, count: n), as: UTF8.self)
            }
        }
        return family == AF_INET6 ? "[\(ipString)]:\(port)" : "\(ipString):\(port)"
    }

    /// Writes the IPv4 address as a dotted quad (at most 15 bytes); returns the length. By hand:
    /// glibc's inet_ntop formats IPv4 with sprintf (hundreds of instructions per audit line).
    private func writeIPv4(_ out: UnsafeMutablePointer<UInt8>) -> Int {
        let address = withUnsafePointer(to: storage) { ptr in
            ptr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt32(bigEndian: $0.pointee.sin_addr.s_addr) }
        }
        var n = 0
        for shift in stride(from: 24, through: 0, by: -8) {
            if shift != 24 {
                out[n] = 0x2E   // "."
                n += 1
            }
            n += Self.writeDecimal((address >> UInt32(shift)) & 0xFF, to: out + n)
        }
        return n
    }

    /// Writes `value` in decimal (at most 10 bytes); returns the length.
    private static func writeDecimal(_ value: UInt32, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var digits = 1
        var rest = value / 10
        while rest > 0 { digits += 1; rest /= 10 }
        var v = value
        for i in stride(from: digits - 1, through: 0, by: -1) {
            out[i] = 0x30 + UInt8(v % 10)
            v /= 10
        }
        return digits
    }

    public func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        let len = family == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size
        return withUnsafePointer(to: storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(len)) }
        }
    }
}
