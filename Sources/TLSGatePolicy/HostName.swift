/// Host name normalisation shared by patterns, allowlists and overrides.
public enum HostName {
    /// Lowercases ASCII letters, strips one trailing dot and the brackets around an IPv6 literal.
    /// Returns the input unchanged (no allocation) when it is already normal.
    public static func normalize(_ host: String) -> String {
        let utf8 = host.utf8
        // Already normal (the usual case): one pass over the bytes, no copy.
        let needsWork = utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard let first = bytes.first, let last = bytes.last else { return false }
            if first == 0x5B || last == 0x2E || last == 0x5D { return true }
            for byte in bytes where byte &- 0x41 < 26 { return true }  // 'A'...'Z'
            return false
        } ?? true
        guard needsWork else { return host }

        var bytes = Array(utf8)
        if bytes.count >= 2, bytes[0] == 0x5B, bytes[bytes.count - 1] == 0x5D {  // "[...]"
            bytes.removeLast()
            bytes.removeFirst()
        }
        if bytes.last == 0x2E { bytes.removeLast() }
        for i in bytes.indices where bytes[i] &- 0x41 < 26 { bytes[i] |= 0x20 }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// True when `host` is an IP address literal: an IPv4 dotted quad or an IPv6 address
    /// (brackets allowed). Also true for the legacy numeric IPv4 spellings resolvers accept
    /// (`2130706433`, `0x7f.1`, `127.1`): a name whose last label is numeric is never a DNS name.
    public static func isIPLiteral(_ host: String) -> Bool {
        let name = normalize(host)
        if IPAddress(parsing: name) != nil { return true }
        return lastLabelIsNumeric(name)
    }

    /// The last dot-separated label is all decimal digits or `0x` + hex digits.
    static func lastLabelIsNumeric(_ name: String) -> Bool {
        let utf8 = name.utf8
        let start = utf8.lastIndex(of: 0x2E).map { utf8.index(after: $0) } ?? utf8.startIndex
        let label = utf8[start...]
        guard !label.isEmpty else { return false }
        var it = label.makeIterator()
        if label.count >= 2, label.first == 0x30, label.dropFirst().first.map({ $0 | 0x20 }) == 0x78 {
            _ = it.next(); _ = it.next()
            while let b = it.next() {
                guard b &- 0x30 < 10 || (b | 0x20) &- 0x61 < 6 else { return false }
            }
            return true
        }
        while let b = it.next() { guard b &- 0x30 < 10 else { return false } }
        return true
    }

    /// Validates a DNS host name: labels of letters, digits, `-`, `_`; no empty label;
    /// labels up to 63 bytes, total up to 253. Expects a normalized name.
    static func isValidDNSName<C: Collection>(_ utf8: C) -> Bool where C.Element == UInt8 {
        let count = utf8.count
        guard count > 0, count <= 253 else { return false }
        var labelLength = 0
        for byte in utf8 {
            if byte == 0x2E {
                guard labelLength > 0 else { return false }
                labelLength = 0
            } else {
                guard isNameByte(byte) else { return false }
                labelLength += 1
                guard labelLength <= 63 else { return false }
            }
        }
        return labelLength > 0
    }

    /// Letters (either case), digits, `-` and `_`.
    @inline(__always)
    static func isNameByte(_ byte: UInt8) -> Bool {
        (byte | 0x20) &- 0x61 < 26 || byte &- 0x30 < 10 || byte == 0x2D || byte == 0x5F
    }

    /// The canonical spelling of `name` when it is an IPv6 literal, otherwise `name` itself.
    /// Lets `::1` and `0::1` compare equal. `name` must already be normalized.
    static func canonicalIPv6(_ name: String) -> String {
        guard name.utf8.contains(0x3A), let address = IPAddress(parsing: name) else { return name }
        return address.description
    }
}
