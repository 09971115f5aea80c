import Glibc
import TLSGateEgress
import TLSGateIO

/// Carries out a ``HappyEyeballs`` race with real sockets on one loop: non-blocking connects, the
/// attempt-delay timer, closing the losers. The caller owns the overall timeout and calls
/// ``cancel()``; nothing is reported after that.
final class ConnectionRace {
    private let loop: EventLoop
    private let addresses: [SocketAddress]
    private var machine: HappyEyeballs
    private var attempts: [Int: SocketChannel] = [:]
    private var timer: LoopTimer?
    private var completion: ((Result<(SocketChannel, SocketAddress), ConnectionRaceFailure>) -> Void)?
    private var lastError = ""
    private var queue: [HappyEyeballs.Action] = []
    private var performing = false

    /// At most this many addresses are tried (after interleaving, so both families are among them).
    static let maxCandidates = 8

    /// `addresses` are raced in ``HappyEyeballs/interleave(_:family:)`` order.
    init(loop: EventLoop, addresses: [SocketAddress], attemptDelay: Double,
         completion: @escaping (Result<(SocketChannel, SocketAddress), ConnectionRaceFailure>) -> Void) {
        self.loop = loop
        self.addresses = Array(HappyEyeballs.interleave(addresses, family: { $0.family }).prefix(Self.maxCandidates))
        self.machine = HappyEyeballs(candidateCount: self.addresses.count, attemptDelay: attemptDelay)
        self.completion = completion
    }

    deinit {
        for channel in attempts.values { channel.close() }
        timer?.cancel()
    }

    func start() { perform(machine.start()) }

    func cancel() {
        completion = nil
        perform(machine.cancel())
        for channel in attempts.values { channel.close() }
        attempts.removeAll()
        timer?.cancel()
        timer = nil
    }

    private func perform(_ actions: [HappyEyeballs.Action]) {
        queue.append(contentsOf: actions)
        guard !performing else { return }
        performing = true
        defer { performing = false }
        while !queue.isEmpty {
            execute(queue.removeFirst())
        }
    }

    private func execute(_ action: HappyEyeballs.Action) {
        switch action {
        case .startAttempt(let index):
            startAttempt(index)
        case .armTimer(let seconds):
            if timer == nil {
                timer = LoopTimer(loop: loop) { [weak self] in
                    guard let self else { return }
                    perform(machine.timerFired())
                }
            }
            timer?.schedule(after: seconds)
        case .cancelTimer:
            timer?.cancel()
            timer = nil
        case .closeAttempt(let index):
            attempts.removeValue(forKey: index)?.close()
        case .succeeded(let index):
            guard let channel = attempts.removeValue(forKey: index) else { return }
            channel.wantWrites(false)
            channel.setHandlers(readable: {}, writable: {})
            finish(.success((channel, addresses[index])))
        case .failed:
            finish(.failure(ConnectionRaceFailure(lastError: lastError.isEmpty ? "no address" : lastError)))
        }
    }

    private func startAttempt(_ index: Int) {
        let address = addresses[index]
        let fd: Int32
        do {
            fd = try Posix.socket(domain: address.family)
        } catch {
            lastError = "\(address): \(error)"
            perform(machine.attemptFailed(index))
            return
        }
        try? Posix.setOption(fd, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
        let channel = SocketChannel(fd: fd, loop: loop)
        attempts[index] = channel
        do {
            switch try Posix.connect(fd, address) {
            case .processed:
                perform(machine.attemptSucceeded(index))
            case .wouldBlock where Posix.isWritableNow(fd):
                // Already connected (or refused): no need to watch for it.
                connectFinished(index)
            case .wouldBlock:
                channel.setHandlers(readable: {}, writable: { [weak self] in self?.connectFinished(index) })
                channel.wantWrites(true)
            }
        } catch {
            lastError = "\(address): \(error)"
            attempts.removeValue(forKey: index)?.close()
            perform(machine.attemptFailed(index))
        }
    }

    /// A non-blocking connect is over: connected, or failed.
    private func connectFinished(_ index: Int) {
        guard let channel = attempts[index] else { return }
        channel.wantWrites(false)
        let err = Posix.socketError(channel.fd)
        if err == 0 {
            perform(machine.attemptSucceeded(index))
        } else {
            lastError = "\(addresses[index]): \(String(cString: strerror(err)))"
            attempts.removeValue(forKey: index)?.close()
            perform(machine.attemptFailed(index))
        }
    }

    private func finish(_ result: Result<(SocketChannel, SocketAddress), ConnectionRaceFailure>) {
        timer?.cancel()
        timer = nil
        let done = completion
        completion = nil
        guard let done else {
            if case .success(let (channel, _)) = result { channel.close() }
            return
        }
        done(result)
    }
}

/// No candidate connected; `lastError` names the last address tried and why.
struct ConnectionRaceFailure: Error {
    let lastError: String
}
