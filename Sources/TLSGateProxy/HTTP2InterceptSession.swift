import Glibc
import TLSGateAudit
import TLSGateHTTP
import TLSGateHTTP2
import TLSGateIO
import TLSGateTLS

/// An intercepted client that chose HTTP/2 by ALPN: the TLS connection to the client and its
/// ``HTTP2Session`` (server role). Each stream is bridged, as HTTP/1.1 over a socket pair, to a
/// forward session of its own (``HTTP2StreamLink``), so every request takes the one request path
/// (policy, audit, AWS awareness, the upstream pool) and goes upstream over HTTP/1.1.
///
/// Backpressure per stream: request DATA is consumed (WINDOW_UPDATE) only once its bytes have
/// gone into the socket pair, and the response side is read from the pair only while the
/// stream's send buffer has room. The client socket is read only while the session wants input.
final class HTTP2InterceptSession: DrainableSession, @unchecked Sendable {
    let env: ProxyEnvironment
    let loop: EventLoop
    let client: SocketChannel
    let clientAddress: SocketAddress
    let clientText: String
    let tls: TLSConnection
    let target: InterceptTarget
    var timer: SessionTimer!
    let slot: ConnectionSlot?
    let pool: UpstreamPool?
    let verdicts: HostVerdictCache?
    let environments: EnvironmentSource?
    let environmentGeneration: Int
    let onClose: @Sendable () -> Void

    var h2: HTTP2Session!
    var links: [Int32: HTTP2StreamLink] = [:]
    var clientReadable = true
    var clientWritable = true
    var clientWaitsReadable = false
    var clientWaitsWritable = false
    var closed = false
    var draining = false
    /// Output taken from the session, not yet written to TLS.
    var output: [UInt8] = []
    var outputOffset = 0
    var lastActivityNanos = monotonicNanos()
    let scratch: UnsafeMutableRawPointer
    static let scratchSize = 64 * 1024
    static let pumpRounds = 64

    init(env: ProxyEnvironment, loop: EventLoop, client: SocketChannel, clientAddress: SocketAddress, clientText: String,
         tls: TLSConnection, target: InterceptTarget, timer: SessionTimer, slot: ConnectionSlot?, pool: UpstreamPool?,
         verdicts: HostVerdictCache?, environments: EnvironmentSource?, environmentGeneration: Int,
         onClose: @escaping @Sendable () -> Void) {
        self.env = env
        self.loop = loop
        self.client = client
        self.clientAddress = clientAddress
        self.clientText = clientText
        self.tls = tls
        self.target = target
        self.timer = timer
        self.slot = slot
        self.pool = pool
        self.verdicts = verdicts
        self.environments = environments
        self.environmentGeneration = environmentGeneration
        self.onClose = onClose
        self.scratch = UnsafeMutableRawPointer.allocate(byteCount: Self.scratchSize, alignment: 16)
    }

    deinit { scratch.deallocate() }

    func start() {
        timer.setOwner { [self] in timerFired(); pump() }
        client.setHandlers(readable: { [self] in clientReadable = true; pump() },
                           writable: { [self] in clientWritable = true; pump() })
        do {
            h2 = try HTTP2Session(role: .server)
        } catch {
            target.record.reason = "HTTP/2 session: \(error)"
            close()
            return
        }
        timer.arm(after: env.settings.idleTimeout)
        pump()
    }

    // MARK: DrainableSession

    func drain() {
        guard !closed else { return }
        draining = true
        h2.goAway()
        if links.isEmpty { closeAfterFlush() } else { pump() }
    }

    func closeNow() { close() }

    // MARK: The pump

    func pump() {
        var rounds = 0
        var progress = true
        while progress && !closed {
            guard rounds < Self.pumpRounds else {
                loop.execute { [self] in pump() }
                return
            }
            rounds += 1
            progress = false
            if readClient() { progress = true }
            for link in Array(links.values) where link.pump() { progress = true }
            if flushClient() { progress = true }
            if closed { return }
            if h2.isFinished && outputOffset == output.count {
                close()
                return
            }
        }
        if !closed { updateInterest() }
    }

    /// Decrypted client bytes into the HTTP/2 session.
    private func readClient() -> Bool {
        guard clientReadable, h2.wantsRead else { return false }
        switch tls.read(into: scratch, count: Self.scratchSize) {
        case .bytes(let n):
            clientWaitsWritable = false
            target.record.bytesIn += UInt64(n)
            lastActivityNanos = monotonicNanos()
            handle(h2.receive(UnsafeRawBufferPointer(start: scratch, count: n)))
            return true
        case .wantRead:
            clientReadable = false
            return false
        case .wantWrite:
            clientWritable = false
            clientWaitsWritable = true
            return false
        case .closed:
            close()
            return false
        case .failed(let error):
            target.record.reason = "client TLS error: \(error.message)"
            close()
            return false
        }
    }

    /// Session output to the client.
    private func flushClient() -> Bool {
        var progress = false
        while clientWritable && !closed {
            if outputOffset == output.count {
                output = h2.takeOutput()
                outputOffset = 0
                handle(h2.takeEvents())
                if closed || output.isEmpty { break }
            }
            let result = output.withUnsafeBytes { tls.write($0.baseAddress! + outputOffset, count: output.count - outputOffset) }
            switch result {
            case .bytes(let n):
                outputOffset += n
                target.record.bytesOut += UInt64(n)
                clientWaitsReadable = false
                progress = true
            case .wantWrite:
                clientWritable = false
            case .wantRead:
                clientReadable = false
                clientWaitsReadable = true
                return progress
            case .closed:
                close()
                return false
            case .failed(let error):
                target.record.reason = "client TLS error: \(error.message)"
                close()
                return false
            }
        }
        return progress
    }

    func updateInterest() {
        client.wantReads(!clientReadable && (h2.wantsRead || clientWaitsReadable))
        client.wantWrites(!clientWritable && (outputOffset < output.count || h2.wantsWrite || clientWaitsWritable))
        for link in links.values { link.updateInterest(sendRoom: h2.sendRoom(stream: link.id)) }
    }

    // MARK: Events

    func handle(_ events: [HTTP2Event]) {
        for event in events {
            switch event {
            case .request(let id, let request, let endStream):
                open(id, request, endStream: endStream)
            case .data(let id, let bytes):
                if let link = links[id] {
                    link.requestData(bytes)
                } else {
                    h2.consume(stream: id, count: bytes.count)
                }
            case .trailers(let id, let fields):
                links[id]?.requestEnd(trailers: fields)
            case .endStream(let id):
                links[id]?.requestEnd(trailers: nil)
            case .streamReset(let id, let code, let byPeer):
                env.metrics.http2.reset(code: code.description, byClient: byPeer)
                if byPeer { closeLink(id) }
            case .streamClosed(let id, _):
                closeLink(id)
            case .goAway(_, _, let byPeer):
                env.metrics.http2.goAway(byClient: byPeer)
            case .connectionError(let reason):
                target.record.reason = reason
            case .rejected(_, let status, let reason):
                auditRejected(status: status, reason: reason)
            case .response, .writable:
                break
            }
        }
        // Not from inside the pump that is handling these events: on the next turn of the loop.
        if draining && links.isEmpty { loop.execute { [self] in closeAfterFlush() } }
    }

    /// A new stream: a socket pair and a forward session serving its other end.
    private func open(_ id: Int32, _ request: HTTP2Request, endStream: Bool) {
        let bridge: HTTP1StreamBridge
        do {
            bridge = try HTTP1StreamBridge(request, endStream: endStream)
        } catch {
            refuse(id, status: error.status ?? 400)
            return
        }
        let fds: (Int32, Int32)
        do {
            fds = try Posix.socketPair()
        } catch {
            refuse(id, status: 503)
            return
        }
        let streamTarget = InterceptTarget(host: target.host, port: target.port, record: target.record)
        streamTarget.bridgedHTTP2 = true
        streamTarget.audited = true   // the tunnel line is this session's
        streamTarget.clientTLSVersion = target.clientTLSVersion
        streamTarget.clientCipher = target.clientCipher
        target.requests += 1
        let forward = ForwardSession(env: env, loop: loop, fd: fds.1, clientAddress: clientAddress, slot: nil, pool: pool,
                                     verdicts: verdicts, environments: environments, environmentGeneration: environmentGeneration,
                                     onClose: {})
        let link = HTTP2StreamLink(id: id, bridge: bridge, channel: SocketChannel(fd: fds.0, loop: loop), session: self)
        links[id] = link
        env.metrics.http2.streamOpened()
        link.start()
        forward.startBridgedStream(streamTarget)
    }

    /// The request line of a stream the HTTP/2 layer refused before the request path saw it
    /// (malformed or oversized header block, CONNECT inside): no method or path is known.
    private func auditRejected(status: Int?, reason: String) {
        var record = AuditRecord(event: .request, mode: .intercept)
        record.client = clientText
        record.host = target.host
        record.port = target.port
        record.status = status
        record.decision = .deny
        record.reason = reason
        record.bytesIn = 0
        record.bytesOut = 0
        record.durationMs = 0
        record.extra = [("sni", target.record.sni.map { .string($0) } ?? .null), ("http_version", .string("2"))]
        env.audit.write(record)
        if let status { env.metrics.request(status: status) }
    }

    /// Answers a stream with a bare status (no upstream exchange).
    private func refuse(_ id: Int32, status: Int) {
        h2.respond(stream: id, head: HTTPResponseHead(version: .http11, status: status, reason: "", headers: HTTPHeaders([("content-length", "0")])),
                   endStream: true)
    }

    func closeLink(_ id: Int32) {
        guard let link = links.removeValue(forKey: id) else { return }
        env.metrics.http2.streamClosed()
        link.close()
        h2.abandonInbound(stream: id)
    }

    // MARK: Ending

    func timerFired() {
        guard !closed else { return }
        let idle = Double(monotonicNanos() &- lastActivityNanos) / 1e9
        if links.isEmpty && idle + 0.05 >= env.settings.idleTimeout {
            h2.goAway()
            closeAfterFlush()
            return
        }
        timer.arm(after: max(0.1, env.settings.idleTimeout - (links.isEmpty ? idle : 0)))
    }

    /// Writes what output there is (a GOAWAY), then closes.
    func closeAfterFlush() {
        guard !closed else { return }
        _ = flushClient()
        close()
    }

    func close() {
        guard !closed else { return }
        closed = true
        for link in links.values {
            env.metrics.http2.streamClosed()
            link.close()
        }
        links.removeAll()
        tls.shutdown()
        client.close()
        timer?.cancel()
        target.writeTunnelLine(env: env, client: clientText)
        if slot != nil { env.metrics.connectionClosed(mode: "intercept") }
        onClose()
    }
}
