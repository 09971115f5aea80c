import Glibc
import TLSGateConfig
import TLSGateIO

/// One direction of an opaque tunnel relay (client → upstream or upstream → client).
///
/// Bytes buffered during handshake inspection go first (``pending``); after that, bytes move
/// through a buffer (`TunnelRelay.copy`) or a pipe (`TunnelRelay.splice`; a direction copies
/// when no pipe can be had). Neither is held while the source has nothing to read, so an idle
/// tunnel holds no buffer memory and no pipe.
/// End of stream is passed on as a half-close (`shutdown(SHUT_WR)`).
final class RelayDirection {
    /// Bytes to send before anything else (the inspected hello).
    var pending: IOBuffer?
    private let mode: TunnelRelay
    private var pipe: SplicePipe?
    private let pipes: SplicePipePool
    /// The copy buffer; its memory comes from the loop's pool when bytes flow and goes back when
    /// it is empty and the source has nothing more.
    private let buffer: IOBuffer
    var sourceEOF = false
    /// End of stream has been passed on to the destination.
    private(set) var finished = false
    /// Bytes the relay read from its source (bytes buffered before the relay started are counted by the session).
    private(set) var bytes: UInt64 = 0

    /// Largest splice asked for at once (the pipe's capacity bounds it further).
    static let spliceChunk = 1 << 20
    /// Copy buffer size: the largest read and send.
    static let copyBytes = 64 * 1024

    init(mode: TunnelRelay, pipes: SplicePipePool, buffers: BufferPool) {
        self.mode = mode
        self.pipes = pipes
        self.buffer = IOBuffer(capacity: Self.copyBytes, pool: buffers)
    }

    var hasBufferedData: Bool { !(pending?.isEmpty ?? true) || (pipe?.buffered ?? 0) > 0 || !buffer.isEmpty }

    /// Waiting for the source to become readable.
    func waitsForSource(readable: Bool) -> Bool { !finished && !sourceEOF && !hasBufferedData && !readable }
    /// Waiting for the destination to become writable.
    func waitsForDestination(writable: Bool) -> Bool { !finished && hasBufferedData && !writable }

    /// Moves what it can (at most 32 reads or writes). Throws on socket errors (the tunnel then closes).
    func step(source: Int32, destination: Int32, sourceReadable: inout Bool, destinationWritable: inout Bool) throws(IOError) -> Bool {
        var progress = false
        for _ in 0..<32 {
            if finished { return progress }
            // 1. Bytes buffered in user space: the inspected hello, then the copy buffer.
            if let hello = pending, hello.isEmpty { pending = nil }
            if let out = pending ?? (buffer.isEmpty ? nil : buffer) {
                guard destinationWritable else { return progress }
                switch try Posix.send(destination, UnsafeRawPointer(out.readPointer), out.readableCount) {
                case .processed(let n):
                    out.didRead(n)
                    progress = true
                    continue
                case .wouldBlock:
                    destinationWritable = false
                    return progress
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
                releaseResources()
                return true
            }
            // 4. Read more from the source (everything buffered has gone out).
            guard sourceReadable else { return progress }
            if mode == .splice && pipe == nil { pipe = pipes.take() }   // nil: copy this time
            let result: IOResult<Int>
            if let pipe {
                result = try Posix.splice(from: source, to: pipe.writeEnd, count: Self.spliceChunk)
                if case .processed(let n) = result { pipe.buffered += n }
            } else {
                result = try Posix.read(source, buffer.writePointer, buffer.writableCount)
                if case .processed(let n) = result { buffer.didWrite(n) }
            }
            switch result {
            case .processed(0):
                sourceEOF = true
            case .processed(let n):
                bytes += UInt64(n)
            case .wouldBlock:
                // Nothing is buffered here, so would-block means the socket has nothing.
                sourceReadable = false
                releaseResources()
                return progress
            }
            progress = true
        }
        return progress
    }

    /// Gives back the (empty) pipe and copy-buffer memory: an idle direction holds neither.
    func releaseResources() {
        buffer.releaseIfEmpty()
        if let pipe {
            self.pipe = nil
            pipes.give(pipe)
        }
    }
}
