import Dispatch
import Glibc
import TLSGateAudit
import TLSGateHTTP
import TLSGateIO
import TLSGatePolicy
import TLSGateTLS

/// A CONNECT tunnel: policy check, connect, `200`, then the TLS ClientHello and ServerHello are
/// read and checked (version floor, fallback SCSV, SNI = CONNECT host, downgrade sentinel, cipher)
/// before any byte of them is passed on. After the hellos the bytes are relayed unchanged.
final class TunnelSession: DrainableSession, @unchecked Sendable {
    enum Phase {
        case connecting
        case awaitingClientHello
        case awaitingServerHello
        case relaying
        /// A refusal is being flushed; then close.
        case closingAfterFlush
        case closed
        /// Intercepted: the checked ClientHello and the connection went back to the forward session.
        case handedBack
    }

    let env: ProxyEnvironment
    let loop: EventLoop
    let client: SocketChannel
    let clientAddress: SocketAddress
    let onClose: @Sendable () -> Void
    /// Bytes read from the client: what followed the CONNECT head, then the ClientHello.
    let clientBuffer: IOBuffer
    var serverBuffer: IOBuffer?
    var clientPending = OutputQueue()

    var phase: Phase = .connecting
    var timer: SessionTimer!
    var connector: UpstreamConnector?
    var upstream: SocketChannel?
    var upstreamAddress: SocketAddress?

    var clientReadable = true
    var clientWritable = true
    var upstreamReadable = true
    var upstreamWritable = true

    var toUpstream: RelayDirection
    var toClient: RelayDirection
    var lastProgressNanos = monotonicNanos()
    var record: TunnelRecord

    static let pipes = SplicePipePool()
    /// The counter of the upstream host while this tunnel holds one of its
    /// `limits.max_upstream_per_host` slots.
    var upstreamSlot: HostSlots?
    /// Set by the forward session when the host may be intercepted: called with the ClientHello
    /// checked (and still in `clientBuffer`) to take the connection back. nil = plain tunnel.
    var onIntercept: ((TunnelSession) -> Void)?
    /// The CONNECT host is intercepted: no upstream connection here, 200 at once, then the hello.
    var intercepting = false

    init(env: ProxyEnvironment, loop: EventLoop, client: SocketChannel, clientAddress: SocketAddress,
         leftover: IOBuffer, timer: SessionTimer?, onClose: @escaping @Sendable () -> Void) {
        self.timer = timer
        self.env = env
        self.loop = loop
        self.client = client
        self.clientAddress = clientAddress
        self.onClose = onClose
        self.clientBuffer = leftover
        self.toUpstream = RelayDirection(mode: env.settings.tunnelRelay, pipes: Self.pipes, buffers: loop.buffers)
        self.toClient = RelayDirection(mode: env.settings.tunnelRelay, pipes: Self.pipes, buffers: loop.buffers)
        self.record = TunnelRecord(startedNanos: monotonicNanos())
    }

    /// Takes over the client connection with a parsed CONNECT head.
    func start(_ head: HTTPRequestHead, headBytes: Int) {
        record.bytesIn = UInt64(headBytes)
        // The forward session's timer carries on (creating Dispatch timers is not free).
        if let timer {
            timer.setOwner { [self] in timerFired(); pump() }
        } else {
            timer = SessionTimer(loop: loop) { [self] in timerFired(); pump() }
        }
        client.setHandlers(readable: { [self] in clientReadable = true; pump() },
                           writable: { [self] in clientWritable = true; pump() })
        guard let authority = Authority.parse(head.target) else {
            refuse(status: 400, code: "bad_request", violation: nil,
                   message: "CONNECT needs host:port, got '\(head.target)'")
            return
        }
        record.host = HostName.normalize(authority.host)
        record.port = authority.port
        if let refusal = checkConnectPolicy(host: record.host!, port: authority.port) {
            refuse(status: 403, code: refusal.code.rawValue, violation: nil, message: refusal.message)
            return
        }
        let aws = env.awsDestination(record.host!)
        record.awsFields = aws.auditFields
        if let (code, reason) = aws.fipsViolation {
            record.addViolation(code, reason)
            if env.settings.policy.fips == .require {
                record.decision = .deny
                refuse(status: 403, code: code.rawValue, violation: nil, message: reason)
                return
            }
            if record.decision == .allow { record.decision = .report }
            if record.reason == nil { record.reason = reason }
        }
        if onIntercept != nil, let interceptor = env.interceptor, interceptor.intercepts(record.host!) {
            // Upstream first happens after the hello, in the forward session (pool or connect + verify).
            intercepting = true
            clientPending.append(ProxyResponse.connectEstablished())
            record.bytesOut += UInt64(ProxyResponse.connectEstablished().count)
            record.status = 200
            phase = .awaitingClientHello
            timer.arm(after: env.settings.clientHelloTimeout)
            pump()
            return
        }
        onIntercept = nil
        let slots = env.upstreamSlots.counter(record.host!)
        guard slots.acquire(limit: env.settings.maxUpstreamPerHost) else {
            record.decision = .deny
            refuse(status: 503, code: "upstream_busy", violation: nil,
                   message: "\(record.host!) already has \(env.settings.maxUpstreamPerHost) upstream connections (limits.max_upstream_per_host)")
            return
        }
        upstreamSlot = slots
        phase = .connecting
        timer.arm(after: env.settings.connectTimeout)
        let connector = UpstreamConnector(loop: loop, host: record.host!, port: authority.port, settings: env.settings) { [self] result in
            self.connector = nil
            guard phase == .connecting else {
                if case .success(let connected) = result { connected.channel.close() }
                return
            }
            switch result {
            case .failure(.denied(let code, let message)):
                record.addViolation(code, message)
                record.decision = .deny
                refuse(status: 403, code: code.rawValue, violation: nil, message: message)
            case .failure(.unreachable(let message)):
                refuse(status: 502, code: ViolationCode.upstreamUnreachable.rawValue, violation: .upstreamUnreachable, message: message)
            case .success(let connected):
                for code in connected.reported {
                    record.addViolation(code)
                    record.decision = .report
                }
                established(connected)
            }
        }
        self.connector = connector
        connector.start()
    }

    /// Port, host and literal-address checks made before connecting. In report mode the
    /// violations are recorded and nil is returned.
    private func checkConnectPolicy(host: String, port: Int) -> (code: ViolationCode, message: String)? {
        let policy = env.settings.policy
        var first: (ViolationCode, String)?
        func note(_ code: ViolationCode, _ message: String) {
            record.addViolation(code, message)
            if first == nil { first = (code, message) }
        }
        if HostName.isIPLiteral(host), env.settings.overrides.lookup(host) == nil,
           let ip = IPAddress(parsing: host), let code = policy.checkAddress(ip, viaOverride: false) {
            note(code, "\(host) is a private or special-purpose address")
        }
        if let code = policy.checkConnectPort(port) {
            note(code, "port \(port) is not in policy.connect_ports")
        }
        if let code = policy.checkHost(host) {
            note(code, "\(host) is not in policy.allow_hosts")
        }
        guard let first else { return nil }
        if policy.mode == .report {
            record.decision = .report
            return nil
        }
        record.decision = .deny
        return first
    }

    private func established(_ connected: ConnectedUpstream) {
        upstream = connected.channel
        upstreamAddress = connected.address
        connected.channel.setHandlers(readable: { [self] in upstreamReadable = true; pump() },
                                      writable: { [self] in upstreamWritable = true; pump() })
        clientPending.append(ProxyResponse.connectEstablished())
        record.bytesOut += UInt64(ProxyResponse.connectEstablished().count)
        record.status = 200
        phase = .awaitingClientHello
        timer.arm(after: env.settings.clientHelloTimeout)
        pump()
    }

    // MARK: - Pump

    func pump() {
        var rounds = 0
        var progress = true
        while progress {
            guard rounds < ForwardSession.pumpRounds else {
                // Still busy: yield to other sessions, then continue (no event would wake us).
                loop.execute { [self] in pump() }
                break
            }
            rounds += 1
            progress = flushClientPending()
            switch phase {
            case .connecting:
                break
            case .awaitingClientHello:
                progress = readClientHello() || progress
            case .awaitingServerHello:
                progress = relayStep(toUpstream, fromClient: true) || progress
                if phase == .awaitingServerHello { progress = readServerHello() || progress }
            case .relaying:
                progress = relayStep(toUpstream, fromClient: true) || progress
                progress = relayStep(toClient, fromClient: false) || progress
                if toUpstream.finished && toClient.finished {
                    close(reason: nil)
                    return
                }
            case .closingAfterFlush:
                if clientPending.isEmpty {
                    close(reason: nil)
                    return
                }
            case .closed, .handedBack:
                return
            }
            if phase == .closed || phase == .handedBack { return }
            if progress { lastProgressNanos = loop.time }
        }
        updateInterest()
    }

    private func flushClientPending() -> Bool {
        var progress = false
        while clientWritable, !clientPending.isEmpty {
            let result: IOResult<Int>?
            do {
                result = try clientPending.withFront { ptr, count throws(IOError) in try Posix.send(client.fd, ptr, count) }
            } catch {
                close(reason: "client write failed: \(error)")
                return false
            }
            switch result {
            case .processed(let n)?:
                clientPending.consume(n)
                progress = true
            case .wouldBlock?, nil:
                clientWritable = false
            }
        }
        return progress
    }

    private func relayStep(_ direction: RelayDirection, fromClient: Bool) -> Bool {
        guard let upstream else { return false }
        do {
            if fromClient {
                return try direction.step(source: client.fd, destination: upstream.fd,
                                          sourceReadable: &clientReadable, destinationWritable: &upstreamWritable)
            } else {
                return try direction.step(source: upstream.fd, destination: client.fd,
                                          sourceReadable: &upstreamReadable, destinationWritable: &clientWritable)
            }
        } catch {
            close(reason: error.isConnectionReset ? "connection reset" : "relay failed: \(error)")
            return false
        }
    }

    private func updateInterest() {
        var clientRead = false
        var clientWrite = !clientPending.isEmpty && !clientWritable
        var upRead = false
        var upWrite = false
        switch phase {
        case .awaitingClientHello:
            clientRead = !clientReadable
        case .awaitingServerHello:
            upWrite = toUpstream.waitsForDestination(writable: upstreamWritable)
            upRead = !upstreamReadable
        case .relaying:
            clientRead = toUpstream.waitsForSource(readable: clientReadable)
            upWrite = toUpstream.waitsForDestination(writable: upstreamWritable)
            upRead = toClient.waitsForSource(readable: upstreamReadable)
            clientWrite = clientWrite || toClient.waitsForDestination(writable: clientWritable)
        default:
            break
        }
        client.wantReads(clientRead)
        client.wantWrites(clientWrite)
        upstream?.wantReads(upRead)
        upstream?.wantWrites(upWrite)
    }

    // MARK: - Timeouts and closing

    private func timerFired() {
        switch phase {
        case .connecting:
            connector?.cancel()
            connector = nil
            refuse(status: 502, code: ViolationCode.upstreamUnreachable.rawValue, violation: .upstreamUnreachable,
                   message: "connecting to \(record.host ?? "upstream") timed out")
        case .awaitingClientHello:
            let why = clientBuffer.isEmpty ? "no TLS ClientHello within \(env.settings.clientHelloTimeout)s"
                                           : "incomplete TLS ClientHello after \(env.settings.clientHelloTimeout)s"
            record.addViolation(.notTLS, why)
            record.decision = .deny
            close(reason: why)
        case .awaitingServerHello:
            env.logger.warning("no ServerHello", metadata: ["upstream": "\(upstream?.debugState ?? "-")", "readable": "\(upstreamReadable)"])
            close(reason: "no TLS ServerHello within \(env.settings.handshakeTimeout)s")
        case .relaying:
            let idle = Double(monotonicNanos() &- lastProgressNanos) / 1e9
            if idle + 0.05 < env.settings.tunnelIdleTimeout {
                timer.arm(after: env.settings.tunnelIdleTimeout - idle)
            } else {
                close(reason: "tunnel idle for \(env.settings.tunnelIdleTimeout)s")
            }
        case .closingAfterFlush:
            close(reason: nil)
        case .closed, .handedBack:
            break
        }
    }

    /// Answers the CONNECT with an HTTP error (nothing was relayed yet) and closes after it.
    func refuse(status: Int, code: String, violation: ViolationCode?, message: String) {
        if let violation { record.addViolation(violation, message) }
        if record.decision == .allow, status == 403 || violation != nil { record.decision = .deny }
        record.status = status
        record.reason = message
        let response = ProxyResponse.error(status: status, code: code, message: message, keepAlive: false)
        record.bytesOut += UInt64(response.count)
        clientPending.append(response)
        upstream?.close()
        upstream = nil
        phase = .closingAfterFlush
        timer.arm(after: 5)
        pump()
    }

    /// Sends a fatal TLS alert to the client and closes both sides (a refused handshake).
    func refuseTLS(alert: UInt8, reason: String) {
        record.reason = reason
        if record.decision != .deny { record.decision = .deny }
        let bytes = TLSAlert.record(alert)
        _ = bytes.withUnsafeBytes { try? Posix.send(client.fd, $0.baseAddress!, $0.count) }
        record.bytesOut += UInt64(bytes.count)
        Posix.shutdownWrite(client.fd)
        close(reason: reason)
    }

    /// Tunnels are long-lived and end-to-end: draining lets them run until the grace period ends.
    func drain() {}

    func closeNow() {
        close(reason: "tlsgate shut down (shutdown_grace over)")
    }

    /// The hello passed its checks on an intercepted host: the forward session takes the
    /// connection (and this tunnel's timer) back, with the hello still in `clientBuffer`.
    func handBack() {
        phase = .handedBack
        let take = onIntercept
        onIntercept = nil
        take?(self)
    }

    func close(reason: String?) {
        guard phase != .closed, phase != .handedBack else { return }
        onIntercept = nil
        phase = .closed
        if let slots = upstreamSlot {
            upstreamSlot = nil
            slots.release()
        }
        if let reason, record.reason == nil { record.reason = reason }
        connector?.cancel()
        connector = nil
        toUpstream.releaseResources()
        toClient.releaseResources()
        upstream?.close()
        client.close()
        timer?.cancel()
        writeAudit()
        env.metrics.connectionClosed(mode: "tunnel")
        onClose()
    }
}
