import Dispatch
import Glibc
import TLSGateAudit
import TLSGateHTTP
import TLSGateIO
import TLSGatePolicy
import TLSGateTLS

extension ForwardSession {
    // MARK: - Relay

    /// Moves bytes client → upstream and upstream → client until nothing more can move.
    func pumpExchange() -> Bool {
        if let stream = h2Stream { return pumpHTTP2Exchange(stream) }
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
        if let ex = exchange, ex.responseComplete, ex.requestComplete, upstreamSlot != nil {
            // The upstream side of the exchange is over: give its per-host slot back before the
            // client can see the end of the response and ask again (on another loop, maybe).
            releaseUpstreamSlot()
        }
        progress = flushClient() || progress
        guard phase == .exchanging else { return true }
        if progress { lastProgressNanos = loop.time }
        if let ex = exchange, ex.requestComplete, ex.responseComplete, ex.responseForwardable == 0, clientPending.isEmpty, upPending.isEmpty {
            finishExchange()
            return true
        }
        if let ex = exchange, ex.responseComplete, !ex.requestComplete, ex.responseForwardable == 0, clientPending.isEmpty {
            // The server answered before the request body ended: no keep-alive possible.
            ex.requestComplete = true
            writeAudit(ex, status: ex.responseHead?.status, reason: "response completed before the request body", upstream: upstream ?? h2Stream?.connection.link)
            exchange = nil
            close()
            return false
        }
        return progress
    }

    func writeUpstream(_ up: UpstreamLink) -> Bool {
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

    func readRequestBody() -> Bool {
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

    func readUpstream(_ up: UpstreamLink) -> Bool {
        if upIn.writableCount < 16 * 1024 { upIn.compact() }
        guard upIn.writableCount > 0 else { return false }
        var got = 0      // plaintext bytes read by this call
        var last = 0     // size of the last record read
        var rounds = 0
        var result: TLSIOResult
        // SSL_read returns one record at a time. Records OpenSSL already holds (read ahead by the
        // same system call) are taken too while there is room, so the client gets them in one send.
        repeat {
            result = up.tls.read(into: upIn.writePointer, count: upIn.writableCount)
            guard case .bytes(let n) = result else { break }
            up.readNeedsWrite = false
            upIn.didWrite(n)
            got += n
            last = n
            rounds += 1
        } while rounds < 8 && up.tls.hasBufferedInput && upIn.writableCount >= 16 * 1024
        if got > 0 {
            // Less than a full record and nothing buffered in OpenSSL: the socket is very likely
            // drained, so skip the read that would only say EAGAIN (the loop reports more if not).
            if last < 16 * 1024 && !up.tls.hasBufferedInput { up.readable = false }
            processResponseBytes()
            // The bytes may have ended the exchange (or the session); otherwise what stopped the
            // batch (would block, end of stream, an error) is handled below.
            guard phase == .exchanging, upstream === up else { return true }
        }
        switch result {
        case .bytes:
            return true
        case .wantRead:
            up.readable = false
            return got > 0
        case .wantWrite:
            up.readNeedsWrite = true
            up.writable = false
            return got > 0
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
        while let ex = exchange, !ex.responseComplete {
            let unclassified = upIn.readableCount - ex.responseForwardable
            guard unclassified > 0 else { return }
            let bytes = UnsafeRawBufferPointer(start: upIn.readPointer + ex.responseForwardable, count: unclassified)
            if ex.responseHead == nil {
                switch ex.responseParser.parseResponse(bytes) {
                case .incomplete:
                    return
                case .invalid(let error):
                    failExchange(status: 502, code: "bad_upstream_response", violation: nil,
                                 message: "invalid response from \(ex.host): \(error.reason)")
                    return
                case .complete(let head, let consumed):
                    upIn.didRead(consumed)
                    ex.responseParser.reset()
                    if head.isInformational {
                        clientPending.append(clientResponseHead(head, keepAlive: true, clientVersion: ex.head.version))
                        continue
                    }
                    let framing: BodyFraming
                    switch responseFraming(head, requestMethod: ex.head.method) {
                    case .success(let f): framing = f
                    case .failure(let error):
                        failExchange(status: 502, code: "bad_upstream_response", violation: nil,
                                     message: "invalid response framing from \(ex.host): \(error.reason)")
                        return
                    }
                    ex.responseHead = head
                    if intercept != nil { checkRedirect(head, ex) }
                    let keepAlive = ex.clientKeepsAlive && ex.upstreamKeepsAlive && framing != .untilClose
                    clientPending.append(clientResponseHead(head, keepAlive: keepAlive, clientVersion: ex.head.version))
                    ex.responseStarted = true
                    ex.responseTracker = BodyTracker(framing)
                    ex.responseFraming = framing
                    ex.responseComplete = ex.responseTracker!.isComplete   // no body, or Content-Length: 0
                }
            } else {
                do {
                    let (consumed, complete) = try ex.responseTracker!.consume(bytes)
                    ex.responseForwardable += consumed
                    ex.responseComplete = complete
                    if complete && consumed < unclassified {
                        // Bytes after the response end: the upstream connection is unusable.
                        upstream?.eof = true
                    }
                    return
                } catch {
                    abort(reason: "malformed response body from \(ex.host): \(error.reason)")
                    return
                }
            }
        }
    }

    /// A reused connection the server had already closed: retry the request once on a fresh
    /// connection when that is safe (idempotent, no body, nothing of a response received).
    func retryOnFreshConnection() -> Bool {
        guard let ex = exchange, ex.reusedUpstream, !ex.retried, ex.responseHead == nil, !ex.responseStarted,
              ex.requestTracker.isComplete, ex.bodyless,
              ["GET", "HEAD", "OPTIONS", "DELETE", "TRACE", "PUT"].contains(ex.head.method) else { return false }
        ex.retried = true
        ex.reusedUpstream = false
        ex.responseParser.reset()
        dropUpstream(sendCloseNotify: false)
        env.logger.debug("retrying on a fresh upstream connection", metadata: ["host": "\(ex.host)"])
        connectUpstream(host: ex.host, port: ex.port)
        return true
    }

    /// The upstream closed its TLS session (or TCP) while an exchange was active.
    func upstreamEnded() {
        guard let ex = exchange else { return }
        if ex.responseHead == nil, retryOnFreshConnection() { return }
        if ex.responseHead == nil {
            failExchange(status: 502, code: "upstream_closed", violation: nil,
                         message: "\(ex.host) closed the connection without a response")
            return
        }
        if ex.responseTracker != nil, !ex.responseComplete {
            if case .untilClose? = ex.responseFraming {
                ex.responseComplete = true
            } else {
                abort(reason: "\(ex.host) closed the connection mid-response")
            }
        }
    }

    func upstreamBroke(_ up: UpstreamLink, reason: String) {
        up.eof = true
        if retryOnFreshConnection() { return }
        if let ex = exchange, ex.responseStarted {
            abort(reason: reason)
        } else {
            failExchange(status: 502, code: "upstream_closed", violation: nil, message: reason)
        }
    }

    /// Both messages are complete: audit, then keep the connection for the next request or close.
    func finishExchange() {
        guard let ex = exchange else { return }
        exchange = nil
        requestsServed += 1
        intercept?.requests += 1
        writeAudit(ex, status: ex.responseHead?.status, reason: nil, upstream: upstream ?? h2Stream?.connection.link)
        let framingOK: Bool = {
            if case .untilClose? = ex.responseFraming { return false }
            return true
        }()
        let keepClient = ex.clientKeepsAlive && ex.upstreamKeepsAlive && framingOK && !clientEOF && !draining
        let keepUpstream = ex.upstreamKeepsAlive && framingOK && !(upstream?.eof ?? true)
        if keepUpstream {
            // A client that goes on sending keeps its upstream connection (no pool round trip per
            // request). One that leaves gives it to the loop's pool now, and one that stays idle
            // for `parkUpstreamAfter` gives it then (see timerFired): idle clients hold no upstream
            // connections, thousands of them share a bounded pool. (Its per-host slot went back
            // before the response was flushed, in pumpExchange.)
            upstreamIdle = true
            if !keepClient { releaseUpstream() }
        } else {
            dropUpstream(sendCloseNotify: true)
        }
        upIn.clear()
        // Buffers go back to the loop's pool between requests, not after an idle second: a burst
        // of clients each holding 128 KiB for a second leaves the heap fragmented long after.
        upIn.releaseIfEmpty()
        guard keepClient else {
            requestFullyRead = ex.requestComplete
            phase = .closingAfterFlush
            timer.arm(after: 5)
            return
        }
        phase = .readingHead
        headDeadlineArmed = !clientIn.isEmpty
        clientIn.releaseIfEmpty()   // an idle keep-alive connection holds no buffer memory
        idleSinceNanos = loop.time
        if !clientIn.isEmpty {
            timer.arm(after: env.settings.requestHeadTimeout)
        } else {
            timer.arm(after: upstream == nil ? env.settings.idleTimeout : min(Self.parkUpstreamAfter, env.settings.idleTimeout))
        }
    }

    /// The exchange failed: audit it, then answer with a proxy error (or just close when part of
    /// the response already reached the client).
    func failExchange(status: Int, code: String, violation: ViolationCode?, message: String) {
        if exchange == nil, interceptHandshakePending {
            refuseIntercept(code: code, violation: violation, message: message)
            return
        }
        guard let ex = exchange else {
            respondError(status: status, code: code, message: message)
            return
        }
        if let violation, !ex.violations.contains(violation) { ex.violations.append(violation) }
        if violation != nil, ex.decision == .allow { ex.decision = .deny }
        // A 5xx that policy did not decide (DNS, connect, timeout, upstream closed) is an error.
        if violation == nil, ex.decision != .deny, status >= 500 { ex.error = code }
        exchange = nil
        if ex.responseStarted {
            writeAudit(ex, status: ex.responseHead?.status, reason: message, upstream: upstream ?? h2Stream?.connection.link)
            close()
        } else {
            let link = upstream ?? h2Stream?.connection.link   // respondError drops it; the audit line still names it
            ex.bytesOut += UInt64(respondError(status: status, code: code, message: message))
            writeAudit(ex, status: status, reason: message, upstream: link)
        }
    }
}
