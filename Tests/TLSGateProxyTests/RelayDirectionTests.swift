import Dispatch
import Glibc
import Testing
import TLSGateConfig
import TLSGateIO
@testable import TLSGateProxy

/// One direction of the tunnel relay over real TCP loopback connections: the bytes arrive
/// exactly, an idle direction gives its buffer (copy) or pipe (splice) back, and end of stream
/// reaches the destination as a half-close.
@Suite struct RelayDirectionTests {
    /// A connected TCP pair on 127.0.0.1 (both ends non-blocking).
    private static func connectedPair() throws -> (near: Int32, far: Int32) {
        let listener = try Posix.socket(domain: AF_INET)
        defer { Posix.close(listener) }
        try Posix.bind(listener, SocketAddress(ip: "127.0.0.1", port: 0)!)
        try Posix.listen(listener, backlog: 4)
        let near = try Posix.socket(domain: AF_INET)
        _ = try Posix.connect(near, try Posix.localAddress(listener))
        for _ in 0..<500 {
            if case .processed(let (far, _)) = try Posix.accept(listener) { return (near, far) }
            usleep(2_000)
        }
        Posix.close(near)
        throw IOError(function: "accept", errno: EAGAIN)
    }

    /// Reads what `fd` has now into `into`; returns false at end of stream.
    private static func drain(_ fd: Int32, into received: inout [UInt8]) throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let result = try chunk.withUnsafeMutableBytes { try Posix.read(fd, $0.baseAddress!, $0.count) }
            switch result {
            case .processed(0): return false
            case .processed(let n): received += chunk[0..<n]
            case .wouldBlock: return true
            }
        }
    }

    @Test(arguments: [TunnelRelay.copy, .splice])
    func bytesArriveExactlyAndAnIdleDirectionHoldsNothing(_ mode: TunnelRelay) throws {
        let source = try Self.connectedPair()        // the test writes into source.near
        let destination = try Self.connectedPair()   // the test reads from destination.far
        defer { [source.near, source.far, destination.near, destination.far].forEach(Posix.close) }
        let buffers = BufferPool()
        let relay = RelayDirection(mode: mode, pipes: SplicePipePool(), buffers: buffers)

        let payload = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var sent = 0, received: [UInt8] = []
        var sourceReadable = true, destinationWritable = true
        for _ in 0..<20_000 where received.count < payload.count {
            if sent < payload.count {
                let result = try payload[sent...].withUnsafeBytes { try Posix.send(source.near, $0.baseAddress!, $0.count) }
                if case .processed(let n) = result { sent += n }
            }
            sourceReadable = true
            destinationWritable = true
            _ = try relay.step(source: source.far, destination: destination.near,
                               sourceReadable: &sourceReadable, destinationWritable: &destinationWritable)
            #expect(try Self.drain(destination.far, into: &received))
        }
        #expect(received == payload, "\(mode): \(received.count) of \(payload.count) bytes")

        // Nothing left to read: the direction has given its memory back.
        sourceReadable = true
        _ = try relay.step(source: source.far, destination: destination.near,
                           sourceReadable: &sourceReadable, destinationWritable: &destinationWritable)
        #expect(!sourceReadable && !relay.hasBufferedData)
        // Copy mode's 64 KiB block is back in the loop's pool; splice mode never took one.
        #expect(buffers.cachedCount == (mode == .copy ? 1 : 0), "\(mode)")

        // End of stream is passed on as a half-close.
        Posix.shutdownWrite(source.near)
        var open = true
        for _ in 0..<500 where open {
            sourceReadable = true
            _ = try relay.step(source: source.far, destination: destination.near,
                               sourceReadable: &sourceReadable, destinationWritable: &destinationWritable)
            open = try Self.drain(destination.far, into: &received)
            if open { usleep(2_000) }
        }
        #expect(relay.finished && !open, "\(mode): end of stream not passed on")
        #expect(relay.bytes == UInt64(payload.count))
    }
}
