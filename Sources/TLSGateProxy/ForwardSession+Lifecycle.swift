import Dispatch
import Glibc
import Logging
import TLSGateAudit
import TLSGateHTTP
import TLSGateIO
import TLSGatePolicy
import TLSGateTLS

extension ForwardSession {
    // MARK: - Timeouts

    func timerFired() {
        switch phase {
        case .readingHead:
            if clientIn.isEmpty && !headDeadlineArmed {
                let idle = Double(monotonicNanos() &- idleSinceNanos) / 1e9
                if let up = upstream, upstreamIdle {
                    // Idle client: its upstream connection goes to the pool, without the TLS
                    // record buffers it kept while busy.
                    up.tls.releaseBuffers()
                    releaseUpstream()
                }
                if idle + 0.05 < env.settings.idleTimeout {
                    timer.arm(after: env.settings.idleTimeout - idle)
                    return
                }
                close()   // idle keep-alive connection
            } else if clientIn.isEmpty && requestsServed > 0 {
                close()
            } else {
                let received = clientIn.readableCount
                let sent = respondError(status: 408, code: "request_timeout", message: "request head not received in time")
                var record = AuditRecord(event: .request, mode: auditMode)
                record.client = clientAddress.description
                record.status = 408
                record.decision = .deny
                record.reason = "request head not complete within \(env.settings.requestHeadTimeout)s"
                record.bytesIn = received
                record.bytesOut = sent
                env.audit.write(record)
                env.metrics.request(status: 408)
            }
        case .connecting:
            let waited = connector?.waitingFor ?? "the upstream"
            connector?.cancel()
            connector = nil
            failExchange(status: 502, code: ViolationCode.upstreamUnreachable.rawValue, violation: nil,
                         message: "connecting to \(exchange?.host ?? "upstream") timed out after \(env.settings.connectTimeout)s waiting for \(waited)")
        case .handshaking:
            failExchange(status: 502, code: "upstream_tls_failed", violation: nil,
                         message: "TLS handshake with \(exchange?.host ?? intercept?.host ?? "upstream") timed out")
        case .clientHandshaking:
            intercept?.record.reason = "client TLS handshake not complete within \(env.settings.handshakeTimeout)s"
            close()
        case .exchanging:
            let idle = Double(monotonicNanos() &- lastProgressNanos) / 1e9
            if idle + 0.05 < env.settings.idleTimeout {
                timer.arm(after: env.settings.idleTimeout - idle)
                return
            }
            if let ex = exchange, !ex.responseStarted {
                failExchange(status: 504, code: "upstream_timeout", violation: nil, message: "upstream did not answer in time")
            } else {
                env.logger.warning("exchange idle, closing", metadata: ["state": "\(stateSummary)"])
                abort(reason: "exchange idle for \(env.settings.idleTimeout)s")
            }
        case .closingAfterFlush, .lingering:
            close()
        case .closed, .handedOff:
            break
        }
    }

    // MARK: - Closing

    /// Queues a proxy-made error response (when nothing of a response was sent yet) and closes
    /// after it is flushed; otherwise closes at once.
    @discardableResult
    func respondError(status: Int, code: String, message: String) -> Int {
        if let ex = exchange, ex.responseStarted {
            abort(reason: message)
            return 0
        }
        let response = ProxyResponse.error(status: status, code: code, message: message, keepAlive: false)
        clientPending.append(response)
        dropUpstream(sendCloseNotify: true)
        phase = .closingAfterFlush
        timer.arm(after: 5)
        return response.count
    }

    /// The last response byte is out. A client that sent its whole request and has nothing
    /// unread in our socket gets a plain close (a FIN after the data); otherwise our side shuts
    /// down and its input is discarded until its EOF, so that closing with unread input cannot
    /// reset the connection before it has read the response.
    func finishClosing() {
        if requestFullyRead && clientIn.isEmpty {
            if clientEOF { close(); return }
            switch readClient() {
            case nil:
                if phase != .closed { close() }   // would block: nothing pending (or the read failed and closed)
                return
            case 0?:
                close()
                return
            default:
                break
            }
        }
        startLingering()
    }

    func startLingering() {
        clientTLS?.shutdown()   // close_notify first
        Posix.shutdownWrite(client.fd)
        phase = .lingering
        timer.arm(after: 2)
    }

    func discardInput() -> Bool {
        guard clientReadable, !clientEOF else { return false }
        clientIn.clear()
        switch readClient() {
        case .some(0):
            close()
            return false
        case .some:
            return true
        case .none:
            return false
        }
    }

    /// Closes both sides now (an exchange in progress is audited as failed).
    func abort(reason: String) {
        if let ex = exchange {
            exchange = nil
            writeAudit(ex, status: ex.responseHead?.status, reason: reason, upstream: upstream ?? h2Stream?.connection.link)
        }
        close()
    }

    func close() {
        guard phase != .closed, phase != .handedOff else { return }
        phase = .closed
        connector?.cancel()
        connector = nil
        releaseUpstream()
        if let tls = clientTLS, !clientEOF { tls.shutdown() }
        client.close()
        timer?.cancel()
        if intercept != nil { writeInterceptTunnelLine() }
        if slot != nil { env.metrics.connectionClosed(mode: intercept == nil ? "forward" : "intercept") }
        onClose()
    }
}
