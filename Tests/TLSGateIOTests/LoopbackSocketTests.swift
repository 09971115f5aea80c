import Dispatch
import Glibc
import Testing
@testable import TLSGateIO

/// Real TCP sockets on 127.0.0.1: the syscall layer and the Dispatch channel lifecycle.
@Suite struct LoopbackSocketTests {
    /// A connected pair of non-blocking sockets (client, accepted server side).
    @Test func wouldBlockIsAValueNotAnError() throws {
        let (listener, client, server) = try loopbackPair()
        defer { Posix.close(listener); Posix.close(client); Posix.close(server) }
        var byte: UInt8 = 0
        #expect(try Posix.read(server, &byte, 1) == .wouldBlock)
        let payload: [UInt8] = [42]
        _ = try payload.withUnsafeBytes { try Posix.send(client, $0.baseAddress!, 1) }
        var got: IOResult<Int> = .wouldBlock
        for _ in 0..<200 {
            got = try Posix.read(server, &byte, 1)
            if got != .wouldBlock { break }
            usleep(2_000)
        }
        #expect(got == .processed(1))
        #expect(byte == 42)
        Posix.shutdownWrite(client)
        for _ in 0..<200 {
            got = try Posix.read(server, &byte, 1)
            if got != .wouldBlock { break }
            usleep(2_000)
        }
        #expect(got == .processed(0), "half-close reads as end of stream")
    }

    @Test func sendToAClosedPeerThrowsInsteadOfSIGPIPE() throws {
        signal(SIGPIPE, SIG_IGN)
        let (listener, client, server) = try loopbackPair()
        defer { Posix.close(listener); Posix.close(client) }
        Posix.close(server)
        let chunk = [UInt8](repeating: 7, count: 65536)
        var failed = false
        for _ in 0..<100 {
            do {
                _ = try chunk.withUnsafeBytes { try Posix.send(client, $0.baseAddress!, $0.count) }
            } catch {
                #expect((error as? IOError)?.isConnectionReset == true)
                failed = true
                break
            }
            usleep(1_000)
        }
        #expect(failed)
    }

    @Test func resolverAnswersNumericAddressesWithoutALookup() async throws {
        let loop = try EventLoop(name: "test.resolver")
        defer { loop.stop() }
        let result: Result<[SocketAddress], Resolver.Failure> = await withCheckedContinuation { continuation in
            loop.execute { Resolver.resolve(host: "127.0.0.1", port: 443, on: loop) { continuation.resume(returning: $0) } }
        }
        let addresses = try result.get()
        #expect(addresses.map(\.description) == ["127.0.0.1:443"])
    }

    @Test func spliceMovesBytesThroughAPipe() throws {
        let (listener, client, server) = try loopbackPair()
        defer { Posix.close(listener); Posix.close(client); Posix.close(server) }
        let pipe = try SplicePipe()
        let payload = [UInt8](0...255)
        _ = try payload.withUnsafeBytes { try Posix.send(client, $0.baseAddress!, $0.count) }
        var moved = 0
        for _ in 0..<200 where moved < payload.count {
            if case .processed(let n) = try Posix.splice(from: server, to: pipe.writeEnd, count: 4096) { moved += n } else { usleep(2_000) }
        }
        #expect(moved == payload.count)
        var out = [UInt8](repeating: 0, count: 256)
        let n = try out.withUnsafeMutableBytes { try Posix.read(pipe.readEnd, $0.baseAddress!, 256) }
        #expect(n == .processed(256))
        #expect(out == payload)
    }
}
