import Dispatch
import Glibc
import TLSGateAudit
import TLSGateHTTP
import TLSGateIO
import TLSGatePolicy
import TLSGateTLS

extension ForwardSession {
    /// A complete request head: CONNECT goes to a tunnel; absolute-form requests are checked
    /// against policy and forwarded.
    func beginRequest(_ head: HTTPRequestHead, headBytes: Int) {
        let now = monotonicNanos()
        lastProgressNanos = now
        // Each request runs under the configuration in force when it arrives (a reload applies
        // to the next request on a kept-alive connection, too).
        if let latest = currentEnvironment?(), latest !== env {
            releaseUpstream()
            env = latest
            headParser = HTTPHeadParser(maxHeadBytes: latest.settings.maxRequestHeadBytes)
        }
        if let auth = env.auth, auth.authenticate(head.headers.first("proxy-authorization")) == nil {
            refuseUnauthenticated(head, headBytes: headBytes, realm: auth.realm)
            return
        }
        if head.isConnect {
            handOffToTunnel(head, headBytes: headBytes)
            return
        }
        guard let uri = AbsoluteURI.parse(head.target) else {
            respondError(status: 400, code: "bad_request",
                         message: "tlsgate is a forward proxy: send absolute-form requests (GET http://host/path)")
            auditRefusal(head: head, host: nil, port: nil, path: head.target.hasPrefix("/") ? Redaction.redactTarget(head.target) : nil,
                         status: 400, violation: nil, reason: "request target is not an absolute URI", headBytes: headBytes)
            return
        }
        if let hostHeader = head.headers.first("host"), !uri.matchesHostHeader(hostHeader) {
            // Policy checks the URI's host; the upstream routes on Host. They must agree.
            respondError(status: 400, code: "bad_request", message: "Host header does not match the request URI")
            auditRefusal(head: head, host: HostName.normalize(uri.host), port: nil, path: Redaction.redactTarget(uri.pathAndQuery),
                         status: 400, violation: nil, reason: "Host header does not match the request URI", headBytes: headBytes)
            return
        }
        let host = HostName.normalize(uri.host)
        let port = (uri.port == nil || uri.port == 80) ? 443 : uri.port!
        let framing: BodyFraming
        switch requestFraming(head) {
        case .success(let f): framing = f
        case .failure(let error):
            respondError(status: error.status, code: "bad_request", message: error.reason)
            auditRefusal(head: head, host: host, port: port, path: Redaction.redactTarget(uri.pathAndQuery),
                         status: error.status, violation: nil, reason: error.reason, headBytes: headBytes)
            return
        }
        var ex = ForwardExchange(head: head, uri: uri, host: host, port: port, framing: framing,
                                 headBytes: headBytes, startedNanos: now)
        // Who is asking and where to, known before any refusal so refused lines name them too.
        let aws = env.awsDestination(host)
        ex.awsEndpoint = aws.endpoint
        ex.awsFields = aws.auditFields
        ex.sigv4 = AWSRequestFacts.scope(head: head, uri: uri)
        if let violation = env.settings.policy.checkHost(host) {
            ex.violations.append(violation)
            if env.settings.policy.mode == .enforce {
                ex.decision = .deny
                exchange = ex
                failExchange(status: 403, code: violation.rawValue, violation: nil,
                             message: "\(host) is not in policy.allow_hosts")
                return
            }
            ex.decision = .report
        }
        if let (code, reason) = aws.fipsViolation {
            ex.addViolation(code, reason)
            if env.settings.policy.fips == .require {
                ex.decision = .deny
                exchange = ex
                failExchange(status: 403, code: code.rawValue, violation: nil, message: reason)
                return
            }
            ex.decision = .report
        }
        if let scope = ex.sigv4, let endpoint = aws.endpoint, let mismatch = scope.mismatch(with: endpoint) {
            // Reported, never refused: AWS itself rejects a wrongly scoped signature.
            ex.addViolation(.sigv4ScopeMismatch, mismatch)
            if ex.decision == .allow { ex.decision = .report }
        }
        // Bytes already read past the head belong to the body (or the next request).
        exchange = ex
        trackRequestBody()

        if let up = upstream, up.host == host, up.port == port, !up.eof, !up.channel.isClosed {
            exchange?.reusedUpstream = true
            startExchange()
        } else {
            releaseUpstream()
            if adoptPooledUpstream(host: host, port: port) {
                exchange?.reusedUpstream = true
                startExchange()
            } else {
                connectUpstream(host: host, port: port)
            }
        }
    }

    /// Runs the request body tracker over client bytes not yet classified.
    func trackRequestBody() {
        guard var ex = exchange, !ex.requestComplete else { return }
        let unclassified = clientIn.readableCount - ex.requestForwardable
        guard unclassified > 0 else { return }
        let bytes = UnsafeRawBufferPointer(start: clientIn.readPointer + ex.requestForwardable, count: unclassified)
        do {
            let (consumed, complete) = try ex.requestTracker.consume(bytes)
            if var prefix = ex.bodyPrefix, prefix.count < 1024, consumed > 0 {
                prefix.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<min(consumed, 1024 - prefix.count)]))
                ex.bodyPrefix = prefix
            }
            ex.requestForwardable += consumed
            ex.bytesIn += UInt64(consumed)
            ex.requestComplete = complete
            exchange = ex
        } catch {
            exchange = ex
            failExchange(status: 400, code: "bad_request", violation: nil, message: "malformed request body: \(error.reason)")
        }
    }

    // MARK: - Upstream connection

    private func connectUpstream(host: String, port: Int) {
        guard env.upstreamSlots.acquire(host, limit: env.settings.maxUpstreamPerHost) else {
            exchange?.decision = .deny
            failExchange(status: 503, code: "upstream_busy", violation: nil,
                         message: "\(host) already has \(env.settings.maxUpstreamPerHost) upstream connections (limits.max_upstream_per_host)")
            return
        }
        upstreamSlotHost = host
        phase = .connecting
        timer.arm(after: env.settings.connectTimeout)
        let connector = UpstreamConnector(queue: queue, host: host, port: port, settings: env.settings) { [self] result in
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
                             violation: .upstreamUnreachable, message: message)
            case .success(let connected):
                for code in connected.reported where exchange?.violations.contains(code) == false {
                    exchange?.violations.append(code)
                    exchange?.decision = .report
                }
                startHandshake(connected, host: host, port: port)
            }
            pump()
        }
        self.connector = connector
        connector.start()
    }

    private func startHandshake(_ connected: ConnectedUpstream, host: String, port: Int) {
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

    private func continueHandshake() {
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
        let hostHeader = ex.uri.port.map { "\(ex.uri.host.contains(":") ? "[\(ex.uri.host)]" : ex.uri.host):\($0)" } ?? ex.uri.host
        upPending.append(upstreamRequestHead(ex.head, originForm: ex.uri.pathAndQuery, hostIfMissing: hostHeader))
        upstreamIdle = false
        phase = .exchanging
        lastProgressNanos = monotonicNanos()
        timer.arm(after: env.settings.idleTimeout)
        _ = up
        pump()
    }

    // MARK: - Relay

    /// Moves bytes client → upstream and upstream → client until nothing more can move.
    func pumpExchange() -> Bool {
        guard let up = upstream, exchange != nil else { return false }
        var progress = false
        if up.canWrite && hasUpstreamOutput { progress = writeUpstream(up) || progress }
        guard phase == .exchanging else { return true }
        if let ex = exchange, !ex.requestComplete, ex.requestForwardable == 0, clientReadable, !clientEOF, upPending.isEmpty {
            progress = readRequestBody() || progress
        }
        guard phase == .exchanging else { return true }
        if let ex = exchange, !ex.responseComplete, ex.responseForwardable == 0, up.canRead, !up.eof {
            progress = readUpstream(up) || progress
        }
        guard phase == .exchanging else { return true }
        progress = flushClient() || progress
        guard phase == .exchanging else { return true }
        if progress { lastProgressNanos = monotonicNanos() }
        if let ex = exchange, ex.requestComplete, ex.responseComplete, ex.responseForwardable == 0, clientPending.isEmpty, upPending.isEmpty {
            finishExchange()
            return true
        }
        if let ex = exchange, ex.responseComplete, !ex.requestComplete, ex.responseForwardable == 0, clientPending.isEmpty {
            // The server answered before the request body ended: no keep-alive possible.
            var done = ex
            done.requestComplete = true
            exchange = done
            writeAudit(done, status: done.responseHead?.status, reason: "response completed before the request body", upstream: upstream)
            exchange = nil
            close()
            return false
        }
        return progress
    }

    private func writeUpstream(_ up: UpstreamLink) -> Bool {
        var progress = false
        for _ in 0..<16 {
            let result: TLSIOResult
            let fromPending = !upPending.isEmpty
            if fromPending {
                result = upPending.withFront { ptr, count in
                    up.tls.write(ptr, count: up.pendingWriteLength > 0 ? min(up.pendingWriteLength, count) : count)
                }
            } else if let ex = exchange, ex.requestForwardable > 0 {
                let count = up.pendingWriteLength > 0 ? min(up.pendingWriteLength, ex.requestForwardable) : ex.requestForwardable
                result = up.tls.write(UnsafeRawPointer(clientIn.readPointer), count: count)
            } else {
                break
            }
            switch result {
            case .bytes(let n):
                up.pendingWriteLength = 0
                up.writeNeedsRead = false
                if fromPending {
                    upPending.consume(n)
                } else {
                    clientIn.didRead(n)
                    exchange?.requestForwardable -= n
                }
                progress = true
            case .wantWrite:
                up.pendingWriteLength = fromPending ? upPending.frontCount : (exchange?.requestForwardable ?? 0)
                up.writable = false
                return progress
            case .wantRead:
                up.pendingWriteLength = fromPending ? upPending.frontCount : (exchange?.requestForwardable ?? 0)
                up.writeNeedsRead = true
                up.readable = false
                return progress
            case .closed, .failed:
                upstreamBroke(up, reason: "upstream closed while receiving the request")
                return true
            }
        }
        return progress
    }

    private func readRequestBody() -> Bool {
        if clientIn.writableCount < 4096 { clientIn.compact() }
        guard clientIn.writableCount > 0 else { return false }
        guard let n = readClient() else { return false }
        if n == 0 {
            clientEOF = true
            abort(reason: "client closed before the request body ended")
            return false
        }
        trackRequestBody()
        return true
    }

    private func readUpstream(_ up: UpstreamLink) -> Bool {
        if upIn.writableCount < 16 * 1024 { upIn.compact() }
        guard upIn.writableCount > 0 else { return false }
        switch up.tls.read(into: upIn.writePointer, count: upIn.writableCount) {
        case .bytes(let n):
            up.readNeedsWrite = false
            // Less than a full record and nothing buffered in OpenSSL: the socket is very likely
            // drained, so skip the read that would only say EAGAIN (the source fires if not).
            if n < 16 * 1024 && !up.tls.hasBufferedInput { up.readable = false }
            upIn.didWrite(n)
            processResponseBytes()
            return true
        case .wantRead:
            up.readable = false
            return false
        case .wantWrite:
            up.readNeedsWrite = true
            up.writable = false
            return false
        case .closed:
            up.eof = true
            upstreamEnded()
            return true
        case .failed(let error):
            up.failed = true
            upstreamBroke(up, reason: "upstream TLS error: \(error.message)")
            return true
        }
    }

    /// Parses response heads (forwarding 1xx ones) and clears body bytes for the client.
    func processResponseBytes() {
        while var ex = exchange, !ex.responseComplete {
            let unclassified = upIn.readableCount - ex.responseForwardable
            guard unclassified > 0 else { return }
            let bytes = UnsafeRawBufferPointer(start: upIn.readPointer + ex.responseForwardable, count: unclassified)
            if ex.responseHead == nil {
                switch ex.responseParser.parseResponse(bytes) {
                case .incomplete:
                    exchange = ex
                    return
                case .invalid(let error):
                    exchange = ex
                    failExchange(status: 502, code: "bad_upstream_response", violation: nil,
                                 message: "invalid response from \(ex.host): \(error.reason)")
                    return
                case .complete(let head, let consumed):
                    upIn.didRead(consumed)
                    ex.responseParser.reset()
                    if head.isInformational {
                        clientPending.append(clientResponseHead(head, keepAlive: true, clientVersion: ex.head.version))
                        exchange = ex
                        continue
                    }
                    let framing: BodyFraming
                    switch responseFraming(head, requestMethod: ex.head.method) {
                    case .success(let f): framing = f
                    case .failure(let error):
                        exchange = ex
                        failExchange(status: 502, code: "bad_upstream_response", violation: nil,
                                     message: "invalid response framing from \(ex.host): \(error.reason)")
                        return
                    }
                    let keepAlive = ex.head.keepAlive && head.keepAlive && framing != .untilClose
                    clientPending.append(clientResponseHead(head, keepAlive: keepAlive, clientVersion: ex.head.version))
                    ex.responseHead = head
                    ex.responseStarted = true
                    ex.responseTracker = BodyTracker(framing)
                    ex.responseFraming = framing
                    ex.responseComplete = ex.responseTracker!.isComplete   // no body, or Content-Length: 0
                    exchange = ex
                }
            } else {
                do {
                    let (consumed, complete) = try ex.responseTracker!.consume(bytes)
                    ex.responseForwardable += consumed
                    ex.responseComplete = complete
                    exchange = ex
                    if complete && consumed < unclassified {
                        // Bytes after the response end: the upstream connection is unusable.
                        upstream?.eof = true
                    }
                    return
                } catch {
                    exchange = ex
                    abort(reason: "malformed response body from \(ex.host): \(error.reason)")
                    return
                }
            }
        }
    }

    /// A reused connection the server had already closed: retry the request once on a fresh
    /// connection when that is safe (idempotent, no body, nothing of a response received).
    private func retryOnFreshConnection() -> Bool {
        guard var ex = exchange, ex.reusedUpstream, !ex.retried, ex.responseHead == nil, !ex.responseStarted,
              ex.requestTracker.isComplete, ex.bodyless,
              ["GET", "HEAD", "OPTIONS", "DELETE", "TRACE", "PUT"].contains(ex.head.method) else { return false }
        ex.retried = true
        ex.reusedUpstream = false
        ex.responseParser.reset()
        exchange = ex
        dropUpstream(sendCloseNotify: false)
        env.logger.debug("retrying on a fresh upstream connection", metadata: ["host": "\(ex.host)"])
        connectUpstream(host: ex.host, port: ex.port)
        return true
    }

    /// The upstream closed its TLS session (or TCP) while an exchange was active.
    private func upstreamEnded() {
        guard var ex = exchange else { return }
        if ex.responseHead == nil, retryOnFreshConnection() { return }
        if ex.responseHead == nil {
            failExchange(status: 502, code: "upstream_closed", violation: nil,
                         message: "\(ex.host) closed the connection without a response")
            return
        }
        if ex.responseTracker != nil, !ex.responseComplete {
            if case .untilClose? = ex.responseFraming {
                ex.responseComplete = true
                exchange = ex
            } else {
                abort(reason: "\(ex.host) closed the connection mid-response")
            }
        }
    }

    private func upstreamBroke(_ up: UpstreamLink, reason: String) {
        up.eof = true
        if retryOnFreshConnection() { return }
        if let ex = exchange, ex.responseStarted {
            abort(reason: reason)
        } else {
            failExchange(status: 502, code: "upstream_closed", violation: nil, message: reason)
        }
    }

    /// Both messages are complete: audit, then keep the connection for the next request or close.
    private func finishExchange() {
        guard let ex = exchange else { return }
        exchange = nil
        requestsServed += 1
        writeAudit(ex, status: ex.responseHead?.status, reason: nil, upstream: upstream)
        let framingOK: Bool = {
            if case .untilClose? = ex.responseFraming { return false }
            return true
        }()
        let keepClient = ex.head.keepAlive && (ex.responseHead?.keepAlive ?? false) && framingOK && !clientEOF && !draining
        let keepUpstream = (ex.responseHead?.keepAlive ?? false) && framingOK && !(upstream?.eof ?? true)
        if keepUpstream { upstreamIdle = true } else { dropUpstream(sendCloseNotify: true) }
        upIn.clear()
        upIn.releaseIfEmpty()
        guard keepClient else {
            phase = .closingAfterFlush
            timer.arm(after: 5)
            return
        }
        phase = .readingHead
        headDeadlineArmed = !clientIn.isEmpty
        clientIn.releaseIfEmpty()   // an idle keep-alive connection holds no buffer memory
        timer.arm(after: clientIn.isEmpty ? env.settings.idleTimeout : env.settings.requestHeadTimeout)
    }

    /// The exchange failed: audit it, then answer with a proxy error (or just close when part of
    /// the response already reached the client).
    func failExchange(status: Int, code: String, violation: ViolationCode?, message: String) {
        guard var ex = exchange else {
            respondError(status: status, code: code, message: message)
            return
        }
        if let violation, !ex.violations.contains(violation) { ex.violations.append(violation) }
        if violation != nil, ex.decision == .allow { ex.decision = .deny }
        exchange = nil
        if ex.responseStarted {
            writeAudit(ex, status: ex.responseHead?.status, reason: message, upstream: upstream)
            close()
        } else {
            let link = upstream   // respondError drops it; the audit line still names it
            ex.bytesOut += UInt64(respondError(status: status, code: code, message: message))
            writeAudit(ex, status: status, reason: message, upstream: link)
        }
    }

    private func handOffToTunnel(_ head: HTTPRequestHead, headBytes: Int) {
        phase = .handedOff
        releaseUpstream()
        let tunnel = TunnelSession(env: env, queue: queue, client: client, clientAddress: clientAddress,
                                   leftover: clientIn, timer: timer, onClose: onClose)
        timer = nil
        slot?.session = tunnel
        env.metrics.modeChanged(from: "forward", to: "tunnel")
        tunnel.start(head, headBytes: headBytes)
    }

    /// 407 with `Proxy-Authenticate`, audited; the client may retry with credentials.
    private func refuseUnauthenticated(_ head: HTTPRequestHead, headBytes: Int, realm: String) {
        let message = "proxy authentication required"
        let response = ProxyResponse.error(status: 407, code: ViolationCode.proxyAuthRequired.rawValue, message: message,
                                           keepAlive: false, proxyAuthenticateRealm: realm)
        clientPending.append(response)
        phase = .closingAfterFlush
        timer.arm(after: 5)
        var record = AuditRecord(event: .request, mode: head.isConnect ? .tunnel : .forward)
        record.client = clientAddress.description
        if let uri = AbsoluteURI.parse(head.target) {
            record.host = HostName.normalize(uri.host)
            record.path = Redaction.redactTarget(uri.pathAndQuery)
        } else if let authority = Authority.parse(head.target) {
            record.host = HostName.normalize(authority.host)
            record.port = authority.port
        }
        record.method = head.method
        record.status = 407
        record.decision = .deny
        record.violations = [ViolationCode.proxyAuthRequired.rawValue]
        record.reason = message
        record.bytesIn = headBytes
        record.bytesOut = response.count
        record.durationMs = 0
        env.audit.write(record)
        var violation = record
        violation.event = .violation
        env.audit.write(violation)
    }

    /// Refuses a head that could not be parsed: 400 (or 431), audit line, close after flush.
    func rejectHead(_ error: HTTPParseError) {
        let code = error.status == 431 ? "head_too_large" : "bad_request"
        let received = clientIn.readableCount
        clientIn.clear()
        let sent = respondError(status: error.status, code: code, message: error.reason)
        var record = AuditRecord(event: .request, mode: .forward)
        record.client = clientAddress.description
        record.bytesIn = received
        record.bytesOut = sent
        record.durationMs = 0
        record.status = error.status
        record.decision = .deny
        record.reason = error.reason
        env.audit.write(record)
    }
}
