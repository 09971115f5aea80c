/// The header fields of one message head, kept as the raw head bytes plus field ranges.
///
/// Nothing is decoded at parse time: lookups compare bytes case-insensitively and build a
/// `String` only for the value asked for. Serialization copies each field line byte for byte.
/// Iterating yields `(name, value)` Strings (meant for tests and logging, not the hot path).
public struct HTTPHeaders: Sendable, RandomAccessCollection {
    /// Byte offsets of one field line inside `raw`.
    struct Field: Sendable {
        /// First byte of the name (also the first byte of the line).
        var nameStart: UInt32
        /// One past the name (the colon).
        var nameEnd: UInt32
        /// First byte of the value after leading OWS.
        var valueStart: UInt32
        /// One past the value with trailing OWS trimmed.
        var valueEnd: UInt32
        /// One past the line's last byte before CR/LF (untrimmed: the forwarded line is `nameStart..<lineEnd`).
        var lineEnd: UInt32
        /// The name, when it is one the proxy looks for (tagged once, at parse time).
        var known: KnownHeader
    }

    /// The raw head bytes (start line included), exactly as received.
    let raw: [UInt8]
    /// Field ranges in order of appearance.
    let fields: [Field]
    /// Which known names occur at least once (`KnownHeader.bit`s of the fields' `known` tags).
    let present: KnownHeader.Set

    /// Headers over `raw` whose fields are already tagged; `present` must be the union of their tags' bits.
    init(raw: [UInt8], fields: [Field], present: KnownHeader.Set) {
        self.raw = raw
        self.fields = fields
        self.present = present
    }

    /// Headers built from name/value pairs (for tests and locally generated messages).
    /// Names and values are not validated here.
    public init(_ pairs: [(String, String)]) {
        var raw: [UInt8] = []
        var fields: [Field] = []
        var present: KnownHeader.Set = 0
        for (name, value) in pairs {
            let nameStart = UInt32(raw.count)
            raw.append(contentsOf: name.utf8)
            let nameEnd = UInt32(raw.count)
            raw.append(ByteClass.colon)
            raw.append(ByteClass.sp)
            let valueStart = UInt32(raw.count)
            raw.append(contentsOf: value.utf8)
            let valueEnd = UInt32(raw.count)
            let known = KnownHeader.classify(name)
            present |= known.bit
            fields.append(Field(nameStart: nameStart, nameEnd: nameEnd, valueStart: valueStart,
                                valueEnd: valueEnd, lineEnd: valueEnd, known: known))
            raw.append(ByteClass.cr)
            raw.append(ByteClass.lf)
        }
        self.init(raw: raw, fields: fields, present: present)
    }

    // MARK: Collection

    public var startIndex: Int { 0 }
    public var endIndex: Int { fields.count }

    /// The field at `position` as decoded Strings (value without surrounding whitespace).
    public subscript(position: Int) -> (name: String, value: String) {
        (name(at: position), value(at: position))
    }

    /// The name of the field at `index`, as received (original case).
    public func name(at index: Int) -> String {
        let f = fields[index]
        return decode(Int(f.nameStart), Int(f.nameEnd))
    }

    /// The value of the field at `index`, leading/trailing whitespace removed.
    public func value(at index: Int) -> String {
        let f = fields[index]
        return decode(Int(f.valueStart), Int(f.valueEnd))
    }

    // MARK: Lookup

    /// The value of the first field named `name` (case-insensitive), or nil.
    public func first(_ name: String) -> String? {
        guard let i = firstIndex(named: name) else { return nil }
        return value(at: i)
    }

    /// Calls `body` with the bytes of the first field named `name` (no String built); nil if absent.
    public func withFirstValueBytes<R>(_ name: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        guard let i = firstIndex(named: name) else { return nil }
        let f = fields[i]
        return raw.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[Int(f.valueStart)..<Int(f.valueEnd)])) }
    }

    /// The values of every field named `name` (case-insensitive), in order.
    public func all(_ name: String) -> [String] {
        var result: [String] = []
        forEachIndex(named: name) { result.append(value(at: $0)) }
        return result
    }

    /// Whether a field named `name` (case-insensitive) is present.
    public func contains(_ name: String) -> Bool {
        firstIndex(named: name) != nil
    }

    /// How many fields are named `name` (case-insensitive).
    public func count(named name: String) -> Int {
        var n = 0
        forEachIndex(named: name) { _ in n += 1 }
        return n
    }

    /// Whether any field named `name` holds `token` as an element of its comma-separated list
    /// (case-insensitive, surrounding whitespace ignored), e.g. `containsToken("Connection", "close")`.
    public func containsToken(_ name: String, _ token: String) -> Bool {
        withUTF8Bytes(token) { tok in
            let known = KnownHeader.classify(name)
            if known != .other { return containsToken(known, tok) }
            var found = false
            forEachIndex(named: name) { i in
                if !found { found = fieldHoldsToken(i, tok) }
            }
            return found
        }
    }

    /// The total size of the received head in bytes (start line and final empty line included).
    public var headByteCount: Int { raw.count }

    // MARK: Internals

    /// Whether a field tagged `known` is present (no scan).
    @inline(__always)
    func contains(_ known: KnownHeader) -> Bool { present & known.bit != 0 }

    /// Whether any field tagged `known` holds `token` (see ``containsToken(_:_:)``).
    func containsToken(_ known: KnownHeader, _ token: StaticString) -> Bool {
        containsToken(known, UnsafeBufferPointer(start: token.utf8Start, count: token.utf8CodeUnitCount))
    }

    private func containsToken(_ known: KnownHeader, _ token: UnsafeBufferPointer<UInt8>) -> Bool {
        guard contains(known) else { return false }
        for i in fields.indices where fields[i].known == known {
            if fieldHoldsToken(i, token) { return true }
        }
        return false
    }

    /// Whether the value of field `i` lists `token` (case-insensitive).
    private func fieldHoldsToken(_ i: Int, _ token: UnsafeBufferPointer<UInt8>) -> Bool {
        let f = fields[i]
        var found = false
        raw.withUnsafeBufferPointer { bytes in
            forEachListElement(bytes, Int(f.valueStart), Int(f.valueEnd)) { s, e in
                if !found && asciiCaseInsensitiveEquals(bytes, s, e, token) { found = true }
            }
        }
        return found
    }

    /// Index of the first field tagged `known`.
    @inline(__always)
    func firstIndex(_ known: KnownHeader) -> Int? {
        guard contains(known) else { return nil }
        return fields.firstIndex { $0.known == known }
    }

    /// Calls `body` with the index of every field tagged `known`, in order.
    @inline(__always)
    func forEachIndex(_ known: KnownHeader, _ body: (Int) -> Void) {
        guard contains(known) else { return }
        for i in fields.indices where fields[i].known == known { body(i) }
    }

    /// Index of the first field named `name`.
    func firstIndex(named name: String) -> Int? {
        withUTF8Bytes(name) { needle in
            let known = KnownHeader.classify(needle)
            if known != .other { return firstIndex(known) }
            return raw.withUnsafeBufferPointer { bytes in
                // A name that is no known one cannot match a tagged field.
                for (i, f) in fields.enumerated()
                where f.known == .other && asciiCaseInsensitiveEquals(bytes, Int(f.nameStart), Int(f.nameEnd), needle) {
                    return i
                }
                return nil
            }
        }
    }

    /// Calls `body` with the index of every field named `name`, in order.
    func forEachIndex(named name: String, _ body: (Int) -> Void) {
        withUTF8Bytes(name) { needle in
            let known = KnownHeader.classify(needle)
            if known != .other { return forEachIndex(known, body) }
            raw.withUnsafeBufferPointer { bytes in
                for (i, f) in fields.enumerated()
                where f.known == .other && asciiCaseInsensitiveEquals(bytes, Int(f.nameStart), Int(f.nameEnd), needle) {
                    body(i)
                }
            }
        }
    }

    private func decode(_ start: Int, _ end: Int) -> String {
        raw.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[start..<end]), as: UTF8.self) }
    }
}

/// Calls `body(start, end)` for each non-empty element of the comma-separated list in
/// `bytes[start..<end]`, with surrounding whitespace trimmed (RFC 9110 §5.6.1: empty elements ignored).
func forEachListElement(
    _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ body: (Int, Int) -> Void
) {
    var i = start
    while i < end {
        var s = i
        while i < end && bytes[i] != ByteClass.comma { i += 1 }
        var e = i
        while s < e && ByteClass.isWhitespace(bytes[s]) { s += 1 }
        while e > s && ByteClass.isWhitespace(bytes[e - 1]) { e -= 1 }
        if e > s { body(s, e) }
        i += 1 // skip the comma
    }
}
