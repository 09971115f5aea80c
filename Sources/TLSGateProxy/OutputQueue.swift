/// Small byte chunks waiting to be written (response heads, proxy-made responses), in order.
///
/// The first chunk is held inline: a connection usually has one chunk queued at a time, and a
/// new connection's queues then allocate no array of chunks.
struct OutputQueue {
    private var first: [UInt8]?
    private var rest: [[UInt8]] = []
    /// Bytes of `first` already sent.
    private var offset = 0

    var isEmpty: Bool { first == nil }
    var hasSingleChunk: Bool { first != nil && rest.isEmpty }

    mutating func append(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        if first == nil { first = bytes } else { rest.append(bytes) }
    }

    /// Calls `body` with the unsent part of the first chunk (the queue must not be empty).
    func withFront<R, E: Error>(_ body: (UnsafeRawPointer, Int) throws(E) -> R) throws(E) -> R {
        let offset = self.offset
        let result: Result<R, E> = first!.withUnsafeBytes { raw in
            do throws(E) {
                return .success(try body(raw.baseAddress! + offset, raw.count - offset))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    var frontCount: Int { first.map { $0.count - offset } ?? 0 }

    /// `n` bytes of the first chunk were sent.
    mutating func consume(_ n: Int) {
        offset += n
        if let chunk = first, offset >= chunk.count {
            offset = 0
            first = rest.isEmpty ? nil : rest.removeFirst()
        }
    }

    mutating func removeAll() {
        first = nil
        rest.removeAll()
        offset = 0
    }
}
