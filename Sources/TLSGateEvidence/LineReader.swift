import CZlib
import Glibc

/// Why an audit file could not be read.
public struct EvidenceReadError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let message: String
    public var description: String { "\(path): \(message)" }
}

/// Streams the lines of an audit file, plain or gzip (by its magic bytes, so a rotated file is
/// read whatever its name), in bounded memory: one input chunk, one inflate chunk and at most one
/// line of `maxLineBytes` are held at a time.
public final class LineReader {
    public static let chunkBytes = 256 << 10
    /// A longer line is reported as such and skipped (tlsgate never writes one).
    public static let maxLineBytes = 1 << 20

    public let path: String
    private let fd: Int32
    private var inflater: Inflater?
    private var raw: UnsafeMutableRawBufferPointer
    private var rawStart = 0, rawEnd = 0, rawEOF = false

    public init(path: String) throws(EvidenceReadError) {
        self.path = path
        var fd: Int32 = -1
        repeat { fd = open(path, O_RDONLY | O_CLOEXEC) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw EvidenceReadError(path: path, message: String(cString: strerror(errno))) }
        self.fd = fd
        raw = .allocate(byteCount: Self.chunkBytes, alignment: 16)
        try fill()
        if rawEnd - rawStart >= 2, raw[0] == 0x1F, raw[1] == 0x8B {
            inflater = try Inflater(path: path)
        }
    }

    deinit {
        raw.deallocate()
        _ = close(fd)
    }

    /// Whether the file is gzip-compressed.
    public var isCompressed: Bool { inflater != nil }

    private func fill() throws(EvidenceReadError) {
        if rawStart > 0 {
            let n = rawEnd - rawStart
            if n > 0 { memmove(raw.baseAddress!, raw.baseAddress! + rawStart, n) }
            rawStart = 0
            rawEnd = n
        }
        while rawEnd < raw.count && !rawEOF {
            let n = read(fd, raw.baseAddress! + rawEnd, raw.count - rawEnd)
            if n > 0 { rawEnd += n; break }
            if n == 0 { rawEOF = true; break }
            if errno == EINTR { continue }
            throw EvidenceReadError(path: path, message: "read failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Calls `body(line, number, terminated)` for each line (newline excluded; `terminated` is
    /// false for a last line without a newline). A line over `maxLineBytes` comes as an empty
    /// buffer with `tooLong` set. `body` returns false to stop.
    public func forEachLine(_ body: (_ line: UnsafeRawBufferPointer, _ number: Int, _ terminated: Bool, _ tooLong: Bool) -> Bool) throws(EvidenceReadError) {
        let line = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.maxLineBytes, alignment: 16)
        defer { line.deallocate() }
        var carried = 0        // bytes of a line begun in an earlier chunk, at `line`
        var skipping = false   // inside a line that is too long
        var number = 0
        let out = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkBytes, alignment: 16)
        defer { out.deallocate() }
        while true {
            // One chunk of decoded bytes.
            let chunk: UnsafeRawBufferPointer
            if let inflater {
                if rawStart == rawEnd { try fill() }
                let (produced, consumed) = try inflater.inflate(UnsafeRawBufferPointer(rebasing: raw[rawStart..<rawEnd]), into: out, inputEnded: rawEOF)
                rawStart += consumed
                if produced == 0 && rawStart == rawEnd && rawEOF { break }
                if produced == 0 && consumed == 0 && !rawEOF { try fill(); continue }
                chunk = UnsafeRawBufferPointer(rebasing: out[0..<produced])
            } else {
                if rawStart == rawEnd {
                    rawStart = 0; rawEnd = 0
                    try fill()
                    if rawEnd == 0 { break }
                }
                chunk = UnsafeRawBufferPointer(rebasing: raw[rawStart..<rawEnd])
                rawStart = rawEnd
            }
            var start = 0
            while start < chunk.count {
                let rest = UnsafeRawBufferPointer(rebasing: chunk[start...])
                guard let nl = memchr(rest.baseAddress!, 0x0A, rest.count) else {
                    if !skipping {
                        if carried + rest.count > Self.maxLineBytes { skipping = true } else {
                            (line.baseAddress! + carried).copyMemory(from: rest.baseAddress!, byteCount: rest.count)
                            carried += rest.count
                        }
                    }
                    break
                }
                let length = rest.baseAddress!.distance(to: UnsafeRawPointer(nl))
                number += 1
                let keepGoing: Bool
                if skipping || carried + length > Self.maxLineBytes {
                    keepGoing = body(UnsafeRawBufferPointer(start: nil, count: 0), number, true, true)
                } else if carried > 0 {
                    (line.baseAddress! + carried).copyMemory(from: rest.baseAddress!, byteCount: length)
                    keepGoing = body(UnsafeRawBufferPointer(rebasing: line[0..<(carried + length)]), number, true, false)
                } else {
                    keepGoing = body(UnsafeRawBufferPointer(rebasing: rest[0..<length]), number, true, false)
                }
                if !keepGoing { return }
                carried = 0
                skipping = false
                start += length + 1
            }
        }
        if carried > 0 || skipping {
            number += 1
            _ = body(UnsafeRawBufferPointer(rebasing: line[0..<(skipping ? 0 : carried)]), number, false, skipping)
        }
    }
}

/// Owns one zlib inflate stream (freed in `deinit`), gzip framing, multi-member files allowed.
final class Inflater {
    private var stream = z_stream()
    private let path: String
    private var ended = false

    init(path: String) throws(EvidenceReadError) {
        self.path = path
        // inflateInit2 is a macro over inflateInit2_; 15 + 32 = auto-detect zlib or gzip framing.
        let rc = inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw EvidenceReadError(path: path, message: "zlib init failed (\(rc))") }
    }

    deinit { inflateEnd(&stream) }

    /// Inflates from `input` into `output`: (bytes produced, bytes consumed).
    func inflate(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, inputEnded: Bool) throws(EvidenceReadError) -> (Int, Int) {
        if ended {
            // Another gzip member may follow (concatenated .gz files are valid gzip).
            guard input.count > 0 else { return (0, 0) }
            inflateReset(&stream)
            ended = false
        }
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = UInt32(input.count)
        stream.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = UInt32(output.count)
        let rc = CZlib.inflate(&stream, Z_NO_FLUSH)
        let produced = output.count - Int(stream.avail_out)
        let consumed = input.count - Int(stream.avail_in)
        switch rc {
        case Z_OK, Z_BUF_ERROR:
            if rc == Z_BUF_ERROR && inputEnded && input.count == 0 && produced == 0 {
                throw EvidenceReadError(path: path, message: "the gzip stream is truncated")
            }
            return (produced, consumed)
        case Z_STREAM_END:
            ended = true
            return (produced, consumed)
        default:
            throw EvidenceReadError(path: path, message: "corrupt gzip data (zlib \(rc))")
        }
    }
}
