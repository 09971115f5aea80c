import TLSGateAudit
import TLSGateCA
import TLSGateHTTP
import TLSGateIO
import TLSGatePolicy
import TLSGateTLS

/// TLS interception: a CONNECT to an `intercept.hosts` host is checked by the tunnel (policy,
/// then the ClientHello: version floor, SNI = CONNECT host...), which hands the connection back
/// here. Upstream first: a pooled or newly connected and verified upstream for the host, and only
/// then a leaf from the local CA and the client handshake (server role). After it the decrypted
/// requests take the same path as forward mode, with origin-form targets for the CONNECT host.
/// An upstream that fails verification or the version floor gets no certificate: the client gets
/// a TLS alert.
extension ForwardSession {
    // MARK: - Hand-back and upstream first

    /// The tunnel checked the hello of an intercepted CONNECT (still in `clientIn`, which is the
    /// tunnel's buffer): the connection, its timer and its slot come back to this session.
    func resumeIntercept(from tunnel: TunnelSession) {
        guard let host = tunnel.record.host, let port = tunnel.record.port else {
            tunnel.close(reason: "intercept without a CONNECT host")
            return
        }
        phase = .connecting
        let target = InterceptTarget(host: host, port: port, record: tunnel.record)
        intercept = target
        timer = tunnel.timer
        tunnel.timer = nil
        timer.setOwner { [self] in timerFired(); pump() }
        client.setHandlers(readable: { [self] in clientReadable = true; pump() },
                           writable: { [self] in clientWritable = true; pump() })
        clientReadable = tunnel.clientReadable
        clientWritable = tunnel.clientWritable
        slot?.session = self
        env.metrics.modeChanged(from: "tunnel", to: "intercept")
        timer.arm(after: env.settings.connectTimeout)
        // The verdict's copy of the host: the same string object for every request after this.
        let verified = verdict(for: host).host
        if adoptPooledUpstream(host: verified, port: port) {
            env.metrics.upstreamReused()
            upstreamVerifiedForIntercept()
        } else if let shared = pooledHTTP2Connection(host: verified, port: port) {
            // The origin speaks HTTP/2 and a verified connection is open: its requests share it.
            env.metrics.upstreamReused()
            upstreamVerifiedForIntercept(link: shared.link)
        } else {
            connectUpstream(host: verified, port: port)
        }
        pump()
    }

    /// Whether the session is between an intercepted CONNECT and the end of its client handshake
    /// (failures then answer with a TLS alert, not an HTTP response).
    var interceptHandshakePending: Bool { intercept != nil && clientTLS == nil && intercept?.bridgedHTTP2 != true }

    /// The upstream for the CONNECT host is connected and verified (or came from the pool): make
    /// the leaf and start the client handshake with the ClientHello already read.
    func upstreamVerifiedForIntercept(link: UpstreamLink? = nil) {
        guard let target = intercept, let up = link ?? upstream, let interceptor = env.interceptor else { return }
        upstreamIdle = true
        target.record.tlsVersion = up.tlsVersionText
        target.record.cipher = up.cipherText
        let credential: LeafCredential
        switch interceptor.credential(for: target.host) {
        case .success(let made): credential = made
        case .failure(let error):
            refuseIntercept(alert: TLSAlert.internalError, violation: nil,
                            message: "cannot issue a certificate for \(target.host): \(error)")
            return
        }
        let tls: TLSConnection
        do {
            tls = try TLSConnection(server: interceptor.contexts.current(), fd: client.fd, prefix: clientIn.readableBytes,
                                    serverName: target.host, certificate: credential.certificate, key: credential.key,
                                    chain: credential.chain)
        } catch {
            refuseIntercept(alert: TLSAlert.internalError, violation: nil, message: error.description)
            return
        }
        clientIn.clear()
        clientIn.releaseIfEmpty()
        target.handshaking = tls
        target.handshakeStartedNanos = monotonicNanos()
        phase = .clientHandshaking
        clientReadable = true   // the hello is in the prefix BIO
        timer.arm(after: env.settings.handshakeTimeout)
    }

    /// One step of the client handshake; true when it made progress.
    func continueClientHandshake() -> Bool {
        guard let target = intercept, let tls = target.handshaking else { return false }
        switch tls.handshake() {
        case .complete:
            target.handshaking = nil
            clientTLS = tls
            clientWaitsWritable = false
            clientReadable = true   // a request may have come with the client's Finished
            target.clientTLSVersion = tls.protocolVersion
            target.clientCipher = tls.cipherName
            target.record.alpn = tls.alpnSelected.map { [$0] } ?? target.record.alpn
            env.metrics.handshake(seconds: Double(monotonicNanos() &- target.handshakeStartedNanos) / 1e9, mode: "intercept")
            if tls.alpnSelected == "h2" {
                handOffToHTTP2(tls, target)
                return false
            }
            phase = .readingHead
            headDeadlineArmed = false
            idleSinceNanos = loop.time
            lastProgressNanos = loop.time
            timer.arm(after: min(Self.parkUpstreamAfter, env.settings.idleTimeout))
            return true
        case .wantRead:
            clientReadable = false
            clientWaitsWritable = false
            return false
        case .wantWrite:
            clientWritable = false
            clientWaitsWritable = true
            return false
        case .failed(let error):
            // Usually the client refusing the certificate (it does not trust the local CA).
            target.record.reason = "client TLS handshake failed: \(error.message)"
            close()
            return false
        }
    }

    /// Refuses an intercepted CONNECT before its client handshake: a fatal TLS alert (the client
    /// is waiting for a ServerHello), the `tunnel` line with the violation, close.
    func refuseIntercept(alert: UInt8, violation: ViolationCode?, message: String) {
        guard let target = intercept else { return }
        if let violation { target.record.addViolation(violation, message) }
        target.record.decision = .deny
        target.record.reason = message
        env.logger.debug("intercept refused", metadata: ["host": "\(target.host)", "reason": "\(message)"])
        let bytes = TLSAlert.record(alert)
        _ = bytes.withUnsafeBytes { try? Posix.send(client.fd, $0.baseAddress!, $0.count) }
        target.record.bytesOut += UInt64(bytes.count)
        Posix.shutdownWrite(client.fd)
        close()
    }

    /// Maps a failure reported through `failExchange` before the client handshake to the alert.
    func refuseIntercept(code: String, violation: ViolationCode?, message: String) {
        let found = violation ?? ViolationCode(rawValue: code)
        let alert: UInt8
        switch found {
        case .hostNotAllowed?, .privateAddress?, .portNotAllowed?, .nonFIPSEndpoint?, .unknownAWSEndpoint?:
            alert = TLSAlert.accessDenied
        case .certUntrusted?, .certNameMismatch?, .legacyTLSNegotiated?, .handshakeAlert?, .weakCipher?:
            alert = TLSAlert.handshakeFailure
        default:
            alert = TLSAlert.internalError
        }
        refuseIntercept(alert: alert, violation: found, message: message)
    }

    // MARK: - The client side as a TLS server session

    /// ``readClient()`` for an intercepted client: decrypted bytes into `clientIn`.
    func readClient(_ tls: TLSConnection) -> Int? {
        switch tls.read(into: clientIn.writePointer, count: clientIn.writableCount) {
        case .bytes(let n):
            clientIn.didWrite(n)
            clientWaitsWritable = false
            // Records OpenSSL holds do not make the socket readable again; an empty OpenSSL
            // buffer leaves the rest to the (level-triggered) event source.
            if !tls.hasBufferedInput { clientReadable = false }
            return n
        case .wantRead:
            clientReadable = false
            return nil
        case .wantWrite:
            clientWritable = false
            clientWaitsWritable = true
            return nil
        case .closed:
            return 0
        case .failed(let error):
            clientEOF = true
            abort(reason: "client TLS error: \(error.message)")
            return nil
        }
    }

    /// ``sendClient(_:_:_:_:)`` for an intercepted client: one TLS record per call. A response
    /// head with body bytes behind it (the gather write) goes out as one record when the head fits
    /// in the parsed upstream head's place in `upIn`, right before the body (one encryption and one
    /// system call for a small response); otherwise the head alone, and the caller sends the body.
    func sendClient(_ tls: TLSConnection, _ ptr: UnsafeRawPointer, _ count: Int,
                    _ more: UnsafeRawPointer?, _ moreCount: Int) -> Int? {
        if let more, moreCount > 0, upIn.readerIndex >= count, more == UnsafeRawPointer(upIn.readPointer) {
            // The bytes before readPointer are the upstream head, already parsed (its fields
            // were copied out): the client head takes their place, contiguous with the body. A
            // retry after want-write copies the same bytes to the same place again.
            let start = upIn.readPointer - count
            start.copyMemory(from: ptr, byteCount: count)
            return writeClient(tls, UnsafeRawPointer(start), count + moreCount)
        }
        return writeClient(tls, ptr, count)
    }

    private func writeClient(_ tls: TLSConnection, _ ptr: UnsafeRawPointer, _ count: Int) -> Int? {
        switch tls.write(ptr, count: count) {
        case .bytes(let n):
            clientWaitsReadable = false
            return n
        case .wantWrite:
            clientWritable = false
            return nil
        case .wantRead:
            clientReadable = false
            clientWaitsReadable = true
            return nil
        case .closed:
            abort(reason: "client closed the TLS session")
            return nil
        case .failed(let error):
            abort(reason: "client TLS error: \(error.message)")
            return nil
        }
    }

    // MARK: - Requests inside

    /// The target of a request inside an intercepted CONNECT as an https URI for the CONNECT
    /// host: origin-form (`/path`), `*`, or absolute-form naming that host. `hostMismatch` is set
    /// when the Host field (or the absolute-form authority) names another host. Nil when the
    /// request was refused (answered and audited here).
    func interceptedURI(_ head: HTTPRequestHead, _ target: InterceptTarget, headBytes: Int) -> (AbsoluteURI, hostMismatch: Bool)? {
        let explicitPort: Int? = target.port == 443 ? nil : target.port
        var mismatch = false
        let pathAndQuery: String
        var userInfo: String?   // checked by the caller (CredentialsInURL), as in forward mode
        if head.target.hasPrefix("/") || (head.target == "*" && head.method == "OPTIONS") {
            pathAndQuery = head.target
        } else if let absolute = AbsoluteURI.parse(head.target), absolute.scheme == "https" {
            mismatch = HostName.normalize(absolute.host) != target.host || absolute.effectivePort != target.port
            pathAndQuery = absolute.pathAndQuery
            userInfo = absolute.userInfo
        } else {
            respondError(status: 400, code: "bad_request",
                         message: "inside an intercepted CONNECT, send origin-form requests (GET /path)")
            auditRefusal(head: head, host: target.host, port: target.port, path: nil, status: 400, violation: nil,
                         reason: "request target is neither origin-form nor an https URI", headBytes: headBytes)
            return nil
        }
        let uri = AbsoluteURI(scheme: "https", userInfo: userInfo, host: target.host, port: explicitPort, pathAndQuery: pathAndQuery)
        if head.headers.withFirstValueBytes("host", { uri.matchesHostHeader(bytes: $0) }) == false { mismatch = true }
        if mismatch && env.settings.policy.mode == .enforce {
            let reason = target.hostMismatchReason
            respondError(status: 421, code: ViolationCode.hostHeaderMismatch.rawValue, message: reason)
            auditRefusal(head: head, host: target.host, port: target.port, path: Redaction.redactTarget(pathAndQuery),
                         status: 421, violation: .hostHeaderMismatch, reason: reason, headBytes: headBytes)
            return nil
        }
        return (uri, mismatch)
    }

    /// An upstream redirect to `http://` from an intercepted (https) origin: reported.
    func checkRedirect(_ head: HTTPResponseHead, _ ex: ForwardExchange) {
        guard (300...399).contains(head.status), let location = head.headers.first("location"),
              location.utf8.count >= 7, location.prefix(7).lowercased() == "http://" else { return }
        ex.addViolation(.insecureRedirect, "\(ex.host) redirects to an insecure http:// URL")
        if ex.decision == .allow { ex.decision = .report }
    }

    /// The CONNECT's own `tunnel` line (mode intercept), written once when the connection ends.
    func writeInterceptTunnelLine() {
        intercept?.writeTunnelLine(env: env, client: clientText)
    }
}


extension InterceptTarget {
    /// The CONNECT's own `tunnel` line (mode intercept), written once when the connection ends
    /// (by the forward session serving it, or the HTTP/2 session).
    func writeTunnelLine(env: ProxyEnvironment, client: String) {
        guard !audited else { return }
        audited = true
        let target = self
        var line = AuditRecord(event: .tunnel, mode: .intercept)
        line.client = client
        line.host = record.host
        line.port = record.port
        line.method = "CONNECT"
        line.status = record.status
        line.tlsVersion = record.tlsVersion
        line.cipher = record.cipher
        line.decision = record.decision
        line.violations = record.violations.map(\.rawValue)
        line.reason = record.reason
        line.bytesIn = Int(record.bytesIn)
        line.bytesOut = Int(record.bytesOut)
        line.durationMs = Double(monotonicNanos() &- record.startedNanos) / 1e6
        line.sni = record.sni
        line.alpn = record.alpn
        line.clientTLSMax = record.clientTLSMax
        line.extra = [("client_tls_version", target.clientTLSVersion.map { .string($0) } ?? .null),
                      ("client_cipher", target.clientCipher.map { .string($0) } ?? .null),
                      ("requests", .int(target.requests))] + record.awsFields
        env.audit.write(line)
        record.writeViolationLines(line, env: env)
    }
}
