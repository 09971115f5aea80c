/// Bytes waiting to be sent, consumed from the front without shifting on every read.
struct ByteQueue {
    private var storage: [UInt8] = []
    private var head = 0

    var count: Int { storage.count - head }
    var isEmpty: Bool { head == storage.count }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if head > 0 && head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        }
        storage.append(contentsOf: bytes)
    }

    /// Copies up to `max` bytes to `into` and drops them; returns how many.
    mutating func read(into: UnsafeMutableRawPointer, max: Int) -> Int {
        let n = min(max, count)
        guard n > 0 else { return 0 }
        storage.withUnsafeBytes { into.copyMemory(from: $0.baseAddress! + head, byteCount: n) }
        head += n
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 64 * 1024 && head * 2 > storage.count {
            storage.removeSubrange(0..<head)
            head = 0
        }
        return n
    }

    /// Calls `body` with the queued bytes and drops the `n` it returns.
    mutating func drain(_ body: (UnsafeRawBufferPointer) -> Int) {
        let n = storage.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[head...])) }
        head += n
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 64 * 1024 && head * 2 > storage.count {
            storage.removeSubrange(0..<head)
            head = 0
        }
    }

    mutating func removeAll() {
        storage = []
        head = 0
    }
}
