import Dispatch
import Glibc
import Logging
import TLSGateAudit
import TLSGateHTTP
import TLSGateIO
import TLSGatePolicy
import TLSGateTLS

/// A client connection to the proxy: reads request heads, forwards absolute-form requests over
/// TLS (re-origination), and hands CONNECT requests to a ``TunnelSession``. An intercepted
/// CONNECT comes back here (see ForwardSession+Intercept.swift): the client side becomes a TLS
/// server session and the same request path serves the decrypted origin-form requests.
///
/// Everything runs on the session's event loop. I/O is driven by ``pump()``, which makes all the
/// progress it can in every direction, remembering which side last reported would-block, and then
/// sets read/write interest so the event sources wake it again. Backpressure falls out of that:
/// a side is only read while the buffer it fills has room.
final class ForwardSession: DrainableSession, @unchecked Sendable {
    enum Phase {
        case readingHead
        /// Intercept: the upstream is verified; the client's TLS handshake (server role) runs.
        case clientHandshaking
        case connecting
        case handshaking
        case exchanging
        /// An error response is being flushed; then the connection closes.
        case closingAfterFlush
        /// Write side shut; discarding input until EOF so the client reads our response.
        case lingering
        case closed
        /// The connection now belongs to a tunnel session.
        case handedOff
    }

    var env: ProxyEnvironment
    /// The server's configuration now, for requests after a reload (nil: keep `env`).
    let environments: EnvironmentSource?
    /// The generation of `env` in `environments`.
    var environmentGeneration: Int
    let loop: EventLoop
    let client: SocketChannel
    let clientAddress: SocketAddress
    /// `clientAddress` as audit lines print it (made once per connection).
    lazy var clientText = clientAddress.description
    /// The server's record of this connection (nil for a refused connection).
    let slot: ConnectionSlot?
    let onClose: @Sendable () -> Void
    /// Shutting down: no keep-alive after the current exchange.
    var draining = false
    /// The last exchange ended cleanly with the whole request read: once the response is out,
    /// close without lingering if the client has nothing more to send.
    var requestFullyRead = false
    /// The counter of the upstream host while this session holds one of its
    /// `limits.max_upstream_per_host` slots.
    var upstreamSlot: HostSlots?
    /// Policy and catalog facts about the host of the last request (see ``verdict(for:)``).
    var lastVerdict: HostVerdict?
    /// This loop's host verdicts (nil for a refused connection).
    let verdicts: HostVerdictCache?
    /// This loop's pool of idle upstream connections (nil for a refused connection).
    let pool: UpstreamPool?
    /// The upstream connection is between exchanges and may be pooled.
    var upstreamIdle = false
    /// When the client connection last became idle (between requests).
    var idleSinceNanos: UInt64 = 0
    /// Seconds a client may sit idle before its upstream connection goes back to the pool.
    static let parkUpstreamAfter = 1.0

    let clientIn: IOBuffer
    var clientPending = OutputQueue()
    var clientReadable = true
    var clientWritable = true
    var clientEOF = false

    var phase: Phase = .readingHead
    var headParser: HTTPHeadParser
    var headDeadlineArmed = false
    var timer: SessionTimer!
    var lastProgressNanos = monotonicNanos()

    var exchange: ForwardExchange?
    var connector: UpstreamConnector?
    var upstream: UpstreamLink?
    /// The exchange's stream on a shared HTTP/2 upstream connection (instead of `upstream`).
    var h2Stream: HTTP2UpstreamStream?
    /// Queued in the pool for a stream to an HTTP/2 origin / making a connection others wait for.
    var waitingForHTTP2 = false
    var http2ConnectKey: UpstreamPool.Key?
    let upIn: IOBuffer
    var upPending = OutputQueue()
    var requestsServed = 0

    // Intercept mode (nil / false in forward mode: the plain path tests one optional per call).
    /// The client's TLS session once its handshake is done; nil = the client is a plain socket.
    var clientTLS: TLSConnection?
    /// The intercepted CONNECT: host, port, SNI, client-side TLS facts.
    var intercept: InterceptTarget?
    /// OpenSSL on the client side waits for the socket to become writable (handshake, or a
    /// read that must write first) / readable (a write that must read first).
    var clientWaitsWritable = false
    var clientWaitsReadable = false

    static let bufferSize = 64 * 1024
    /// Work done per wake-up before yielding the thread to other sessions.
    static let pumpRounds = 64

    init(env: ProxyEnvironment, loop: EventLoop, fd: Int32, clientAddress: SocketAddress,
         slot: ConnectionSlot?, pool: UpstreamPool?, verdicts: HostVerdictCache? = nil, environments: EnvironmentSource? = nil, environmentGeneration: Int = 0,
         onClose: @escaping @Sendable () -> Void) {
        self.pool = pool
        self.verdicts = verdicts
        self.environments = environments
        self.environmentGeneration = environmentGeneration
        self.env = env
        self.loop = loop
        self.client = SocketChannel(fd: fd, loop: loop)
        self.clientAddress = clientAddress
        self.slot = slot
        self.onClose = onClose
        self.clientIn = IOBuffer(capacity: max(Self.bufferSize, env.settings.maxRequestHeadBytes + 1), pool: loop.buffers)
        self.upIn = IOBuffer(capacity: Self.bufferSize, pool: loop.buffers)
        self.headParser = HTTPHeadParser(maxHeadBytes: env.settings.maxRequestHeadBytes)
    }

    /// Starts serving; call on ``loop``.
    func start() {
        timer = SessionTimer(loop: loop) { [self] in timerFired(); pump() }
        client.setHandlers(readable: { [self] in clientReadable = true; pump() },
                           writable: { [self] in clientWritable = true; pump() })
        timer.arm(after: env.settings.requestHeadTimeout)
        headDeadlineArmed = true
        pump()
    }

    /// Serves a connection that was not admitted: the error response, then a graceful close.
    func startRejected(status: Int, code: String, message: String) {
        timer = SessionTimer(loop: loop) { [self] in timerFired(); pump() }
        client.setHandlers(readable: { [self] in clientReadable = true; pump() },
                           writable: { [self] in clientWritable = true; pump() })
        respondError(status: status, code: code, message: message)
        pump()
    }

    func drain() {
        draining = true
        if phase == .readingHead && clientIn.isEmpty { close() }
    }

    func closeNow() {
        if phase == .handedOff { return }
        abort(reason: "tlsgate shut down (shutdown_grace over)")
    }

    // MARK: - The pump

    func pump() {
        var rounds = 0
        var progress = true
        while progress {
            guard rounds < Self.pumpRounds else {
                // Still busy: let other sessions run, then continue. The readiness flags say
                // "ready", so no event source would wake us if we just returned.
                loop.execute { [self] in pump() }
                break
            }
            rounds += 1
            progress = false
            switch phase {
            case .readingHead:
                progress = readHead()
            case .clientHandshaking:
                progress = continueClientHandshake()
            case .connecting, .handshaking:
                progress = flushClient()
            case .exchanging:
                progress = pumpExchange()
            case .closingAfterFlush:
                progress = flushClient()
                if clientPending.isEmpty {
                    finishClosing()
                    progress = true
                }
            case .lingering:
                progress = discardInput()
            case .closed, .handedOff:
                return
            }
        }
        if phase == .closed || phase == .handedOff { return }
        updateInterest()
    }

    /// Reads and parses a request head; starts the exchange when it is complete.
    func readHead() -> Bool {
        if let up = upstream, upstreamIdle, up.readable { probeIdleUpstream(up) }
        if !clientIn.isEmpty {
            switch headParser.parseRequest(clientIn.readableBytes) {
            case .complete(let head, let consumed):
                clientIn.didRead(consumed)
                headParser.reset()
                beginRequest(head, headBytes: consumed)
                return true
            case .invalid(let error):
                rejectHead(error)
                return true
            case .incomplete:
                if clientIn.readableCount > env.settings.maxRequestHeadBytes {
                    rejectHead(.headTooLarge)
                    return true
                }
            }
        }
        guard clientReadable, !clientEOF else {
            if clientEOF { close() }
            return false
        }
        if clientIn.writableCount == 0 { clientIn.compact() }
        guard clientIn.writableCount > 0 else { rejectHead(.headTooLarge); return true }
        switch readClient() {
        case .some(0):
            clientEOF = true
            if clientIn.isEmpty { close() } else { respondError(status: 400, code: "bad_request", message: "connection closed in the middle of a request head") }
            return true
        case .some:
            if !headDeadlineArmed {
                // First byte of a new request: the whole head must arrive within request_head.
                timer.arm(after: env.settings.requestHeadTimeout)
                headDeadlineArmed = true
            }
            return true
        case .none:
            return false
        }
    }

    /// The kept upstream connection became readable between requests: the server closed it (or
    /// sent something unasked for); either way it cannot carry the next request.
    func probeIdleUpstream(_ up: UpstreamLink) {
        var scratch: UInt8 = 0
        switch up.tls.read(into: &scratch, count: 1) {
        case .wantRead:
            up.readable = false
        case .wantWrite, .bytes, .closed, .failed:
            up.eof = true
            dropUpstream(sendCloseNotify: false)
        }
    }

    /// One `read(2)` from the client into `clientIn`. nil = would block or failed (then closed).
    func readClient() -> Int? {
        if let tls = clientTLS { return readClient(tls) }
        do {
            switch try Posix.read(client.fd, clientIn.writePointer, clientIn.writableCount) {
            case .processed(let n):
                if n > 0 {
                    // A short read drained the socket: skip the read that would only say EAGAIN
                    // (the level-triggered source fires again if more arrives meanwhile).
                    if n < clientIn.writableCount { clientReadable = false }
                    clientIn.didWrite(n)
                }
                return n
            case .wouldBlock:
                clientReadable = false
                return nil
            }
        } catch {
            clientEOF = true
            abort(reason: "client read failed: \(error)")
            return nil
        }
    }

    /// Sends queued bytes to the client: proxy-made heads first, then cleared response body bytes.
    @discardableResult
    func flushClient() -> Bool {
        var progress = false
        while clientWritable {
            if !clientPending.isEmpty {
                let body = exchange?.responseForwardable ?? 0
                if clientPending.hasSingleChunk, body > 0 {
                    // A response head and the body bytes behind it: one gather write.
                    let head = clientPending.frontCount
                    let result = clientPending.withFront { ptr, count in
                        sendClient(ptr, count, UnsafeRawPointer(upIn.readPointer), body)
                    }
                    guard let n = result else { break }
                    let fromHead = min(n, head)
                    clientPending.consume(fromHead)
                    if n > fromHead {
                        upIn.didRead(n - fromHead)
                        exchange?.responseForwardable -= n - fromHead
                    }
                    exchange?.bytesOut += UInt64(n)
                    progress = true
                    continue
                }
                let result = clientPending.withFront { ptr, count in sendClient(ptr, count) }
                guard let n = result else { break }
                clientPending.consume(n)
                exchange?.bytesOut += UInt64(n)
                progress = true
                continue
            }
            guard let ex = exchange, ex.responseForwardable > 0 else { break }
            guard let n = sendClient(UnsafeRawPointer(upIn.readPointer), ex.responseForwardable) else { break }
            upIn.didRead(n)
            ex.responseForwardable -= n
            ex.bytesOut += UInt64(n)
            progress = true
        }
        return progress
    }

    func sendClient(_ ptr: UnsafeRawPointer, _ count: Int,
                            _ more: UnsafeRawPointer? = nil, _ moreCount: Int = 0) -> Int? {
        if let tls = clientTLS { return sendClient(tls, ptr, count, more, moreCount) }
        do {
            let result = try more.map { more throws(IOError) in try Posix.send(client.fd, ptr, count, more, moreCount) }
                ?? Posix.send(client.fd, ptr, count)
            switch result {
            case .processed(let n): return n
            case .wouldBlock:
                clientWritable = false
                return nil
            }
        } catch {
            abort(reason: "client write failed: \(error)")
            return nil
        }
    }

    /// Readiness and buffer state, for diagnosing a stalled exchange.
    var stateSummary: String {
        var parts = ["phase=\(phase)", "client r=\(clientReadable) w=\(clientWritable) eof=\(clientEOF)",
                     "client want r=\(client.readsWanted) w=\(client.writesWanted)", "pending=\(clientPending.frontCount)"]
        if let ex = exchange {
            parts.append("req complete=\(ex.requestComplete) fwd=\(ex.requestForwardable)")
            parts.append("resp head=\(ex.responseHead != nil) complete=\(ex.responseComplete) fwd=\(ex.responseForwardable) out=\(ex.bytesOut)")
        }
        if let up = upstream {
            parts.append("up r=\(up.readable) w=\(up.writable) eof=\(up.eof) wnr=\(up.writeNeedsRead) rnw=\(up.readNeedsWrite) buffered=\(up.tls.hasBufferedInput)")
            parts.append("up want r=\(up.channel.readsWanted) w=\(up.channel.writesWanted) upIn=\(upIn.readableCount)")
        }
        return parts.joined(separator: "; ")
    }

    // MARK: - Interest

    func updateInterest() {
        let wantClientRead: Bool
        switch phase {
        case .readingHead, .lingering:
            wantClientRead = true
        case .clientHandshaking:
            wantClientRead = !clientWaitsWritable
        case .exchanging:
            if let ex = exchange {
                wantClientRead = !ex.requestComplete && ex.requestForwardable == 0 && !clientEOF
            } else {
                wantClientRead = false
            }
        default:
            wantClientRead = false
        }
        client.wantReads((wantClientRead || clientWaitsReadable) && !clientReadable)
        let clientOutput = !clientPending.isEmpty || (exchange?.responseForwardable ?? 0) > 0
        client.wantWrites((clientOutput || clientWaitsWritable) && !clientWritable)

        guard let up = upstream, !up.channel.isClosed else { return }
        var wantRead = false
        var wantWrite = false
        switch phase {
        case .handshaking:
            wantRead = !up.readable
            wantWrite = !up.writable
        case .exchanging:
            if let ex = exchange {
                let needRead = (!ex.responseComplete && ex.responseForwardable == 0 && !up.eof) || (up.writeNeedsRead && hasUpstreamOutput)
                let needWrite = hasUpstreamOutput || (up.readNeedsWrite && !ex.responseComplete)
                wantRead = needRead && !up.readable
                wantWrite = needWrite && !up.writable
            }
        case .readingHead, .clientHandshaking:
            // An idle kept-alive upstream: watch for the server closing it.
            wantRead = !up.eof && !up.readable
        default:
            break
        }
        up.channel.wantReads(wantRead)
        up.channel.wantWrites(wantWrite)
    }

    var hasUpstreamOutput: Bool { !upPending.isEmpty || (exchange?.requestForwardable ?? 0) > 0 }
}
