/// Recently freed I/O buffer memory, kept for the next connection on the same event loop.
///
/// Sessions take 64 KiB buffers on their first read and give them back when idle or closed; with
/// a new connection per request that is an allocation and a free of two large blocks each time,
/// which glibc serves from its main heap (with consolidation work), not from a per-thread cache.
/// The pool keeps up to `maxPerSize` blocks of each size (16 by default: 2 MiB of 64 KiB blocks
/// per size and loop at most). Used on its loop's thread only.
public final class BufferPool {
    public let maxPerSize: Int
    /// One stack of free blocks per block size. Sessions use two or three sizes, so a linear scan
    /// beats hashing, and the stacks are mutated in place (no copy-on-write of a dictionary value).
    private var classes: [SizeClass] = []

    private struct SizeClass {
        let byteCount: Int
        var blocks: [UnsafeMutableRawPointer]
    }

    public init(maxPerSize: Int = 16) {
        self.maxPerSize = maxPerSize
    }

    deinit {
        for sizeClass in classes { sizeClass.blocks.forEach { $0.deallocate() } }
    }

    /// A block of `byteCount` bytes (16-byte aligned), reused when one is free.
    public func take(_ byteCount: Int) -> UnsafeMutableRawPointer {
        for i in classes.indices where classes[i].byteCount == byteCount {
            if let block = classes[i].blocks.popLast() { return block }
            break
        }
        return UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 16)
    }

    /// Gives back a block from ``take(_:)`` of the same `byteCount`.
    public func give(_ block: UnsafeMutableRawPointer, _ byteCount: Int) {
        var index = classes.firstIndex { $0.byteCount == byteCount }
        if index == nil, maxPerSize > 0 {
            var blocks: [UnsafeMutableRawPointer] = []
            blocks.reserveCapacity(maxPerSize)
            classes.append(SizeClass(byteCount: byteCount, blocks: blocks))
            index = classes.count - 1
        }
        if let index, classes[index].blocks.count < maxPerSize {
            classes[index].blocks.append(block)
        } else {
            block.deallocate()
        }
    }

    /// Blocks kept now (for tests and diagnostics).
    public var cachedCount: Int { classes.reduce(0) { $0 + $1.blocks.count } }
}
