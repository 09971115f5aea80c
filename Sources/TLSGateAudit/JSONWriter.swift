/// A growable byte buffer that audit lines are encoded into, with the JSON primitives in
/// `JSONWriter+Values.swift`. It owns its memory (it is not copyable), so a long-lived writer —
/// the audit log's pending batch — takes line after line with no allocation per line and no
/// per-byte array bookkeeping: each primitive checks capacity once, then stores.
struct JSONWriter: ~Copyable, @unchecked Sendable {
    // @unchecked Sendable: the memory is owned by exactly one (non-copyable) value, so moving it
    // to another thread moves the ownership with it.
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    /// Bytes written so far, at `base`.
    var count = 0
    /// The last date written by ``AuditTimestamp/write(into:)``.
    var dates = DateMemo()

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        self.base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// Forgets the contents; keeps the memory unless it is more than `maxKept` bytes, in which case
    /// it is swapped for `initial` bytes (a burst's buffer is not kept for ever).
    mutating func removeAll(keepingAtMost maxKept: Int, initial: Int) {
        count = 0
        guard capacity > maxKept else { return }
        base.deallocate()
        capacity = max(initial, 64)
        base = .allocate(capacity: capacity)
    }

    /// The bytes written.
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    // MARK: Raw output

    /// Makes room for `extra` more bytes.
    @inline(__always)
    mutating func reserve(_ extra: Int) {
        if count &+ extra > capacity { grow(to: count + extra) }
    }

    @inline(never)
    private mutating func grow(to needed: Int) {
        let grown = max(capacity * 2, needed)
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        fresh.update(from: base, count: count)
        base.deallocate()
        base = fresh
        capacity = grown
    }

    /// Where the next byte goes; valid for as many bytes as were reserved.
    @inline(__always)
    var end: UnsafeMutablePointer<UInt8> { base + count }

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

    /// Source text copied as it is (keys with their quotes and punctuation, `null`, literals).
    @inline(__always)
    mutating func ascii(_ text: StaticString) {
        let n = text.utf8CodeUnitCount
        reserve(n)
        Self.copySmall(from: text.utf8Start, to: base + count, count: n)
        count += n
    }

    /// Copies `n` bytes with a few (overlapping) word loads and stores: source literals are short,
    /// and a call to memmove would cost more than the copy.
    @inline(__always)
    static func copySmall(from source: UnsafePointer<UInt8>, to target: UnsafeMutablePointer<UInt8>, count n: Int) {
        let src = UnsafeRawPointer(source), dst = UnsafeMutableRawPointer(target)
        if n >= 8 && n <= 16 {
            dst.storeBytes(of: src.loadUnaligned(as: UInt64.self), as: UInt64.self)
            dst.storeBytes(of: src.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self), toByteOffset: n - 8, as: UInt64.self)
        } else if n >= 4 && n < 8 {
            dst.storeBytes(of: src.loadUnaligned(as: UInt32.self), as: UInt32.self)
            dst.storeBytes(of: src.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self), toByteOffset: n - 4, as: UInt32.self)
        } else if n > 16 && n <= 32 {
            dst.storeBytes(of: src.loadUnaligned(as: UInt64.self), as: UInt64.self)
            dst.storeBytes(of: src.loadUnaligned(fromByteOffset: 8, as: UInt64.self), toByteOffset: 8, as: UInt64.self)
            dst.storeBytes(of: src.loadUnaligned(fromByteOffset: n - 16, as: UInt64.self), toByteOffset: n - 16, as: UInt64.self)
            dst.storeBytes(of: src.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self), toByteOffset: n - 8, as: UInt64.self)
        } else if n >= 2 && n < 4 {
            dst.storeBytes(of: src.loadUnaligned(as: UInt16.self), as: UInt16.self)
            dst.storeBytes(of: src.loadUnaligned(fromByteOffset: n - 2, as: UInt16.self), toByteOffset: n - 2, as: UInt16.self)
        } else if n == 1 {
            target.pointee = source.pointee
        } else {
            target.update(from: source, count: n)
        }
    }
}
