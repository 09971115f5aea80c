/// Small byte chunks waiting to be written (response heads, proxy-made responses), in order.
struct OutputQueue {
    private var chunks: [[UInt8]] = []
    private var offset = 0

    var isEmpty: Bool { chunks.isEmpty }

    mutating func append(_ bytes: [UInt8]) {
        if !bytes.isEmpty { chunks.append(bytes) }
    }

    /// Calls `body` with the unsent part of the first chunk.
    func withFront<R>(_ body: (UnsafeRawPointer, Int) -> R) -> R {
        chunks[0].withUnsafeBytes { body($0.baseAddress! + offset, $0.count - offset) }
    }

    var frontCount: Int { chunks.isEmpty ? 0 : chunks[0].count - offset }

    mutating func consume(_ n: Int) {
        offset += n
        if offset >= chunks[0].count {
            chunks.removeFirst()
            offset = 0
        }
    }

    mutating func removeAll() {
        chunks.removeAll()
        offset = 0
    }
}
