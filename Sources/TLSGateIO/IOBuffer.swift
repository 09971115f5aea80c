/// A fixed-capacity byte buffer with read and write indices, reused across reads.
///
/// Bytes are appended at `writerIndex` (by a socket read straight into ``writePointer``) and
/// consumed from `readerIndex`. ``compact()`` moves unread bytes to the front. Memory is taken on
/// first use and can be given back with ``releaseIfEmpty()``, so an idle connection holds none.
/// Not thread-safe: owned by one session on one event loop (whose ``BufferPool`` it may use).
public final class IOBuffer {
    public let capacity: Int
    @usableFromInline var storage: UnsafeMutableRawPointer?
    private let pool: BufferPool?
    public private(set) var readerIndex = 0
    public private(set) var writerIndex = 0

    /// - Parameter pool: where the memory comes from and goes back to (the owner's loop's pool);
    ///   nil allocates and frees it directly.
    public init(capacity: Int, pool: BufferPool? = nil) {
        self.capacity = capacity
        self.pool = pool
    }

    deinit { if let storage { free(storage) } }

    /// The memory (allocated on first use). Inlinable: sessions in other modules read it for
    /// every socket read and write.
    @inlinable @inline(__always) public var base: UnsafeMutableRawPointer {
        if let storage { return storage }
        return allocateStorage()
    }

    @usableFromInline func allocateStorage() -> UnsafeMutableRawPointer {
        let fresh = pool?.take(capacity) ?? UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        storage = fresh
        return fresh
    }

    private func free(_ block: UnsafeMutableRawPointer) {
        if let pool { pool.give(block, capacity) } else { block.deallocate() }
    }

    /// Whether the memory is currently allocated.
    public var isAllocated: Bool { storage != nil }

    /// Frees the memory when no unread bytes remain (an idle connection).
    public func releaseIfEmpty() {
        guard readerIndex == writerIndex, let storage else { return }
        free(storage)
        self.storage = nil
        readerIndex = 0
        writerIndex = 0
    }

    /// Unread bytes.
    @inlinable @inline(__always) public var readableCount: Int { writerIndex - readerIndex }
    @inlinable @inline(__always) public var isEmpty: Bool { readerIndex == writerIndex }
    /// Free space after `writerIndex`.
    @inlinable @inline(__always) public var writableCount: Int { capacity - writerIndex }

    @inlinable @inline(__always) public var readPointer: UnsafeMutableRawPointer { base + readerIndex }
    @inlinable @inline(__always) public var writePointer: UnsafeMutableRawPointer { base + writerIndex }

    public var readableBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + readerIndex, count: readableCount)
    }

    @inline(__always) public func didWrite(_ n: Int) {
        precondition(n >= 0 && n <= writableCount)
        writerIndex += n
    }

    @inline(__always) public func didRead(_ n: Int) {
        precondition(n >= 0 && n <= readableCount)
        readerIndex += n
        if readerIndex == writerIndex { readerIndex = 0; writerIndex = 0 }
    }

    /// Appends bytes; returns how many fitted (after compacting if needed).
    @discardableResult
    public func append(_ bytes: UnsafeRawBufferPointer) -> Int {
        if bytes.count > writableCount { compact() }
        let n = min(bytes.count, writableCount)
        if n > 0, let src = bytes.baseAddress { (base + writerIndex).copyMemory(from: src, byteCount: n) }
        writerIndex += n
        return n
    }

    @discardableResult
    public func append(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Moves unread bytes to the front so the whole tail is writable.
    public func compact() {
        guard readerIndex > 0 else { return }
        let count = readableCount
        if count > 0 { base.copyMemory(from: base + readerIndex, byteCount: count) }
        readerIndex = 0
        writerIndex = count
    }

    public func clear() {
        readerIndex = 0
        writerIndex = 0
    }
}
