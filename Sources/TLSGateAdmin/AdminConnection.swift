import Logging
import TLSGateHTTP
import TLSGateIO

/// One admin client: read one request head, answer it, close.
///
/// Runs entirely on the server's event loop. The whole exchange has one deadline
/// (``AdminLimits/requestTimeout`` from accept); after the response the write side is shut and
/// input is discarded until the client closes or ``AdminLimits/lingerTimeout`` passes, so the close
/// cannot reset the connection before the client has read the response.
final class AdminConnection: @unchecked Sendable {
    private enum Phase {
        case reading
        case writing
        case lingering
        case closed
    }

    /// Most bytes discarded while lingering before closing anyway.
    static let maxDiscardBytes = 64 * 1024

    private let channel: SocketChannel
    private let peer: SocketAddress
    /// 127.0.0.0/8, ::1 or IPv4-mapped loopback.
    private var peerIsLoopback: Bool {
        let bytes = peer.ipBytes
        if bytes.count == 4 { return bytes[0] == 127 }
        if bytes.count == 16 {
            if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
            return bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF && bytes[12] == 127
        }
        return false
    }
    private let handlers: AdminHandlers
    private let limits: AdminLimits
    private let logger: Logger
    private let onClose: (AdminConnection) -> Void

    private var phase = Phase.reading
    private var parser: HTTPHeadParser
    private let input: IOBuffer
    private var output: [UInt8] = []
    private var sent = 0
    private var discarded = 0
    private var timer: LoopTimer!

    /// Takes ownership of `fd`; call ``start()`` on `loop`.
    init(fd: Int32, peer: SocketAddress, loop: EventLoop, handlers: AdminHandlers, limits: AdminLimits,
         logger: Logger, onClose: @escaping (AdminConnection) -> Void) {
        self.channel = SocketChannel(fd: fd, loop: loop)
        self.peer = peer
        self.handlers = handlers
        self.limits = limits
        self.logger = logger
        self.onClose = onClose
        self.parser = HTTPHeadParser(maxHeadBytes: limits.maxHeadBytes, maxHeaderCount: 64)
        // One byte more than the limit, so an oversized head is seen as such.
        self.input = IOBuffer(capacity: limits.maxHeadBytes + 1)
    }

    func start() {
        timer = LoopTimer(loop: channel.loop) { [self] in
            if phase == .reading { logger.debug("admin request timed out", metadata: ["peer": "\(peer)"]) }
            close()
        }
        timer.schedule(after: limits.requestTimeout)
        channel.setHandlers(readable: { [self] in readable() }, writable: { [self] in flush() })
        channel.wantReads(true)
    }

    // MARK: - Reading the head

    private func readable() {
        switch phase {
        case .reading: readHead()
        case .lingering: discard()
        case .writing, .closed: break
        }
    }

    private func readHead() {
        // Each round reads at least one byte into a bounded buffer, or returns.
        while phase == .reading {
            guard input.writableCount > 0 else { respond(AdminRouter.reject(.headTooLarge), head: nil); return }
            // nil: would block, or gone before a complete head (nothing to answer; closed).
            guard let n = readInput() else { return }
            input.didWrite(n)
            switch parser.parseRequest(input.readableBytes) {
            case .complete(let head, _):
                let response = AdminRouter.respond(to: head, handlers: handlers, peerIsLoopback: peerIsLoopback)
                // A handler may have stopped the server, which closed this connection.
                guard phase == .reading else { return }
                respond(response, head: head)
            case .invalid(let error):
                respond(AdminRouter.reject(error), head: nil)
            case .incomplete:
                if input.readableCount > limits.maxHeadBytes {
                    respond(AdminRouter.reject(.headTooLarge), head: nil)
                }
            }
        }
    }

    private func respond(_ response: AdminResponse, head: HTTPRequestHead?) {
        logger.debug("admin request", metadata: [
            "peer": "\(peer)",
            "method": "\(head?.method ?? "-")",
            "path": "\(head.map { AdminRouter.path(of: $0.target) } ?? "-")",
            "status": "\(response.status)",
        ])
        phase = .writing
        output = response.serialized(includeBody: head?.method != "HEAD")
        sent = 0
        channel.wantReads(false)
        flush()
    }

    // MARK: - Writing the response

    private func flush() {
        guard phase == .writing else { return }
        while sent < output.count {
            let result: IOResult<Int>
            do {
                result = try output.withUnsafeBytes { bytes throws(IOError) in
                    try Posix.send(channel.fd, bytes.baseAddress! + sent, bytes.count - sent)
                }
            } catch {
                close()
                return
            }
            switch result {
            case .processed(let n): sent += n
            case .wouldBlock:
                channel.wantWrites(true)
                return
            }
        }
        channel.wantWrites(false)
        startLingering()
    }

    // MARK: - Lingering

    private func startLingering() {
        output = []
        phase = .lingering
        Posix.shutdownWrite(channel.fd)
        guard limits.lingerTimeout > 0 else { close(); return }
        timer.schedule(after: limits.lingerTimeout)
        input.clear()
        channel.wantReads(true)
        discard()
    }

    /// Reads and drops input until end of stream (then closes), would-block, or the discard bound.
    private func discard() {
        while phase == .lingering {
            input.clear()
            guard let n = readInput() else { return }
            discarded += n
            if discarded > Self.maxDiscardBytes { close(); return }
        }
    }

    /// One read into `input`: the byte count, or nil when it would block or the connection ended
    /// (end of stream or an error; then it is closed).
    private func readInput() -> Int? {
        do {
            switch try Posix.read(channel.fd, input.writePointer, input.writableCount) {
            case .wouldBlock:
                return nil
            case .processed(0):
                close()
                return nil
            case .processed(let n):
                return n
            }
        } catch {
            close()
            return nil
        }
    }

    // MARK: - Closing

    /// Releases the socket, the timer and the handler cycles. Idempotent.
    func close() {
        guard phase != .closed else { return }
        phase = .closed
        timer?.cancel()
        channel.close()
        onClose(self)
    }
}
