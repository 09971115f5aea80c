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
        if let (latest, generation) = environments?.newer(than: environmentGeneration) {
            environmentGeneration = generation
            if latest !== env {
                releaseUpstream()
                env = latest
                headParser = HTTPHeadParser(maxHeadBytes: latest.settings.maxRequestHeadBytes)
            }
        }
        // Inside an intercepted CONNECT the client authenticated with the CONNECT.
        if let auth = env.auth, intercept == nil, auth.authenticate(head.headers.first("proxy-authorization")) == nil {
            refuseUnauthenticated(head, headBytes: headBytes, realm: auth.realm)
            return
        }
        if head.isConnect, intercept == nil {
            handOffToTunnel(head, headBytes: headBytes)
            return
        }
        let requested: AbsoluteURI
        var hostMismatch = false
        if let target = intercept {
            guard let (checked, mismatch) = interceptedURI(head, target, headBytes: headBytes) else { return }
            requested = checked
            hostMismatch = mismatch
        } else {
            guard let parsed = forwardURI(head, headBytes: headBytes) else { return }
            requested = parsed
        }
        // Credentials in the URL (forward, or an absolute-form target inside interception): refused
        // (enforce) or stripped (report); from here on `uri` never has userinfo.
        let credentials = CredentialsInURL.action(hasUserInfo: requested.hasUserInfo, mode: env.settings.policy.mode)
        let uri = requested.withoutUserInfo()
        if credentials == .refuse {
            refuseCredentialsInURL(head, uri: uri, headBytes: headBytes)
            return
        }
        let host = HostName.normalize(uri.host)
        // Forward mode: https on 443 unless the URL named another port than 80. Intercept: the CONNECT port.
        let port = intercept?.port ?? ((uri.port == nil || uri.port == 80) ? 443 : uri.port!)
        let framing: BodyFraming
        switch requestFraming(head) {
        case .success(let f): framing = f
        case .failure(let error):
            respondError(status: error.status, code: "bad_request", message: error.reason)
            auditRefusal(head: head, host: host, port: port, path: Redaction.redactTarget(uri.pathAndQuery),
                         status: error.status, violation: nil, reason: error.reason, headBytes: headBytes)
            return
        }
        // Who is asking and where to, known before any refusal so refused lines name them too.
        let verdict = verdict(for: host)
        // The verdict's copy of the host name: the same string object request after request, so
        // comparing it with the upstream connection's host is a pointer comparison.
        let ex = ForwardExchange(head: head, uri: uri, host: verdict.host, port: port, framing: framing,
                                 headBytes: headBytes, startedNanos: now)
        let aws = verdict.aws
        ex.awsEndpoint = aws.endpoint
        ex.awsFields = verdict.awsFields
        ex.sigv4 = AWSRequestFacts.scope(head: head, uri: uri)
        if let credentials {
            ex.addViolation(CredentialsInURL.violation, CredentialsInURL.reason(credentials))
            ex.decision = .report
        }
        if hostMismatch, let target = intercept {
            // Report mode (enforce answered 421 above): logged, let through to the CONNECT host.
            ex.addViolation(.hostHeaderMismatch, target.hostMismatchReason)
            ex.decision = .report
        }
        if let violation = verdict.hostViolation {
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
        if let (code, reason) = verdict.fipsViolation {
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

        if let up = upstream, up.host == ex.host, up.port == port, !up.eof, !up.channel.isClosed {
            guard acquireUpstreamSlot(ex.host) else {
                refuseUpstreamBusy(host)
                return
            }
            exchange?.reusedUpstream = true
            env.metrics.upstreamReused()
            startExchange()
        } else {
            releaseUpstream()
            if startOnHTTP2Upstream() {
                exchange?.reusedUpstream = true
                env.metrics.upstreamReused()
            } else if adoptPooledUpstream(host: ex.host, port: port) {
                exchange?.reusedUpstream = true
                env.metrics.upstreamReused()
                startExchange()
            } else {
                connectOrWaitForHTTP2(host: ex.host, port: port)
            }
        }
    }

    /// The absolute-form target of a forward-mode request, its Host field agreeing. Nil when the
    /// request was refused (answered and audited here).
    func forwardURI(_ head: HTTPRequestHead, headBytes: Int) -> AbsoluteURI? {
        guard let uri = AbsoluteURI.parse(head.target) else {
            respondError(status: 400, code: "bad_request",
                         message: "tlsgate is a forward proxy: send absolute-form requests (GET http://host/path)")
            auditRefusal(head: head, host: nil, port: nil, path: head.target.hasPrefix("/") ? Redaction.redactTarget(head.target) : nil,
                         status: 400, violation: nil, reason: "request target is not an absolute URI", headBytes: headBytes)
            return nil
        }
        if head.headers.withFirstValueBytes("host", { uri.matchesHostHeader(bytes: $0) }) == false {
            // Policy checks the URI's host; the upstream routes on Host. They must agree.
            respondError(status: 400, code: "bad_request", message: "Host header does not match the request URI")
            auditRefusal(head: head, host: HostName.normalize(uri.host), port: nil, path: Redaction.redactTarget(uri.pathAndQuery),
                         status: 400, violation: nil, reason: "Host header does not match the request URI", headBytes: headBytes)
            return nil
        }
        return uri
    }

    /// Runs the request body tracker over client bytes not yet classified.
    func trackRequestBody() {
        guard let ex = exchange, !ex.requestComplete else { return }
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
        } catch {
            failExchange(status: 400, code: "bad_request", violation: nil, message: "malformed request body: \(error.reason)")
        }
    }

    func handOffToTunnel(_ head: HTTPRequestHead, headBytes: Int) {
        phase = .handedOff
        releaseUpstream()
        let tunnel = TunnelSession(env: env, loop: loop, client: client, clientAddress: clientAddress,
                                   leftover: clientIn, timer: timer, onClose: onClose)
        timer = nil
        slot?.session = tunnel
        env.metrics.modeChanged(from: "forward", to: "tunnel")
        if env.interceptor != nil { tunnel.onIntercept = { [self] tunnel in resumeIntercept(from: tunnel) } }
        tunnel.start(head, headBytes: headBytes)
    }

    /// 400 `credentials_in_url`: nothing is forwarded; the audit names host and path, not the userinfo.
    func refuseCredentialsInURL(_ head: HTTPRequestHead, uri: AbsoluteURI, headBytes: Int) {
        let reason = CredentialsInURL.reason(.refuse)
        respondError(status: CredentialsInURL.status, code: CredentialsInURL.violation.rawValue, message: reason)
        auditRefusal(head: head, host: HostName.normalize(uri.host), port: uri.effectivePort, path: Redaction.redactTarget(uri.pathAndQuery),
                     status: CredentialsInURL.status, violation: CredentialsInURL.violation, reason: reason, headBytes: headBytes)
    }

    /// 407 with `Proxy-Authenticate`, audited; the client may retry with credentials.
    func refuseUnauthenticated(_ head: HTTPRequestHead, headBytes: Int, realm: String) {
        let message = "proxy authentication required"
        let response = ProxyResponse.error(status: 407, code: ViolationCode.proxyAuthRequired.rawValue, message: message,
                                           keepAlive: false, proxyAuthenticateRealm: realm)
        clientPending.append(response)
        phase = .closingAfterFlush
        timer.arm(after: 5)
        var record = AuditRecord(event: .request, mode: head.isConnect ? .tunnel : auditMode)
        record.client = clientAddress.description
        if let uri = AbsoluteURI.parse(head.target) {
            record.host = HostName.normalize(uri.host)
            record.path = Redaction.redactTarget(uri.pathAndQuery)
        } else if let (authority, _) = Authority.parseNotingUserInfo(head.target) {
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
        var record = AuditRecord(event: .request, mode: auditMode)
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
