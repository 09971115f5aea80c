import Dispatch
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
/// runs on one serial queue of the server's own, so admin traffic never runs on a proxy loop.
/// Bounded by ``AdminLimits``: head size, one deadline per connection, concurrent connections
/// (excess connections get a 503 and are closed).
public final class AdminServer: @unchecked Sendable {
    private let queue: DispatchQueue
    private let queueKey = DispatchSpecificKey<Bool>()
    private let listener: Listener
    private let handlers: AdminHandlers
    private let limits: AdminLimits
    private let logger: Logger
    // Confined to `queue`.
    private var connections: [ObjectIdentifier: AdminConnection] = [:]
    private var started = false
    private var stopped = false

    /// The address actually listened on (resolves port 0).
    public var boundAddress: SocketAddress { listener.boundAddress }

    /// Binds the admin socket (fails fast on a busy port); serves nothing until ``start()``.
    public init(listen address: SocketAddress, handlers: AdminHandlers, logger: Logger,
                limits: AdminLimits = AdminLimits()) throws(IOError) {
        let queue = DispatchQueue(label: "tlsgate.admin")
        queue.setSpecific(key: queueKey, value: true)
        self.queue = queue
        self.handlers = handlers
        self.limits = limits
        self.logger = logger
        self.listener = try Listener(address: address, backlog: 128, queue: queue)
    }

    /// Starts accepting admin connections. Idempotent; does nothing after ``stop()``.
    public func start() {
        onQueue {
            guard !started, !stopped else { return }
            started = true
            listener.start(onAccept: { [self] fd, peer in
                accept(fd, peer)
            }, onError: { [self] error in
                logger.warning("admin accept failed", metadata: ["error": "\(error)"])
            })
        }
    }

    /// Stops accepting and closes every admin connection (a response in flight is cut). Idempotent;
    /// may be called from any thread, including from a handler.
    public func stop() {
        onQueue {
            guard !stopped else { return }
            stopped = true
            listener.stop()
            let open = Array(connections.values)
            for connection in open { connection.close() }
            connections.removeAll()
        }
    }

    /// Admin connections currently open.
    public var connectionCount: Int { onQueue { connections.count } }

    private func accept(_ fd: Int32, _ peer: SocketAddress) {
        guard !stopped else { Posix.close(fd); return }
        guard connections.count < limits.maxConnections else {
            refuse(fd)
            logger.warning("admin connection refused: too many connections",
                           metadata: ["peer": "\(peer)", "limit": "\(limits.maxConnections)"])
            return
        }
        let connection = AdminConnection(fd: fd, peer: peer, queue: queue, handlers: handlers, limits: limits,
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

    /// Runs `body` on the server queue, inline when already there.
    private func onQueue<R>(_ body: () -> R) -> R {
        if DispatchQueue.getSpecific(key: queueKey) == true { return body() }
        return queue.sync(execute: body)
    }
}
