/// Small byte chunks waiting to be written (response heads, proxy-made responses), in order.
struct OutputQueue {
    private var chunks: [[UInt8]] = []
    private var offset = 0

    var isEmpty: Bool { chunks.isEmpty }
    var hasSingleChunk: Bool { chunks.count == 1 }

    mutating func append(_ bytes: [UInt8]) {
        if !bytes.isEmpty { chunks.append(bytes) }
    }

    /// Calls `body` with the unsent part of the first chunk.
    func withFront<R, E: Error>(_ body: (UnsafeRawPointer, Int) throws(E) -> R) throws(E) -> R {
        let offset = self.offset
        let result: Result<R, E> = chunks[0].withUnsafeBytes { raw in
            do throws(E) {
                return .success(try body(raw.baseAddress! + offset, raw.count - offset))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
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
