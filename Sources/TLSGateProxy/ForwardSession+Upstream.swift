import Dispatch
import Glibc
import TLSGateAudit
import TLSGateHTTP
import TLSGateIO
import TLSGatePolicy
import TLSGateTLS

extension ForwardSession {
    // MARK: - Upstream connection

    func connectUpstream(host: String, port: Int) {
        guard acquireUpstreamSlot(host) else {
            refuseUpstreamBusy(host)
            return
        }
        phase = .connecting
        timer.arm(after: env.settings.connectTimeout)
        let connector = UpstreamConnector(loop: loop, host: host, port: port, settings: env.settings) { [self] result in
            self.connector = nil
            guard phase == .connecting else {
                if case .success(let connected) = result { connected.channel.close() }
                return
            }
            switch result {
            case .failure(.denied(let violation, let message)):
                exchange?.violations.append(violation)
                exchange?.decision = .deny
                failExchange(status: 403, code: violation.rawValue, violation: nil, message: message)
            case .failure(.unreachable(let message)):
                failExchange(status: 502, code: ViolationCode.upstreamUnreachable.rawValue,
                             violation: nil, message: message)
            case .failure(.parentRefused(_, let message)):
                // An error outcome, not a policy decision: the parent said no.
                failExchange(status: 502, code: "parent_proxy_refused", violation: nil, message: message)
            case .success(let connected):
                env.metrics.upstreamConnected()
                if connected.viaParent { env.metrics.upstreamConnectedViaParent() }
                for code in connected.reported where exchange?.violations.contains(code) == false {
                    exchange?.violations.append(code)
                    exchange?.decision = .report
                }
                if exchange == nil, let target = intercept {
                    for code in connected.reported { target.record.addViolation(code) }
                    if !connected.reported.isEmpty, target.record.decision == .allow { target.record.decision = .report }
                }
                startHandshake(connected, host: host, port: port)
            }
            pump()
        }
        self.connector = connector
        connector.start()
    }

    func startHandshake(_ connected: ConnectedUpstream, host: String, port: Int) {
        let tls: TLSConnection
        do {
            tls = try TLSConnection(context: env.tls, fd: connected.channel.fd, serverName: host, port: port)
        } catch {
            connected.channel.close()
            failExchange(status: 502, code: "upstream_tls_failed", violation: nil, message: error.message)
            pump()
            return
        }
        let link = UpstreamLink(channel: connected.channel, tls: tls, address: connected.address, host: host, port: port)
        link.channel.setHandlers(readable: { [self] in upstreamReadableEvent() },
                                 writable: { [self] in upstreamWritableEvent() })
        upstream = link
        exchange?.handshakeStartedNanos = monotonicNanos()
        phase = .handshaking
        timer.arm(after: env.settings.handshakeTimeout)
        continueHandshake()
    }

    func upstreamReadableEvent() {
        guard let up = upstream else { return }
        up.readable = true
        if phase == .handshaking { continueHandshake() } else { pump() }
    }

    func upstreamWritableEvent() {
        guard let up = upstream else { return }
        up.writable = true
        if phase == .handshaking { continueHandshake() } else { pump() }
    }

    func continueHandshake() {
        guard let up = upstream, phase == .handshaking else { return }
        switch up.tls.handshake() {
        case .complete:
            up.handshakeDone = true
            if let started = exchange?.handshakeStartedNanos, started > 0 {
                env.metrics.handshake(seconds: Double(monotonicNanos() &- started) / 1e9, mode: "forward")
            }
            env.metrics.negotiated(version: up.tls.protocolVersion, cipher: up.tls.cipherName ?? "unknown")
            env.logger.debug("upstream TLS established", metadata: [
                "host": "\(up.host)", "version": "\(up.tls.protocolVersion)", "resumed": "\(up.tls.resumedSession)"])
            if up.tls.alpnSelected == "h2" {
                adoptHTTP2Connection(up)
                return
            }
            http2OriginChoseHTTP11(up)
            if exchange == nil, interceptHandshakePending {
                upstreamVerifiedForIntercept()
                pump()
                return
            }
            startExchange()
        case .wantRead:
            up.readable = false
            updateInterest()
        case .wantWrite:
            up.writable = false
            updateInterest()
        case .failed(let error):
            let (code, violation): (String, ViolationCode?) = {
                switch error.kind {
                case .certificateUntrusted: return (ViolationCode.certUntrusted.rawValue, .certUntrusted)
                case .certificateNameMismatch: return (ViolationCode.certNameMismatch.rawValue, .certNameMismatch)
                case .protocolVersion: return (ViolationCode.legacyTLSNegotiated.rawValue, .legacyTLSNegotiated)
                // No common ground with the server (e.g. only ciphers outside tlsgate's profile):
                // the server ends the handshake with an alert; tlsgate refused to go lower.
                case .handshakeFailed: return ("upstream_tls_failed", .handshakeAlert)
                default: return ("upstream_tls_failed", nil)
                }
            }()
            env.logger.debug("upstream TLS handshake failed", metadata: ["host": "\(up.host)", "error": "\(error)"])
            failExchange(status: 502, code: code, violation: violation, message: error.message)
            pump()
        }
    }

    /// Upstream is connected and its TLS verified: send the request and relay both ways.
    func startExchange() {
        guard let ex = exchange, let up = upstream else { return }
        let uri = ex.uri
        // The Host value is only built for a request without Host (rare).
        upPending.append(upstreamRequestHead(ex.head, originForm: uri.pathAndQuery, hostIfMissing: { uri.hostHeaderValue }))
        upstreamIdle = false
        phase = .exchanging
        lastProgressNanos = monotonicNanos()
        timer.arm(after: env.settings.idleTimeout)
        _ = up
        pump()
    }

    // MARK: - Keeping and pooling upstream connections


    /// Hands an idle, healthy upstream connection to the loop's pool for the next request from
    /// any client; anything else is closed.
    func releaseUpstream() {
        guard let up = upstream, upstreamIdle, let pool, !up.eof, up.handshakeDone, !up.channel.isClosed,
              upPending.isEmpty, up.pendingWriteLength == 0 else {
            dropUpstream(sendCloseNotify: true)
            return
        }
        let key = verdict(for: up.host).poolKey(port: up.port)
        guard pool.put(up, key) else {
            dropUpstream(sendCloseNotify: true)
            return
        }
        upstream = nil
        upstreamIdle = false
        releaseUpstreamSlot()
        upIn.clear()
        upIn.releaseIfEmpty()
    }

    /// Takes a pooled connection for `host:port`, if one is idle.
    func adoptPooledUpstream(host: String, port: Int) -> Bool {
        guard let pool else { return false }
        let key = verdict(for: host).poolKey(port: port)
        guard let link = pool.take(key) else { return false }
        guard acquireUpstreamSlot(host) else {
            if !pool.put(link, key) { link.close(sendCloseNotify: true) }
            return false
        }
        link.channel.setHandlers(readable: { [self] in upstreamReadableEvent() },
                                 writable: { [self] in upstreamWritableEvent() })
        upstream = link
        return true
    }

    func dropUpstream(sendCloseNotify: Bool) {
        if let stream = h2Stream {
            h2Stream = nil
            stream.detach()
        }
        waitingForHTTP2 = false
        endHTTP2Connect()
        upstreamIdle = false
        upstream?.close(sendCloseNotify: sendCloseNotify)
        upstream = nil
        upPending.removeAll()
        upIn.clear()
        upIn.releaseIfEmpty()
        releaseUpstreamSlot()
    }

    // MARK: - Per-host upstream slots (limits.max_upstream_per_host)

    /// An idle upstream connection (kept by this session between requests, or pooled) does not
    /// count against `limits.max_upstream_per_host`: its slot is given back when an exchange ends
    /// and taken again when a request uses the connection. Otherwise a kept-alive client that
    /// closes right after its response would still hold the slot when its next connection
    /// (served by another loop) asks for one.
    func releaseUpstreamSlot() {
        if let slots = upstreamSlot {
            upstreamSlot = nil
            slots.release()
        }
    }

    /// Answers 503 `upstream_busy`: `host` is at `limits.max_upstream_per_host`.
    func refuseUpstreamBusy(_ host: String) {
        exchange?.decision = .deny
        failExchange(status: 503, code: "upstream_busy", violation: nil,
                     message: "\(host) already has \(env.settings.maxUpstreamPerHost) upstream connections (limits.max_upstream_per_host)")
    }

    /// Takes a slot for `host` for the coming exchange; false when the host is at its limit.
    func acquireUpstreamSlot(_ host: String) -> Bool {
        let slots = verdict(for: host).slots
        if upstreamSlot === slots { return true }
        releaseUpstreamSlot()
        // No limit configured: nothing to count.
        if env.settings.maxUpstreamPerHost <= 0 { return true }
        guard slots.acquire(limit: env.settings.maxUpstreamPerHost) else { return false }
        upstreamSlot = slots
        return true
    }

    /// Policy and catalog facts about `host` under the current environment: kept for the
    /// connection's next requests, and found in the loop's cache for new connections.
    func verdict(for host: String) -> HostVerdict {
        if let last = lastVerdict, last.applies(to: host, under: env) { return last }
        let fresh = verdicts?.verdict(for: host, under: env) ?? HostVerdict(host: host, environment: env)
        lastVerdict = fresh
        return fresh
    }
}
