/// A fast, allocation-free scanner over one JSON object line: it walks the top-level members and
/// hands out the raw bytes of each key and value (nested objects and arrays are skipped whole,
/// or walked on request). It validates structure as far as it walks; values are decoded only
/// when asked (`string`, `int`). Audit lines are small and written by tlsgate, so this is all the
/// verifier and the summary need, at many times the speed of a general parser.
public struct JSONValue {
    public enum Kind: UInt8 { case string, number, bool, null, object, array }
    public let kind: Kind
    /// The value's bytes: for strings, between the quotes (escapes not decoded).
    public let bytes: UnsafeRawBufferPointer
    /// For strings: whether a backslash occurs.
    public let escaped: Bool

    /// The string value decoded (JSON escapes resolved), or nil for other kinds.
    public var string: String? {
        guard kind == .string else { return nil }
        if !escaped { return String(decoding: bytes, as: UTF8.self) }
        return JSONLine.unescape(bytes)
    }

    /// The integer value, or nil.
    public var int: Int? {
        guard kind == .number else { return nil }
        var v = 0, neg = false, any = false
        for (i, b) in bytes.enumerated() {
            if i == 0 && b == 0x2D { neg = true; continue }
            guard b >= 0x30 && b <= 0x39 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int(b - 0x30))
            if o1 || o2 { return nil }
            v = s; any = true
        }
        return any ? (neg ? -v : v) : nil
    }

    public var double: Double? {
        guard kind == .number else { return nil }
        return Double(String(decoding: bytes, as: UTF8.self))
    }

    public var bool: Bool? { kind == .bool ? bytes.first == 0x74 : nil }

    /// Whether the (unescaped) string equals `text`.
    public func equals(_ text: StaticString) -> Bool {
        guard kind == .string, !escaped, bytes.count == text.utf8CodeUnitCount else { return false }
        return memcmp(bytes.baseAddress!, text.utf8Start, bytes.count) == 0
    }
}

public enum JSONLine {
    /// Calls `body(key, value)` for each top-level member of the object in `line`; returns false
    /// when the line is not a well-formed object (as far as scanned). `body` returns false to stop.
    @discardableResult
    public static func forEachMember(_ line: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer, JSONValue) -> Bool) -> Bool {
        var i = skipSpace(line, 0)
        guard i < line.count, line[i] == 0x7B else { return false }
        i = skipSpace(line, i + 1)
        if i < line.count, line[i] == 0x7D { return true }
        while i < line.count {
            guard line[i] == 0x22, let (keyEnd, _) = stringEnd(line, i + 1) else { return false }
            let key = UnsafeRawBufferPointer(rebasing: line[(i + 1)..<keyEnd])
            i = skipSpace(line, keyEnd + 1)
            guard i < line.count, line[i] == 0x3A else { return false }
            i = skipSpace(line, i + 1)
            guard let (value, next) = scanValue(line, i) else { return false }
            if !body(key, value) { return true }
            i = skipSpace(line, next)
            guard i < line.count else { return false }
            if line[i] == 0x2C { i = skipSpace(line, i + 1); continue }
            return line[i] == 0x7D
        }
        return false
    }

    /// Calls `body` for each element of an array value.
    public static func forEachElement(_ array: JSONValue, _ body: (JSONValue) -> Void) {
        guard array.kind == .array else { return }
        let b = array.bytes
        var i = skipSpace(b, 1)
        while i < b.count, b[i] != 0x5D {
            guard let (value, next) = scanValue(b, i) else { return }
            body(value)
            i = skipSpace(b, next)
            if i < b.count, b[i] == 0x2C { i = skipSpace(b, i + 1) }
        }
    }

    @inline(__always)
    static func skipSpace(_ b: UnsafeRawBufferPointer, _ start: Int) -> Int {
        var i = start
        while i < b.count, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0D || b[i] == 0x0A { i += 1 }
        return i
    }

    /// The index of the closing quote of a string whose content starts at `start`, and whether
    /// a backslash occurred.
    @inline(__always)
    static func stringEnd(_ b: UnsafeRawBufferPointer, _ start: Int) -> (Int, Bool)? {
        var i = start, escaped = false
        while i < b.count {
            let c = b[i]
            if c == 0x22 { return (i, escaped) }
            if c == 0x5C { escaped = true; i += 2; continue }
            i += 1
        }
        return nil
    }

    static func scanValue(_ b: UnsafeRawBufferPointer, _ i: Int) -> (JSONValue, Int)? {
        guard i < b.count else { return nil }
        switch b[i] {
        case 0x22:
            guard let (end, escaped) = stringEnd(b, i + 1) else { return nil }
            return (JSONValue(kind: .string, bytes: UnsafeRawBufferPointer(rebasing: b[(i + 1)..<end]), escaped: escaped), end + 1)
        case 0x7B, 0x5B:
            var depth = 0, j = i
            while j < b.count {
                let c = b[j]
                if c == 0x22 {
                    guard let (end, _) = stringEnd(b, j + 1) else { return nil }
                    j = end + 1
                    continue
                }
                if c == 0x7B || c == 0x5B { depth += 1 } else if c == 0x7D || c == 0x5D {
                    depth -= 1
                    if depth == 0 {
                        let kind: JSONValue.Kind = b[i] == 0x7B ? .object : .array
                        return (JSONValue(kind: kind, bytes: UnsafeRawBufferPointer(rebasing: b[i...j]), escaped: false), j + 1)
                    }
                }
                j += 1
            }
            return nil
        case 0x74, 0x66, 0x6E:  // true false null
            var j = i
            while j < b.count, b[j] >= 0x61 && b[j] <= 0x7A { j += 1 }
            let word = UnsafeRawBufferPointer(rebasing: b[i..<j])
            let kind: JSONValue.Kind = b[i] == 0x6E ? .null : .bool
            guard word.count == (b[i] == 0x66 ? 5 : 4) else { return nil }
            return (JSONValue(kind: kind, bytes: word, escaped: false), j)
        default:
            var j = i
            while j < b.count {
                let c = b[j]
                if (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x2B || c == 0x2E || c == 0x65 || c == 0x45 { j += 1 } else { break }
            }
            guard j > i else { return nil }
            return (JSONValue(kind: .number, bytes: UnsafeRawBufferPointer(rebasing: b[i..<j]), escaped: false), j)
        }
    }

    /// Decodes JSON string escapes (invalid escapes are kept as they are).
    static func unescape(_ b: UnsafeRawBufferPointer) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            let c = b[i]
            guard c == 0x5C, i + 1 < b.count else { out.append(c); i += 1; continue }
            let e = b[i + 1]
            switch e {
            case 0x6E: out.append(0x0A)
            case 0x74: out.append(0x09)
            case 0x72: out.append(0x0D)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x75 where i + 5 < b.count:
                if let hex = Hex.decode(UnsafeRawBufferPointer(rebasing: b[(i + 2)..<(i + 6)])), hex.count == 2 {
                    var scalar = UInt32(hex[0]) << 8 | UInt32(hex[1])
                    var consumed = 6
                    if scalar >= 0xD800 && scalar < 0xDC00, i + 11 < b.count, b[i + 6] == 0x5C, b[i + 7] == 0x75,
                       let low = Hex.decode(UnsafeRawBufferPointer(rebasing: b[(i + 8)..<(i + 12)])), low.count == 2 {
                        let l = UInt32(low[0]) << 8 | UInt32(low[1])
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (l &- 0xDC00)
                        consumed = 12
                    }
                    out += Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8)
                    i += consumed
                    continue
                }
                out.append(e)
            default: out.append(e)
            }
            i += 2
        }
        return String(decoding: out, as: UTF8.self)
    }
}

#if canImport(Glibc)
import Glibc
#endif
