import Glibc

/// The last sealed line of an existing audit file: what a restarting tlsgate links its chain to.
public struct ChainTail: Sendable, Equatable {
    public let seq: Int
    /// 64 hex bytes.
    public let chain: [UInt8]
    public let instance: String

    /// Reads the last complete line of `path` (plain files only; the last 64 KiB). Nil when the
    /// file is missing, empty, compressed, or its last line is not a sealed audit line.
    public static func read(path: String) -> ChainTail? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 0 else { return nil }
        let size = Int(info.st_size)
        let length = min(size, 64 << 10)
        var buffer = [UInt8](repeating: 0, count: length)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, length, off_t(size - length)) }
        guard n == length, buffer.last == 0x0A else { return nil }
        let body = buffer.dropLast()
        let start = body.lastIndex(of: 0x0A).map { $0 + 1 } ?? body.startIndex
        let line = Array(body[start...])
        return line.withUnsafeBytes { bytes -> ChainTail? in
            guard let fields = EvidenceFields(line: bytes), let seq = fields.seq, let chain = fields.chain,
                  Hex.isChain(chain.bytes) else { return nil }
            return ChainTail(seq: seq, chain: Array(chain.bytes), instance: fields.instance?.string ?? "")
        }
    }
}
