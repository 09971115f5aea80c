/// Byte classification for HTTP grammar (RFC 9110 §5.6.2, §5.5), branch-light and allocation-free.
enum ByteClass {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let sp: UInt8 = 0x20
    static let htab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let comma: UInt8 = 0x2C
    static let semicolon: UInt8 = 0x3B

    /// `tchar` bitmaps: bytes 0..<64 and 64..<128.
    private static let tcharLow: UInt64 = 0x03FF_6CFA_0000_0000
    private static let tcharHigh: UInt64 = 0x57FF_FFFF_C7FF_FFFE

    /// `tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA`
    @inline(__always)
    static func isTchar(_ b: UInt8) -> Bool {
        if b < 64 { return (tcharLow >> UInt64(b)) & 1 == 1 }
        if b < 128 { return (tcharHigh >> UInt64(b &- 64)) & 1 == 1 }
        return false
    }

    /// RFC 3986 userinfo: unreserved / pct-encoded / sub-delims / ":" (so no `@` and no backslash).
    static func isUserInfo(_ c: UInt8) -> Bool {
        switch c {
        case 0x61...0x7A, 0x41...0x5A, 0x30...0x39: return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "%"),
             UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
             UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
             UInt8(ascii: "="), UInt8(ascii: ":"):
            return true
        default: return false
        }
    }

    /// Space or horizontal tab (OWS / BWS).
    @inline(__always)
    static func isWhitespace(_ b: UInt8) -> Bool { b == sp || b == htab }

    /// `field-vchar / SP / HTAB`: VCHAR, obs-text, SP, HTAB. Excludes NUL, CR, LF, other CTLs and DEL.
    @inline(__always)
    static func isFieldValueByte(_ b: UInt8) -> Bool {
        (b >= 0x20 && b != 0x7F) || b == htab
    }

    /// Visible US-ASCII (0x21...0x7E), the bytes a request-target may hold.
    @inline(__always)
    static func isVisibleASCII(_ b: UInt8) -> Bool { b >= 0x21 && b <= 0x7E }

    /// Whether every byte of `bytes` is visible US-ASCII (checked eight bytes at a time).
    static func allVisibleASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let n = bytes.count
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var i = 0
        while i + 8 <= n {
            let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            // A byte <= 0x20 (w - 0x21 borrows), >= 0x7F (w + 1 reaches 0x80) or >= 0x80.
            let low = (w &- ones &* 0x21) & ~w & highs
            let high = (w &+ ones) | w
            if (low | high) & highs != 0 { return false }
            i += 8
        }
        while i < n {
            if !isVisibleASCII(base[i]) { return false }
            i += 1
        }
        return true
    }

    /// `reg-name` bytes this proxy accepts in a host: ALPHA, DIGIT, `-`, `.`, `_` (bitmaps of 0..<64 and 64..<128).
    private static let regNameLow: UInt64 = 0x03FF_6000_0000_0000
    private static let regNameHigh: UInt64 = 0x07FF_FFFE_87FF_FFFE

    /// Whether `b` may appear in a host name (see `regNameLow`).
    @inline(__always)
    static func isRegName(_ b: UInt8) -> Bool {
        if b < 64 { return (regNameLow >> UInt64(b)) & 1 == 1 }
        if b < 128 { return (regNameHigh >> UInt64(b &- 64)) & 1 == 1 }
        return false
    }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// Value of a hex digit, or nil.
    @inline(__always)
    static func hexValue(_ b: UInt8) -> UInt64? {
        switch b {
        case 0x30...0x39: return UInt64(b &- 0x30)
        case 0x41...0x46: return UInt64(b &- 0x41 &+ 10)
        case 0x61...0x66: return UInt64(b &- 0x61 &+ 10)
        default: return nil
        }
    }

    /// ASCII lowercase of one byte.
    @inline(__always)
    static func lower(_ b: UInt8) -> UInt8 {
        (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b
    }
}

/// Case-insensitive ASCII comparison of `bytes[start..<end]` with a UTF-8 needle.
@inline(__always)
func asciiCaseInsensitiveEquals(
    _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ needle: UnsafeBufferPointer<UInt8>
) -> Bool {
    guard end - start == needle.count else { return false }
    var i = 0
    while i < needle.count {
        if ByteClass.lower(bytes[start + i]) != ByteClass.lower(needle[i]) { return false }
        i += 1
    }
    return true
}

/// Runs `body` over the UTF-8 bytes of `string` without copying when the string is native.
@inline(__always)
func withUTF8Bytes<R>(_ string: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    if let r = string.utf8.withContiguousStorageIfAvailable(body) { return r }
    let copy = Array(string.utf8)
    return copy.withUnsafeBufferPointer(body)
}
