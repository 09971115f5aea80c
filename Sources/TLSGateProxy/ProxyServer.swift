import CShims
import Dispatch
import Glibc
import Logging
import TLSGateAudit
import TLSGateHTTP
import TLSGateIO
import TLSGatePolicy

/// The listening proxy: admits client connections (allowlist, limits) and gives each a session
/// on one of the event-loop queues (one per core).
public final class ProxyServer: @unchecked Sendable {
    private let listener: Listener
    private let acceptQueue = DispatchQueue(label: "tlsgate.accept")
    private let environmentLock = Lock()
    private var environment: ProxyEnvironment
    private let registry = ConnectionRegistry()
    /// One serial queue per core: sessions are spread over them, and a busy loop queue drains
    /// many sessions' events per thread wake-up instead of handing each event to a new thread.
    private let loops: [DispatchQueue]
    /// Idle upstream connections, one pool per loop (sources are bound to their queue).
    private let pools: [UpstreamPool]
    private var nextLoop = 0
    private let stateLock = Lock()
    private var draining = false
    private var lastRejectLog: UInt64 = 0
    private var lastAcceptErrorLog: UInt64 = 0
    /// Most connections open since the heap was last trimmed (accept queue only).
    private var peakSinceTrim = 0
    private var housekeeping: DispatchSourceTimer?

    /// The address actually listened on (resolves port 0).
    public var boundAddress: SocketAddress { listener.boundAddress }

    /// Binds the listening socket (fails fast on a busy port).
    public init(listen address: SocketAddress, environment: ProxyEnvironment) throws(IOError) {
        self.environment = environment
        var cores = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        if let text = getenv("TLSGATE_LOOPS").map({ String(cString: $0) }), let n = Int(text), (1...256).contains(n) { cores = n }
        self.loops = (0..<cores).map { DispatchQueue(label: "tlsgate.loop.\($0)", target: .global()) }
        self.pools = loops.map { UpstreamPool(queue: $0) }
        self.listener = try Listener(address: address, queue: acceptQueue)
    }

    /// Starts accepting connections.
    public func start() {
        listener.start(onAccept: { [self] fd, address in
            accept(fd, address)
        }, onError: { [self] error in
            // Runs on the accept queue; at most one line a second (EMFILE can repeat).
            let now = monotonicNanos()
            if now &- lastAcceptErrorLog > 1_000_000_000 {
                lastAcceptErrorLog = now
                currentEnvironment.logger.error("accept failed; pausing accepts briefly", metadata: ["error": "\(error)"])
            }
        })
        startHousekeeping()
    }

    /// Every 15 s: after a load peak has passed, give freed heap back to the OS (glibc keeps it
    /// otherwise, and RSS would stay at the peak).
    private func startHousekeeping() {
        let timer = DispatchSource.makeTimerSource(queue: acceptQueue)
        timer.schedule(deadline: .now() + 15, repeating: 15, leeway: .seconds(1))
        timer.setEventHandler { [unowned self] in
            let open = registry.count
            if peakSinceTrim >= 64 && open <= peakSinceTrim / 2 {
                _ = tg_malloc_trim()
                peakSinceTrim = open
            }
        }
        timer.resume()
        housekeeping = timer
    }

    /// New sessions use `environment` from now on; existing sessions keep theirs.
    public func replaceEnvironment(_ environment: ProxyEnvironment) {
        environmentLock.withLock { self.environment = environment }
    }

    public var currentEnvironment: ProxyEnvironment { environmentLock.withLock { environment } }

    /// Open client connections (forward sessions and tunnels).
    public var connectionCount: Int { registry.count }

    public var isDraining: Bool { stateLock.withLock { draining } }

    /// Graceful shutdown, step 1: stop accepting; idle keep-alive connections close now, busy ones
    /// after their current exchange; tunnels run on.
    public func startDraining() {
        stateLock.withLock { draining = true }
        listener.stop()
        registry.drainAll()
    }

    /// Graceful shutdown, step 2 (grace period over): close everything still open; each session
    /// writes its audit line as it closes.
    public func closeAll() {
        registry.closeAll()
    }

    private func accept(_ fd: Int32, _ address: SocketAddress) {
        let env = currentEnvironment
        let loopIndex = nextLoop % loops.count   // accept() runs on the serial accept queue
        nextLoop &+= 1
        let queue = loops[loopIndex]
        let ip = IPAddress(bytes: address.ipBytes)
        let slot = ConnectionSlot(client: ip, queue: queue)
        let settings = env.settings

        if !settings.allowClients.isEmpty, !(ip.map { ip in settings.allowClients.contains { $0.contains(ip) } } ?? false) {
            reject(fd, address, env: env, queue: queue, status: 403, code: .clientNotAllowed, reason: "not_allowed",
                   message: "client \(address.ipString) is not in allow_clients")
            return
        }
        if isDraining {
            reject(fd, address, env: env, queue: queue, status: 503, code: nil, reason: "draining", message: "tlsgate is shutting down")
            return
        }
        switch registry.admit(slot, maxTotal: settings.maxConnections, maxPerClient: settings.maxConnectionsPerClient) {
        case .admitted:
            break
        case .overTotal:
            reject(fd, address, env: env, queue: queue, status: 503, code: nil, reason: "max_connections",
                   message: "too many connections (limits.max_connections = \(settings.maxConnections))")
            return
        case .overPerClient:
            reject(fd, address, env: env, queue: queue, status: 503, code: nil, reason: "per_client",
                   message: "too many connections from \(address.ipString) (limits.max_connections_per_client = \(settings.maxConnectionsPerClient))")
            return
        }
        let registry = self.registry
        let session = ForwardSession(env: env, queue: queue, fd: fd, clientAddress: address, slot: slot,
                                     pool: pools[loopIndex],
                                     currentEnvironment: { [unowned self] in currentEnvironment }) {
            registry.remove(slot)
        }
        slot.session = session
        peakSinceTrim = max(peakSinceTrim, registry.count)
        env.metrics.connectionOpened(mode: "forward")
        queue.async { session.start() }
    }

    /// Answers a connection that is not admitted with an error, logs it (rate-limited) and
    /// audits it, then closes it gracefully.
    private func reject(_ fd: Int32, _ address: SocketAddress, env: ProxyEnvironment, queue: DispatchQueue,
                        status: Int, code: ViolationCode?, reason: String, message: String) {
        let now = monotonicNanos()
        if now &- lastRejectLog > 1_000_000_000 {
            lastRejectLog = now
            env.logger.warning("connection refused", metadata: ["client": "\(address)", "reason": "\(message)"])
        }
        var record = AuditRecord(event: .request, mode: .forward)
        record.client = address.description
        record.status = status
        record.decision = .deny
        record.violations = code.map { [$0.rawValue] } ?? []
        record.reason = message
        env.audit.write(record)
        env.metrics.rejectedConnection(reason: reason)
        if let code { env.metrics.violation(code.rawValue) }
        let session = ForwardSession(env: env, queue: queue, fd: fd, clientAddress: address, slot: nil, pool: nil) {}
        queue.async {
            session.startRejected(status: status, code: code?.rawValue ?? "connection_limit", message: message)
        }
    }
}
