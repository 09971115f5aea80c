/// A bounds-checked big-endian cursor over a byte buffer (TLS presentation language).
///
/// Every read returns `nil` instead of reading past the end, so parsers built on it cannot
/// overrun their input. The buffer must outlive the reader (it is used only inside a
/// `withUnsafeBytes` scope or on the caller's `UnsafeRawBufferPointer`).
struct ByteReader {
    private let bytes: UnsafeRawBufferPointer
    /// Index of the next unread byte, relative to `bytes`.
    private(set) var offset: Int
    /// One past the last readable index.
    let end: Int

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        self.offset = 0
        self.end = bytes.count
    }

    private init(_ bytes: UnsafeRawBufferPointer, offset: Int, end: Int) {
        self.bytes = bytes
        self.offset = offset
        self.end = end
    }

    /// Bytes left to read.
    var remaining: Int { end - offset }

    var isAtEnd: Bool { offset >= end }

    mutating func u8() -> UInt8? {
        guard offset < end else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16() -> UInt16? {
        guard remaining >= 2 else { return nil }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func u24() -> Int? {
        guard remaining >= 3 else { return nil }
        defer { offset += 3 }
        return Int(bytes[offset]) << 16 | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2])
    }

    /// Skips `count` bytes; false (and no move) when fewer remain.
    mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, remaining >= count else { return false }
        offset += count
        return true
    }

    /// Copies the next `count` bytes.
    mutating func bytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, remaining >= count else { return nil }
        defer { offset += count }
        return Array(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)]))
    }

    /// A reader over the next `count` bytes; this reader moves past them.
    mutating func sub(_ count: Int) -> ByteReader? {
        guard count >= 0, remaining >= count else { return nil }
        defer { offset += count }
        return ByteReader(bytes, offset: offset, end: offset + count)
    }

    /// A reader over a vector with a 1-byte length prefix (`opaque x<0..2^8-1>`).
    mutating func vector8() -> ByteReader? {
        guard let n = u8() else { return nil }
        return sub(Int(n))
    }

    /// A reader over a vector with a 2-byte length prefix (`opaque x<0..2^16-1>`).
    mutating func vector16() -> ByteReader? {
        guard let n = u16() else { return nil }
        return sub(Int(n))
    }

    /// The unread bytes as a raw buffer (valid as long as the underlying buffer is).
    var rest: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[offset..<end])
    }
}
