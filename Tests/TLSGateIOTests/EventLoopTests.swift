import Dispatch
import Glibc
import Testing
@testable import TLSGateIO

/// A non-blocking TCP client socket connecting to `address` (loopback: it completes at once).
private func connectClient(to address: SocketAddress) throws -> Int32 {
    let fd = try Posix.socket(domain: AF_INET)
    _ = try Posix.connect(fd, address)
    return fd
}

/// Waits (bounded) until `condition` holds; returns whether it did.
private func eventually(_ seconds: Double = 5, _ condition: () -> Bool) -> Bool {
    let end = EventLoop.now() + UInt64(seconds * 1e9)
    while EventLoop.now() < end {
        if condition() { return true }
        usleep(2_000)
    }
    return condition()
}

/// A value shared between the loop thread and the test.
private final class Shared<T>: @unchecked Sendable {
    private let lock = Lock()
    private var value: T
    init(_ value: T) { self.value = value }
    func with<R>(_ body: (inout T) -> R) -> R { lock.withLock { body(&value) } }
    var get: T { with { $0 } }
}

@Suite("EventLoop and SocketChannel over loopback TCP")
struct EventLoopTests {
    @Test func tasksFromOtherThreadsRunOnTheLoopInOrder() throws {
        let loop = try EventLoop(name: "test.execute")
        defer { loop.stop() }
        let seen = Shared<[Int]>([])
        let onLoop = Shared(true)
        for i in 0..<100 {
            loop.execute {
                if !loop.inLoop { onLoop.with { $0 = false } }
                seen.with { $0.append(i) }
            }
        }
        #expect(eventually { seen.get.count == 100 })
        #expect(seen.get == Array(0..<100))
        #expect(onLoop.get)
        #expect(loop.sync { loop.inLoop })
        #expect(!loop.inLoop)
    }

    @Test func timersFireInDeadlineOrderAndCancelledOnesNever() throws {
        let loop = try EventLoop(name: "test.timers")
        defer { loop.stop() }
        let fired = Shared<[String]>([])
        loop.sync {
            loop.schedule(after: 0.06) { fired.with { $0.append("late") } }
            loop.schedule(after: 0.02) { fired.with { $0.append("early") } }
            let cancelled = loop.schedule(after: 0.01) { fired.with { $0.append("cancelled") } }
            cancelled.cancel()
            // Re-scheduled later: only the newest deadline counts.
            let moved = loop.schedule(after: 0.001) { fired.with { $0.append("moved") } }
            moved.schedule(after: 0.04)
        }
        #expect(eventually { fired.get.count == 3 })
        usleep(50_000)
        #expect(fired.get == ["early", "moved", "late"])
    }

    /// Connections come and go much faster than their timeouts: a closed connection's cancelled
    /// timer must not stay in the heap until its (far) deadline.
    @Test func cancelledTimersDoNotPileUpInTheHeap() throws {
        let loop = try EventLoop(name: "test.timer-churn")
        defer { loop.stop() }
        let fired = Shared(0)
        let count = loop.sync { () -> Int in
            let keep = loop.schedule(after: 0.05) { fired.with { $0 += 1 } }
            for _ in 0..<20_000 {
                let timer = loop.schedule(after: 600) { fired.with { $0 += 1 } }
                timer.schedule(after: 300)   // moved earlier: the first entry is abandoned too
                timer.cancel()
            }
            _ = keep
            return loop.timerEntryCount
        }
        #expect(count < 5_000, "heap entries after 20,000 cancelled timers: \(count)")
        #expect(eventually { fired.get == 1 }, "the live timer still fires")
        usleep(50_000)
        #expect(fired.get == 1, "no cancelled timer fired")
    }

    @Test func readableFiresOnlyWhileWantedAndCloseClosesTheDescriptor() throws {
        let (listener, client, server) = try loopbackPair()
        defer { Posix.close(listener); Posix.close(client) }
        let loop = try EventLoop(name: "test.channel")
        defer { loop.stop() }
        let channel = SocketChannel(fd: server, loop: loop)
        let received = Shared<[UInt8]>([])
        loop.sync {
            channel.setHandlers(readable: {
                var buffer = [UInt8](repeating: 0, count: 64)
                // Drain to would-block (level-triggered).
                while case .processed(let n)? = try? buffer.withUnsafeMutableBytes({ try Posix.read(server, $0.baseAddress!, 64) }), n > 0 {
                    received.with { $0.append(contentsOf: buffer[0..<n]) }
                }
            }, writable: {})
            channel.wantReads(true)
        }
        _ = try [UInt8]([1, 2, 3]).withUnsafeBytes { try Posix.send(client, $0.baseAddress!, 3) }
        #expect(eventually { received.get == [1, 2, 3] })

        // Interest off: data waits in the socket, the handler does not run.
        loop.sync { channel.wantReads(false) }
        _ = try [UInt8]([4]).withUnsafeBytes { try Posix.send(client, $0.baseAddress!, 1) }
        usleep(50_000)
        #expect(received.get == [1, 2, 3])
        // Interest back on: the waiting byte is reported (level-triggered).
        loop.sync { channel.wantReads(true) }
        #expect(eventually { received.get == [1, 2, 3, 4] })

        loop.sync {
            channel.close()
            channel.close()   // idempotent
        }
        var byte: UInt8 = 0
        var result: IOResult<Int> = .wouldBlock
        for _ in 0..<400 {
            result = try Posix.read(client, &byte, 1)
            if result != .wouldBlock { break }
            usleep(5_000)
        }
        #expect(result == .processed(0), "the peer sees end of stream once the channel closed its descriptor")
    }

    @Test func aHungUpPeerWithNoInterestDoesNotSpinTheLoop() throws {
        let (listener, client, server) = try loopbackPair()
        defer { Posix.close(listener) }
        let loop = try EventLoop(name: "test.hangup")
        defer { loop.stop() }
        let channel = SocketChannel(fd: server, loop: loop)
        let calls = Shared(0)
        loop.sync {
            channel.setHandlers(readable: { calls.with { $0 += 1 } }, writable: {})
            channel.wantReads(true)
            channel.wantReads(false)
        }
        // The loop thread's own CPU time: a loop woken again and again by the hang-up would burn
        // most of the wait below.
        func loopCPU() -> Double {
            loop.sync {
                var ts = timespec()
                clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
                return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
            }
        }
        // A reset (SO_LINGER 0): epoll reports EPOLLERR|EPOLLHUP whatever the registered mask.
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(client, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        Posix.close(client)
        usleep(20_000)
        let before = loopCPU()
        usleep(200_000)
        let used = loopCPU() - before
        #expect(used < 0.05, "the loop thread used \(used) s of CPU in 0.2 s with only a hung-up, unwanted socket")
        #expect(calls.get == 0, "no interest: the handler never ran")
        loop.sync { channel.close() }
    }

    /// Forward-mode clients get small responses that must not wait for ACKs: every accepted
    /// socket has TCP_NODELAY, whether inherited from the listener or set after the accept.
    @Test func aNoDelayListenerHandsOutNoDelaySockets() throws {
        let loops = [try EventLoop(name: "test.a"), try EventLoop(name: "test.b")]
        defer { loops.forEach { $0.stop() } }
        for noDelay in [true, false] {
            let listener = try Listener(address: SocketAddress(ip: "127.0.0.1", port: 0)!, loops: loops, noDelay: noDelay)
            let flags = Shared<[Int32]>([])
            listener.start(onAccept: { fd, _, _ in
                let flag = (try? Posix.getOption(fd, level: Int32(IPPROTO_TCP), name: TCP_NODELAY)) ?? -1
                flags.with { $0.append(flag) }
                Posix.close(fd)
            }, onError: { _ in })
            let clients = try (0..<6).map { _ in try connectClient(to: listener.boundAddress) }
            #expect(eventually { flags.get.count == 6 })
            #expect(flags.get.allSatisfy { noDelay ? $0 != 0 : $0 == 0 }, "noDelay \(noDelay): \(flags.get)")
            clients.forEach(Posix.close)
            listener.stop()
        }
    }

    /// With TCP_DEFER_ACCEPT a connection is accepted once its first bytes are in (they are
    /// readable at once); a silent one only after the defer time.
    @Test func aDeferringListenerAcceptsOnFirstBytesAndSilentClientsLater() throws {
        let loop = try EventLoop(name: "test.defer")
        defer { loop.stop() }
        let listener = try Listener(address: SocketAddress(ip: "127.0.0.1", port: 0)!, loops: [loop], deferAcceptSeconds: 1)
        #expect(((try? Posix.getOption(listener.fd, level: Int32(IPPROTO_TCP), name: TCP_DEFER_ACCEPT)) ?? 0) > 0)
        let firstReads = Shared<[Int]>([])
        listener.start(onAccept: { fd, _, _ in
            var byte: UInt8 = 0
            let n = recv(fd, &byte, 1, Int32(MSG_DONTWAIT))
            firstReads.with { $0.append(n) }
            Posix.close(fd)
        }, onError: { _ in })
        let silent = try connectClient(to: listener.boundAddress)
        let talker = try connectClient(to: listener.boundAddress)
        #expect(eventually { Posix.socketError(talker) == 0 })
        var g = UInt8(ascii: "G")
        #expect(eventually { ((try? Posix.send(talker, &g, 1)) ?? .wouldBlock) == .processed(1) })
        #expect(eventually(2) { firstReads.get.count == 1 }, "the client that sent a byte was not accepted")
        #expect(firstReads.get.first == 1, "its byte was not readable right after the accept: \(firstReads.get)")
        // The silent client is handed over after the defer time (~1 s), not before it.
        usleep(300_000)
        #expect(firstReads.get.count == 1, "a silent client was accepted before the defer time")
        #expect(eventually(10) { firstReads.get.count == 2 }, "a silent client was never accepted")
        Posix.close(silent)
        Posix.close(talker)
        listener.stop()
    }

    @Test func aListenerSharedByTwoLoopsServesEveryConnectionOnTheLoopThatAcceptedIt() throws {
        let loops = [try EventLoop(name: "test.a"), try EventLoop(name: "test.b")]
        defer { loops.forEach { $0.stop() } }
        let listener = try Listener(address: SocketAddress(ip: "127.0.0.1", port: 0)!, loops: loops)
        let accepted = Shared(0)
        let wrongLoop = Shared(0)
        listener.start(onAccept: { fd, _, loop in
            if !loop.inLoop { wrongLoop.with { $0 += 1 } }
            accepted.with { $0 += 1 }
            Posix.close(fd)
        }, onError: { _ in })
        let clients = try (0..<40).map { _ in try connectClient(to: listener.boundAddress) }
        #expect(eventually { accepted.get == 40 })
        #expect(wrongLoop.get == 0)
        clients.forEach(Posix.close)
        listener.stop()
        // Once every loop let go, the port is closed: connecting is refused.
        #expect(eventually {
            guard let fd = try? Posix.socket(domain: AF_INET) else { return false }
            defer { Posix.close(fd) }
            _ = try? Posix.connect(fd, listener.boundAddress)
            usleep(5_000)
            return Posix.socketError(fd) == ECONNREFUSED
        })
    }

    @Test func tasksHandedToAStoppedLoopNeverWriteToAReusedDescriptor() throws {
        let loop = try EventLoop(name: "test.stopped")
        loop.stop()
        // The thread ends on its own; then its descriptors' numbers are free for reuse.
        #expect(eventually { loop.hasFinished })
        usleep(10_000)   // past the descriptor closing that follows
        var pipes: [(read: Int32, write: Int32)] = []
        defer { pipes.forEach { Posix.close($0.read); Posix.close($0.write) } }
        for _ in 0..<4 { pipes.append(try Posix.pipe()) }
        // Concurrently with nothing to run them: no wake-up may land in one of the new pipes.
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<50 { loop.execute {} }
        }
        loop.stop()
        for pipe in pipes {
            var byte: UInt8 = 0
            #expect((try? Posix.read(pipe.read, &byte, 1)) == .wouldBlock)
        }
    }
}
