import TLSGateHTTP
import TLSGateHTTP2
import TLSGateTLS

/// HTTP/2 upstreams (`upstream.http2: auto`): an origin that picks `h2` by ALPN gets one shared
/// connection per event loop (``HTTP2UpstreamConnection``, kept by the loop's pool), and each
/// exchange runs on a stream of it (``HTTP2UpstreamStream``) instead of an ``UpstreamLink`` of its
/// own. Only the upstream side of the exchange differs: the stream hands back HTTP/1.1 bytes, so
/// response parsing, the client mapping, policy, audit and AWS facts are those of the HTTP/1.1 path.
extension ForwardSession {
    /// A shared HTTP/2 connection for `host:port` with room for a stream, if the pool has one.
    func pooledHTTP2Connection(host: String, port: Int) -> HTTP2UpstreamConnection? {
        guard env.settings.upstreamHTTP2, let pool, !pool.http2.isEmpty else { return nil }
        return pool.http2Connection(verdict(for: host).poolKey(port: port))
    }

    /// Runs the exchange on a pooled HTTP/2 connection when there is one for its host.
    func startOnHTTP2Upstream() -> Bool {
        guard let ex = exchange, let connection = pooledHTTP2Connection(host: ex.host, port: ex.port) else { return false }
        return attachHTTP2Stream(connection)
    }

    /// Opens the exchange's stream on `connection` and starts relaying.
    @discardableResult
    func attachHTTP2Stream(_ connection: HTTP2UpstreamConnection) -> Bool {
        guard let ex = exchange else { return false }
        let authority = ex.head.headers.first("host") ?? ex.uri.hostHeaderValue
        guard let stream = connection.open(ex.head, authority: authority, path: ex.uri.pathAndQuery,
                                           framing: ex.requestFraming, owner: self) else { return false }
        h2Stream = stream
        releaseUpstreamSlot()
        upstreamIdle = false
        phase = .exchanging
        lastProgressNanos = monotonicNanos()
        timer.arm(after: env.settings.idleTimeout)
        return true
    }

    /// The handshake of a new upstream connection picked `h2`: the connection goes to the loop's
    /// pool, shared, and this session's exchange (or intercepted client handshake) uses it.
    func adoptHTTP2Connection(_ up: UpstreamLink) {
        upstream = nil
        releaseUpstreamSlot()
        guard let pool else {
            up.close(sendCloseNotify: true)
            failExchange(status: 502, code: "upstream_tls_failed", violation: nil, message: "no pool for an HTTP/2 upstream")
            pump()
            return
        }
        let connection: HTTP2UpstreamConnection
        do {
            connection = try HTTP2UpstreamConnection(link: up, key: verdict(for: up.host).poolKey(port: up.port), pool: pool)
        } catch {
            up.close(sendCloseNotify: true)
            failExchange(status: 502, code: "upstream_tls_failed", violation: nil, message: "HTTP/2 session: \(error)")
            pump()
            return
        }
        pool.addHTTP2(connection)
        // The dialler's stream first (before the origin's SETTINGS let waiters in).
        if exchange == nil, interceptHandshakePending {
            upstreamVerifiedForIntercept(link: up)
        } else if exchange != nil, !attachHTTP2Stream(connection) {
            failExchange(status: 502, code: "upstream_closed", violation: nil, message: "\(up.host) refused a new HTTP/2 stream")
        }
        connection.start()
        endHTTP2Connect()
        pump()
    }

    // MARK: - Relay over a stream

    /// ``pumpExchange()`` for an exchange on an HTTP/2 stream.
    func pumpHTTP2Exchange(_ stream: HTTP2UpstreamStream) -> Bool {
        guard let ex = exchange else { return false }
        var progress = false
        if ex.requestForwardable > 0, !stream.requestEnded {
            do {
                let n = try stream.sendBody(UnsafeRawBufferPointer(start: clientIn.readPointer, count: ex.requestForwardable))
                if n > 0 {
                    clientIn.didRead(n)
                    ex.requestForwardable -= n
                    progress = true
                }
            } catch {
                abort(reason: "malformed request body from the client: \(error.reason)")
                return false
            }
        }
        if !ex.requestComplete, ex.requestForwardable == 0, clientReadable, !clientEOF {
            progress = readRequestBody() || progress
        }
        guard phase == .exchanging, exchange === ex else { return true }
        if !ex.responseComplete, ex.responseForwardable == 0, stream.hasResponseBytes {
            if upIn.writableCount < 16 * 1024 { upIn.compact() }
            if stream.take(into: upIn) > 0 {
                processResponseBytes()
                progress = true
            }
            guard phase == .exchanging, exchange === ex else { return true }
        }
        if !ex.responseComplete, ex.responseForwardable == 0, !stream.hasResponseBytes, let code = stream.resetCode {
            if stream.refused, retryHTTP2(ex, stream) { return true }
            let message = "\(ex.host) reset the HTTP/2 stream (\(code))"
            if ex.responseStarted { abort(reason: message) } else {
                failExchange(status: 502, code: "upstream_reset", violation: nil, message: message)
            }
            return true
        }
        progress = flushClient() || progress
        guard phase == .exchanging, exchange === ex else { return true }
        if progress { lastProgressNanos = loop.time }
        if ex.requestComplete, ex.responseComplete, ex.responseForwardable == 0, ex.requestForwardable == 0, clientPending.isEmpty {
            finishExchange()
            return true
        }
        if ex.responseComplete, !ex.requestComplete, ex.responseForwardable == 0, clientPending.isEmpty {
            // The origin answered before the request body ended: no keep-alive possible.
            ex.requestComplete = true
            writeAudit(ex, status: ex.responseHead?.status, reason: "response completed before the request body", upstream: stream.connection.link)
            exchange = nil
            close()
            return false
        }
        return progress
    }

    /// Retries of one request whose streams origins refused unprocessed.
    static let maxHTTP2Retries = 10

    /// The origin refused the stream unprocessed (REFUSED_STREAM, or above a GOAWAY's last stream):
    /// an idempotent request none of whose body was sent goes again, on another connection (or a
    /// new one), at most `maxHTTP2Retries` times (an origin ending connections after a few requests
    /// refuses the streams a burst put above its GOAWAY).
    func retryHTTP2(_ ex: ForwardExchange, _ stream: HTTP2UpstreamStream) -> Bool {
        guard ex.http2Retries < Self.maxHTTP2Retries, !ex.responseStarted, ex.responseHead == nil, !stream.bodySent,
              ["GET", "HEAD", "OPTIONS", "DELETE", "TRACE", "PUT"].contains(ex.head.method) else { return false }
        ex.http2Retries += 1
        h2Stream = nil
        stream.detach()
        upIn.clear()
        ex.responseParser.reset()
        env.metrics.upstreamHTTP2.retried()
        env.logger.debug("retrying a refused HTTP/2 stream", metadata: ["host": "\(ex.host)"])
        if startOnHTTP2Upstream() { return true }
        connectOrWaitForHTTP2(host: ex.host, port: ex.port)
        return true
    }

    // MARK: - Waiting for a stream

    /// Dials `host:port`, unless its origin is known to speak h2 here and a connection to it is
    /// being made: then the exchange queues for a stream on it (see UpstreamPool+HTTP2.swift).
    func connectOrWaitForHTTP2(host: String, port: Int) {
        if env.settings.upstreamHTTP2, let pool, !pool.http2Known.isEmpty {
            let key = verdict(for: host).poolKey(port: port)
            if pool.shouldWaitForHTTP2(key) {
                waitingForHTTP2 = true
                phase = .connecting
                timer.arm(after: env.settings.connectTimeout)
                pool.waitForHTTP2(key, self)
                return
            }
            if pool.http2Known.contains(key) {
                http2ConnectKey = key
                pool.http2ConnectStarted(key)
            }
        }
        connectUpstream(host: host, port: port)
    }

    /// The pool has a stream's room for this waiting exchange on `connection`.
    func resumeOnHTTP2(_ connection: HTTP2UpstreamConnection) {
        waitingForHTTP2 = false
        guard let ex = exchange, phase == .connecting else { return }
        if !attachHTTP2Stream(connection) {
            let id = ObjectIdentifier(ex), host = ex.host, port = ex.port
            loop.execute { [self] in
                guard exchange.map(ObjectIdentifier.init) == id, phase == .connecting else { return }
                connectOrWaitForHTTP2(host: host, port: port)
                pump()
            }
            return
        }
        loop.execute { [self] in pump() }
    }

    /// Every connection is full and none is being made: this waiting exchange dials one.
    func connectForHTTP2() {
        waitingForHTTP2 = false
        guard let ex = exchange, phase == .connecting, let pool else { return }
        let key = verdict(for: ex.host).poolKey(port: ex.port)
        http2ConnectKey = key
        pool.http2ConnectStarted(key)
        connectUpstream(host: ex.host, port: ex.port)
        loop.execute { [self] in pump() }
    }

    /// The connection this session was making for a known-h2 origin is done (made, or failed).
    func endHTTP2Connect() {
        guard let key = http2ConnectKey else { return }
        http2ConnectKey = nil
        pool?.http2ConnectEnded(key)
    }

    /// A new connection's origin chose HTTP/1.1: it no longer counts as an h2 origin here.
    func http2OriginChoseHTTP11(_ up: UpstreamLink) {
        guard let key = http2ConnectKey else { return }
        pool?.http2Known.remove(key)
        endHTTP2Connect()
    }
}
