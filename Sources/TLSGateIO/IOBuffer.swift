/// A fixed-capacity byte buffer with read and write indices, allocated once and reused.
///
/// Bytes are appended at `writerIndex` (by a socket read straight into ``writableSpace``) and
/// consumed from `readerIndex`. ``compact()`` moves unread bytes to the front. Not thread-safe:
/// owned by one session on one queue.
public final class IOBuffer {
    public let capacity: Int
    public let base: UnsafeMutableRawPointer
    public private(set) var readerIndex = 0
    public private(set) var writerIndex = 0

    public init(capacity: Int) {
        self.capacity = capacity
        self.base = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    /// Unread bytes.
    @inline(__always) public var readableCount: Int { writerIndex - readerIndex }
    @inline(__always) public var isEmpty: Bool { readerIndex == writerIndex }
    /// Free space after `writerIndex`.
    @inline(__always) public var writableCount: Int { capacity - writerIndex }

    @inline(__always) public var readPointer: UnsafeMutableRawPointer { base + readerIndex }
    @inline(__always) public var writePointer: UnsafeMutableRawPointer { base + writerIndex }

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
