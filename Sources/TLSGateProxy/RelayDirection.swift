import Glibc
import TLSGateIO

/// One direction of an opaque tunnel relay (client → upstream or upstream → client).
///
/// Bytes buffered during handshake inspection go first (``pending``); after that, bytes move
/// socket → pipe → socket with `splice(2)` (no user-space copy), or through a buffer when no pipe
/// can be had. End of stream is passed on as a half-close (`shutdown(SHUT_WR)`).
final class RelayDirection {
    /// Bytes to send before anything else (the inspected hello, or the copy fallback's buffer).
    var pending: IOBuffer?
    private var pipe: SplicePipe?
    private let pool: SplicePipePool
    var sourceEOF = false
    /// No pipe could be had: copy through ``pending`` instead.
    private var copyMode = false
    /// End of stream has been passed on to the destination.
    private(set) var finished = false
    /// Bytes the relay read from its source (bytes buffered before the relay started are counted by the session).
    private(set) var bytes: UInt64 = 0

    static let spliceChunk = 1 << 20

    init(pool: SplicePipePool) {
        self.pool = pool
    }

    var hasBufferedData: Bool { !(pending?.isEmpty ?? true) || (pipe?.buffered ?? 0) > 0 }

    /// Waiting for the source to become readable.
    func waitsForSource(readable: Bool) -> Bool { !finished && !sourceEOF && !hasBufferedData && !readable }
    /// Waiting for the destination to become writable.
    func waitsForDestination(writable: Bool) -> Bool { !finished && hasBufferedData && !writable }

    /// Moves what it can. Throws on socket errors (the tunnel then closes).
    func step(source: Int32, destination: Int32, sourceReadable: inout Bool, destinationWritable: inout Bool) throws(IOError) -> Bool {
        var progress = false
        for _ in 0..<32 {
            if finished { return progress }
            // 1. Bytes buffered in user space.
            if let buffer = pending {
                if buffer.isEmpty {
                    if !copyMode { pending = nil }
                } else {
                guard destinationWritable else { return progress }
                switch try Posix.send(destination, UnsafeRawPointer(buffer.readPointer), buffer.readableCount) {
                case .processed(let n):
                    buffer.didRead(n)
                    progress = true
                    continue
                case .wouldBlock:
                    destinationWritable = false
                    return progress
                }
                }
            }
            // 2. Bytes sitting in the pipe.
            if let pipe, pipe.buffered > 0 {
                guard destinationWritable else { return progress }
                switch try Posix.splice(from: pipe.readEnd, to: destination, count: pipe.buffered) {
                case .processed(let n):
                    pipe.buffered -= n
                    progress = true
                    continue
                case .wouldBlock:
                    destinationWritable = false
                    return progress
                }
            }
            // 3. Source finished and everything delivered: half-close the destination.
            if sourceEOF {
                Posix.shutdownWrite(destination)
                finished = true
                releasePipe()
                return true
            }
            // 4. Read more from the source.
            guard sourceReadable else { return progress }
            if pipe == nil && !copyMode {
                pipe = pool.take()
                if pipe == nil { copyMode = true }
            }
            if let pipe {
                switch try Posix.splice(from: source, to: pipe.writeEnd, count: Self.spliceChunk) {
                case .processed(0):
                    sourceEOF = true
                case .processed(let n):
                    pipe.buffered += n
                    bytes += UInt64(n)
                case .wouldBlock:
                    // The pipe is empty here, so would-block means the socket has nothing.
                    sourceReadable = false
                    releasePipe()
                    return progress
                }
                progress = true
            } else {
                let buffer = pending ?? IOBuffer(capacity: 64 * 1024)
                pending = buffer
                switch try Posix.read(source, buffer.writePointer, buffer.writableCount) {
                case .processed(0):
                    sourceEOF = true
                case .processed(let n):
                    buffer.didWrite(n)
                    bytes += UInt64(n)
                case .wouldBlock:
                    sourceReadable = false
                    return progress
                }
                progress = true
            }
        }
        return progress
    }

    /// Returns the (empty) pipe to the pool; an idle direction holds no pipe descriptors.
    func releasePipe() {
        if let pipe {
            self.pipe = nil
            pool.give(pipe)
        }
    }
}
