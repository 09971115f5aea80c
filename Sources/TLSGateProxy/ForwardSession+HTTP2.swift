import TLSGateTLS

/// HTTP/2 interception: a client that picked `h2` by ALPN goes to an ``HTTP2InterceptSession``;
/// each of its streams comes back to a forward session of its own (``startBridgedStream(_:)``),
/// as HTTP/1.1 over a socket pair, so it takes the same request path (policy, audit, the pool).
extension ForwardSession {
    /// The client handshake chose `h2`: the connection (socket, TLS, timer, slot) now belongs to
    /// an HTTP/2 session; the verified upstream goes to the pool for its streams.
    func handOffToHTTP2(_ tls: TLSConnection, _ target: InterceptTarget) {
        phase = .handedOff
        releaseUpstream()
        let session = HTTP2InterceptSession(
            env: env, loop: loop, client: client, clientAddress: clientAddress, clientText: clientText, tls: tls,
            target: target, timer: timer, slot: slot, pool: pool, verdicts: verdicts,
            environments: environments, environmentGeneration: environmentGeneration, onClose: onClose)
        timer = nil
        slot?.session = session
        session.start()
    }

    /// Serves one HTTP/2 stream of an intercepted connection: plain HTTP/1.1 on this socket (one
    /// end of a pair), requests for `target`'s host, audited as HTTP/2.
    func startBridgedStream(_ target: InterceptTarget) {
        intercept = target
        timer = SessionTimer(loop: loop) { [self] in timerFired(); pump() }
        client.setHandlers(readable: { [self] in clientReadable = true; pump() },
                           writable: { [self] in clientWritable = true; pump() })
        timer.arm(after: env.settings.requestHeadTimeout)
        headDeadlineArmed = true
        pump()
    }
}
