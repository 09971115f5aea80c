/// Shared `host [":" port]` grammar for absolute URIs and CONNECT authorities.
///
/// Hosts are deliberately narrower than RFC 3986 reg-name: letters, digits, `-`, `.` and `_`
/// (DNS names and IPv4 literals), or an IPv6 literal in brackets (hex digits, `:` and `.`; no zone,
/// no IPvFuture). Percent-encoding and sub-delims are refused so policy checks see the real name.
enum HostPort {
    /// Parses `bytes[start..<end]` as host with optional (or, if `portRequired`, mandatory) port.
    /// An empty port after `:` counts as absent (RFC 3986 §3.2.3) unless the port is required.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, portRequired: Bool)
        -> (host: String, port: Int?)?
    {
        guard let (range, port) = parseRange(bytes, start, end, portRequired: portRequired) else { return nil }
        return (decode(bytes, range.lowerBound, range.upperBound), port)
    }

    /// ``parse(_:_:_:portRequired:)`` without building the host String: the host's byte range
    /// (brackets excluded) and the port.
    static func parseRange(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, portRequired: Bool)
        -> (host: Range<Int>, port: Int?)?
    {
        guard start < end else { return nil }
        var hostStart = start
        var hostEnd: Int
        var i: Int
        if bytes[start] == 0x5B { // '['
            i = start + 1
            var colons = 0
            while i < end && bytes[i] != 0x5D { // ']'
                let b = bytes[i]
                if b == ByteClass.colon { colons += 1 } else {
                    guard ByteClass.hexValue(b) != nil || b == 0x2E else { return nil }
                }
                i += 1
            }
            guard i < end, colons >= 2, i - start - 1 >= 2 else { return nil }
            hostStart = start + 1
            hostEnd = i
            i += 1 // past ']'
        } else {
            i = start
            while i < end && bytes[i] != ByteClass.colon {
                guard isRegNameByte(bytes[i]) else { return nil }
                i += 1
            }
            hostEnd = i
            guard hostEnd > hostStart else { return nil }
        }
        var port: Int?
        if i < end {
            guard bytes[i] == ByteClass.colon else { return nil }
            i += 1
            guard i < end else { return portRequired ? nil : (hostStart..<hostEnd, nil) }
            guard end - i <= 5 else { return nil }
            var value = 0
            while i < end {
                guard ByteClass.isDigit(bytes[i]) else { return nil }
                value = value * 10 + Int(bytes[i] &- 0x30)
                i += 1
            }
            guard (1...65535).contains(value) else { return nil }
            port = value
        } else if portRequired {
            return nil
        }
        return (hostStart..<hostEnd, port)
    }

    @inline(__always)
    private static func isRegNameByte(_ b: UInt8) -> Bool { ByteClass.isRegName(b) }

    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[s..<e]), as: UTF8.self)
    }
}
