/// Minimal JSON object writer (no Foundation). Strings are escaped per RFC 8259; U+2028/U+2029
/// and DEL are escaped too so lines stay safe for any reader.
///
/// It writes into scratch memory of its own (no per-byte array bookkeeping: an audit line is
/// written on every request) and hands the bytes over once, in ``finish(appendingTo:)``. Use it
/// through ``write(into:_:)``, which owns that memory.
struct JSONWriter {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0
    private var needsComma = false

    private init(capacity: Int) {
        self.capacity = capacity
        self.base = .allocate(capacity: capacity)
    }

    /// Runs `body` with a fresh writer, then appends what it wrote to `out`.
    static func write(into out: inout [UInt8], _ body: (inout JSONWriter) -> Void) {
        var writer = JSONWriter(capacity: 1024)
        body(&writer)
        out.append(contentsOf: UnsafeBufferPointer(start: writer.base, count: writer.count))
        writer.base.deallocate()
    }

    // MARK: Raw output

    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        let grown = max(capacity * 2, count + extra)
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        fresh.update(from: base, count: count)
        base.deallocate()
        base = fresh
        capacity = grown
    }

    @inline(__always)
    mutating func byte(_ b: UInt8) {
        reserve(1)
        base[count] = b
        count += 1
    }

    @inline(__always)
    mutating func bytes(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (base + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    @inline(__always)
    private mutating func ascii(_ text: StaticString) {
        bytes(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    // MARK: JSON

    mutating func begin() { byte(0x7B); needsComma = false }
    mutating func end() { byte(0x7D) }
    mutating func newline() { byte(0x0A) }

    /// A key chosen at run time (escaped like any string).
    mutating func key(escaping name: String) {
        if needsComma { byte(0x2C) }
        needsComma = true
        string(name)
        byte(0x3A)
    }

    /// A key written in the source (plain ASCII, nothing to escape): copied as it is.
    mutating func key(_ name: StaticString) {
        reserve(name.utf8CodeUnitCount + 4)
        if needsComma { byte(0x2C) }
        needsComma = true
        byte(0x22)
        ascii(name)
        byte(0x22)
        byte(0x3A)
    }

    mutating func null() { ascii("null") }

    mutating func bool(_ value: Bool) { if value { ascii("true") } else { ascii("false") } }

    /// Bytes known to need no escaping, in quotes.
    mutating func quoted(_ text: [UInt8]) {
        byte(0x22)
        text.withUnsafeBufferPointer { bytes($0) }
        byte(0x22)
    }

    mutating func int(_ value: Int?) {
        guard let value else { return null() }
        decimal(value)
    }

    /// Decimal digits of `value`.
    private mutating func decimal(_ value: Int) {
        reserve(20)
        if value < 0 { byte(0x2D) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)   // 24 bytes: enough for 20 digits
        var n = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[23 - n] = 0x30 + UInt8(magnitude % 10)
                magnitude /= 10
                n += 1
            } while magnitude > 0
            bytes(UnsafeBufferPointer(start: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self) + (24 - n), count: n))
        }
    }

    /// Finite doubles as shortest round-trip decimal; NaN and infinities as null.
    mutating func double(_ value: Double?) {
        guard let value, value.isFinite else { return null() }
        if value == value.rounded(), abs(value) < 1e15 {
            decimal(Int(value))
        } else {
            var text = value.description
            text.withUTF8 { bytes($0) }
        }
    }

    mutating func strings(_ list: [String]) {
        byte(0x5B)
        for (i, item) in list.enumerated() {
            if i > 0 { byte(0x2C) }
            string(item)
        }
        byte(0x5D)
    }

    mutating func string(_ value: String?) {
        guard var value else { return null() }
        byte(0x22)
        value.withUTF8 { appendEscaped($0) }
        byte(0x22)
    }

    private mutating func appendEscaped(_ text: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        var i = 0
        let count = text.count
        while i < count {
            // Eight bytes at a time while none of them can need escaping (the usual case).
            if i + 8 <= count, let start = text.baseAddress,
               !Self.mayNeedEscape(UnsafeRawPointer(start + i).loadUnaligned(as: UInt64.self)) {
                i += 8
                continue
            }
            let b = text[i]
            if b >= 0x20 && b != 0x22 && b != 0x5C && b != 0x7F && b != 0xE2 {
                i += 1   // plain byte (the tail after the eight-byte steps)
                continue
            }
            var width = 1
            var scalar: UInt16? = nil
            var short: UInt8 = 0
            switch b {
            case 0x22: short = 0x22
            case 0x5C: short = 0x5C
            case 0x0A: short = 0x6E
            case 0x0D: short = 0x72
            case 0x09: short = 0x74
            case 0x08: short = 0x62
            case 0x0C: short = 0x66
            case 0x00..<0x20, 0x7F: scalar = UInt16(b)
            case 0xE2 where i + 2 < count && text[i + 1] == 0x80 && (text[i + 2] == 0xA8 || text[i + 2] == 0xA9):
                scalar = text[i + 2] == 0xA8 ? 0x2028 : 0x2029
                width = 3
            default:
                i += 1   // 0xE2 starting some other character
                continue
            }
            if runStart < i { bytes(UnsafeBufferPointer(rebasing: text[runStart..<i])) }
            byte(0x5C)
            if let scalar {
                byte(0x75)
                for shift in stride(from: 12, through: 0, by: -4) { byte(Self.hexDigit(Int(scalar >> UInt16(shift)) & 0xF)) }
            } else {
                byte(short)
            }
            i += width
            runStart = i
        }
        if runStart < count { bytes(UnsafeBufferPointer(rebasing: text[runStart..<count])) }
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

    @inline(__always)
    private static func hexDigit(_ value: Int) -> UInt8 {
        value < 10 ? 0x30 + UInt8(value) : 0x61 + UInt8(value - 10)
    }
}
