/// Recently freed I/O buffer memory, kept for the next connection on the same event loop.
///
/// Sessions take 64 KiB buffers on their first read and give them back when idle or closed; with
/// a new connection per request that is an allocation and a free of two large blocks each time,
/// which glibc serves from its main heap (with consolidation work), not from a per-thread cache.
/// The pool keeps up to `maxPerSize` blocks of each size (16 by default: 2 MiB of 64 KiB blocks
/// per size and loop at most). Used on its loop's thread only.
public final class BufferPool {
    public let maxPerSize: Int
    private var free: [Int: [UnsafeMutableRawPointer]] = [:]

    public init(maxPerSize: Int = 16) {
        self.maxPerSize = maxPerSize
    }

    deinit {
        for list in free.values { list.forEach { $0.deallocate() } }
    }

    /// A block of `byteCount` bytes (16-byte aligned), reused when one is free.
    public func take(_ byteCount: Int) -> UnsafeMutableRawPointer {
        if let block = free[byteCount]?.popLast() { return block }
        return UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 16)
    }

    /// Gives back a block from ``take(_:)`` of the same `byteCount`.
    public func give(_ block: UnsafeMutableRawPointer, _ byteCount: Int) {
        if free[byteCount, default: []].count < maxPerSize {
            free[byteCount, default: []].append(block)
        } else {
            block.deallocate()
        }
    }

    /// Blocks kept now (for tests and diagnostics).
    public var cachedCount: Int { free.values.reduce(0) { $0 + $1.count } }
}
