import Logging
import TLSGateIO

/// The admin HTTP/1.1 endpoint, on a listener of its own (never the proxy port):
///
/// - `GET /healthz` → 200 `ok` while serving, 503 `draining` while draining;
/// - `GET /readyz` → 200 `ready` when ready, 503 `not ready` otherwise;
/// - `GET /metrics` → 200 `text/plain; version=0.0.4` with the metrics handler's exposition;
/// - `POST /reload` → 200 with the reload handler's message, or 500 with its error;
/// - `HEAD` works wherever `GET` does; unknown paths → 404; a wrong method → 405 with `Allow`;
///   a malformed head → 400 (431 when too large, 505 for another HTTP version).
///
/// One request per connection (`Connection: close`). Everything — accepting, I/O and the handlers —
/// runs on one event loop (thread) of the server's own, so admin traffic never runs on a proxy loop.
/// Bounded by ``AdminLimits``: head size, one deadline per connection, concurrent connections
/// (excess connections get a 503 and are closed).
public final class AdminServer: @unchecked Sendable {
    private let loop: EventLoop
    private let listener: Listener
    private let handlers: AdminHandlers
    private let limits: AdminLimits
    private let logger: Logger
    // Confined to `loop`.
    private var connections: [ObjectIdentifier: AdminConnection] = [:]
    private var started = false
    private var stopped = false

    /// The address actually listened on (resolves port 0).
    public var boundAddress: SocketAddress { listener.boundAddress }

    /// Binds the admin socket (fails fast on a busy port); serves nothing until ``start()``.
    public init(listen address: SocketAddress, handlers: AdminHandlers, logger: Logger,
                limits: AdminLimits = AdminLimits()) throws(IOError) {
        let loop = try EventLoop(name: "tlsgate.admin")
        self.loop = loop
        self.handlers = handlers
        self.limits = limits
        self.logger = logger
        self.listener = try Listener(address: address, backlog: 128, loop: loop)
    }

    /// Starts accepting admin connections. Idempotent; does nothing after ``stop()``.
    public func start() {
        onLoop {
            guard !started, !stopped else { return }
            started = true
            listener.start(onAccept: { [self] fd, peer, _ in
                accept(fd, peer)
            }, onError: { [self] error in
                logger.warning("admin accept failed", metadata: ["error": "\(error)"])
            })
        }
    }

    /// Stops accepting and closes every admin connection (a response in flight is cut). Idempotent;
    /// may be called from any thread, including from a handler.
    public func stop() {
        onLoop {
            guard !stopped else { return }
            stopped = true
            listener.stop()
            let open = Array(connections.values)
            for connection in open { connection.close() }
            connections.removeAll()
        }
    }

    /// Admin connections currently open.
    public var connectionCount: Int { onLoop { connections.count } }

    private func accept(_ fd: Int32, _ peer: SocketAddress) {
        guard !stopped else { Posix.close(fd); return }
        guard connections.count < limits.maxConnections else {
            refuse(fd)
            logger.warning("admin connection refused: too many connections",
                           metadata: ["peer": "\(peer)", "limit": "\(limits.maxConnections)"])
            return
        }
        let connection = AdminConnection(fd: fd, peer: peer, loop: loop, handlers: handlers, limits: limits,
                                         logger: logger) { [self] closed in
            connections[ObjectIdentifier(closed)] = nil
        }
        connections[ObjectIdentifier(connection)] = connection
        connection.start()
    }

    /// Best-effort 503 on a fresh socket (fits its send buffer), then close.
    private func refuse(_ fd: Int32) {
        let response = AdminResponse.text(503, "too many admin connections").serialized(includeBody: true)
        response.withUnsafeBytes { bytes in
            if let base = bytes.baseAddress { _ = try? Posix.send(fd, base, bytes.count) }
        }
        Posix.shutdownWrite(fd)
        Posix.close(fd)
    }

    /// Runs `body` on the server's loop, inline when already there.
    private func onLoop<R>(_ body: () -> R) -> R {
        loop.sync(body)
    }

    deinit {
        loop.stop()
    }
}
