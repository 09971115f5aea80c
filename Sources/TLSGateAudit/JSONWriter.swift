/// Minimal JSON object writer over a byte buffer (no Foundation). Strings are escaped per
/// RFC 8259; U+2028/U+2029 and DEL are escaped too so lines stay safe for any reader.
struct JSONWriter {
    var out: [UInt8]
    private var needsComma = false

    init(out: [UInt8]) {
        self.out = out
    }

    mutating func begin() { out.append(0x7B); needsComma = false }
    mutating func end() { out.append(0x7D) }

    mutating func key(_ name: String) {
        if needsComma { out.append(0x2C) }
        needsComma = true
        string(name)
        out.append(0x3A)
    }

    /// A key written in the source (plain ASCII, nothing to escape): copied as it is.
    mutating func key(_ name: StaticString) {
        if needsComma { out.append(0x2C) }
        needsComma = true
        out.append(0x22)
        out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        out.append(0x22)
        out.append(0x3A)
    }

    mutating func null() { out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C]) }

    mutating func raw(_ bytes: [UInt8]) { out.append(contentsOf: bytes) }

    /// Bytes known to need no escaping, in quotes.
    mutating func quoted(_ bytes: [UInt8]) {
        out.append(0x22)
        out.append(contentsOf: bytes)
        out.append(0x22)
    }

    mutating func int(_ value: Int?) {
        guard let value else { return null() }
        appendDecimal(value)
    }

    /// Decimal digits of `value`, written straight into the output.
    private mutating func appendDecimal(_ value: Int) {
        if value < 0 { out.append(0x2D) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)   // 24 bytes: enough for 20 digits
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[23 - count] = 0x30 + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(24 - count)...]))
        }
    }

    /// Finite doubles as shortest round-trip decimal; NaN and infinities as null.
    mutating func double(_ value: Double?) {
        guard let value, value.isFinite else { return null() }
        if value == value.rounded(), abs(value) < 1e15 {
            appendDecimal(Int(value))
        } else {
            out.append(contentsOf: value.description.utf8)
        }
    }

    mutating func strings(_ list: [String]) {
        out.append(0x5B)
        for (i, item) in list.enumerated() {
            if i > 0 { out.append(0x2C) }
            string(item)
        }
        out.append(0x5D)
    }

    mutating func string(_ value: String?) {
        guard let value else { return null() }
        out.append(0x22)
        var copy = value
        copy.withUTF8 { appendEscaped($0) }
        out.append(0x22)
    }

    private mutating func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        var i = 0
        let count = bytes.count
        while i < count {
            // Eight bytes at a time while none of them can need escaping (the usual case).
            if i + 8 <= count, let base = bytes.baseAddress,
               !Self.mayNeedEscape(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) {
                i += 8
                continue
            }
            let byte = bytes[i]
            var escape: [UInt8]? = nil
            var width = 1
            switch byte {
            case 0x22: escape = [0x5C, 0x22]
            case 0x5C: escape = [0x5C, 0x5C]
            case 0x0A: escape = [0x5C, 0x6E]
            case 0x0D: escape = [0x5C, 0x72]
            case 0x09: escape = [0x5C, 0x74]
            case 0x08: escape = [0x5C, 0x62]
            case 0x0C: escape = [0x5C, 0x66]
            case 0x00..<0x20, 0x7F: escape = Self.unicodeEscape(UInt16(byte))
            case 0xE2 where i + 2 < count && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9):
                escape = Self.unicodeEscape(bytes[i + 2] == 0xA8 ? 0x2028 : 0x2029)
                width = 3
            default: break
            }
            if let escape {
                if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
                out.append(contentsOf: escape)
                i += width
                runStart = i
            } else {
                i += 1
            }
        }
        if runStart < count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<count])) }
    }

    /// Whether any of the eight bytes in `word` is a control byte, `"`, `\\`, DEL or 0xE2 (the
    /// lead byte of U+2028/U+2029): the classic "has byte less than / equal to" bit tricks.
    @inline(__always)
    private static func mayNeedEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func hasZeroByte(_ v: UInt64) -> Bool { (v &- ones) & ~v & highs != 0 }
        let belowSpace = (word &- ones &* 0x20) & ~word & highs != 0
        return belowSpace
            || hasZeroByte(word ^ (ones &* 0x22)) || hasZeroByte(word ^ (ones &* 0x5C))
            || hasZeroByte(word ^ (ones &* 0x7F)) || hasZeroByte(word ^ (ones &* 0xE2))
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    private static func unicodeEscape(_ value: UInt16) -> [UInt8] {
        [0x5C, 0x75, hex[Int(value >> 12) & 0xF], hex[Int(value >> 8) & 0xF], hex[Int(value >> 4) & 0xF], hex[Int(value) & 0xF]]
    }
}
