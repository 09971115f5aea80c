import CShims
import Dispatch
import Glibc
import Logging
import Synchronization
import TLSGateAudit
import TLSGateHTTP
import TLSGateIO
import TLSGatePolicy

/// The listening proxy: admits client connections (allowlist, limits) and gives each a session
/// on the event loop that accepted it (one loop per core).
public final class ProxyServer: @unchecked Sendable {
    private let listener: Listener
    private let environments: EnvironmentSource
    private let registry: ConnectionRegistry
    /// One event loop (thread) per core. All loops watch the listening socket; the loop that
    /// accepts a connection serves it, and a busy loop handles many sessions' events per wake-up.
    private let loops: [EventLoop]
    /// Idle upstream connections, one pool per loop, in the order of `loops` (a connection is
    /// registered with its loop).
    private let pools: [UpstreamPool]
    /// Host verdicts, one cache per loop in the order of `loops` (no lock).
    private let verdictCaches: [HostVerdictCache]
    /// Guards the log rate limits (touched by every loop, rarely).
    private let stateLock = Lock()
    private let draining = Atomic<Bool>(false)
    private var lastRejectLog: UInt64 = 0
    private var lastAcceptErrorLog: UInt64 = 0
    /// Most connections open since the heap was last trimmed.
    private let peakSinceTrim = Atomic<Int>(0)
    private var housekeeping: DispatchSourceTimer?
    /// `TCP_DEFER_ACCEPT` on the listening socket: a silent connection is accepted after this long.
    static let deferAcceptSeconds: Int32 = 1

    /// The address actually listened on (resolves port 0).
    public var boundAddress: SocketAddress { listener.boundAddress }

    /// Binds the listening socket (fails fast on a busy port) and starts the event loops:
    /// `eventLoops` of them, or one per online core when nil. The `TLSGATE_LOOPS` environment
    /// variable (1...256) overrides both, for experiments and benchmarks.
    public init(listen address: SocketAddress, environment: ProxyEnvironment, eventLoops: Int? = nil) throws(IOError) {
        self.environments = EnvironmentSource(environment)
        var cores = eventLoops ?? max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        if let text = getenv("TLSGATE_LOOPS").map({ String(cString: $0) }), let n = Int(text), (1...256).contains(n) { cores = n }
        var loops: [EventLoop] = []
        for index in 0..<cores { loops.append(try EventLoop(name: "tlsgate.loop.\(index)")) }
        self.loops = loops
        self.pools = loops.map { UpstreamPool(loop: $0, metrics: environment.metrics) }
        self.verdictCaches = loops.map { _ in HostVerdictCache() }
        self.registry = ConnectionRegistry(loops: loops)
        // Clients speak first (a request head or CONNECT): the kernel hands a connection over once
        // its first bytes are in, so accepting it and reading the head is one wake-up, and a
        // client that stays silent costs no session for its first second.
        self.listener = try Listener(address: address, loops: loops, noDelay: true, deferAcceptSeconds: Self.deferAcceptSeconds)
    }

    /// Starts accepting connections.
    public func start() {
        listener.start(onAccept: { [self] fd, address, loop in
            accept(fd, address, on: loop)
        }, onError: { [self] error in
            // At most one line a second (EMFILE can repeat, on every loop).
            let now = monotonicNanos()
            let log = stateLock.withLock {
                guard now &- lastAcceptErrorLog > 1_000_000_000 else { return false }
                lastAcceptErrorLog = now
                return true
            }
            if log { currentEnvironment.logger.error("accept failed; pausing accepts briefly", metadata: ["error": "\(error)"]) }
        })
        startHousekeeping()
    }

    /// Every 15 s: after a load peak has passed, give freed heap back to the OS (glibc keeps it
    /// otherwise, and RSS would stay at the peak).
    private func startHousekeeping() {
        let timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        timer.schedule(deadline: .now() + 15, repeating: 15, leeway: .seconds(1))
        timer.setEventHandler { [unowned self] in
            let open = registry.count
            let peak = peakSinceTrim.load(ordering: .relaxed)
            if peak >= 64 && open <= peak / 2 {
                peakSinceTrim.store(open, ordering: .relaxed)
                _ = tg_malloc_trim()
            }
        }
        timer.resume()
        housekeeping = timer
    }

    /// New sessions use `environment` from now on; existing sessions keep theirs.
    public func replaceEnvironment(_ environment: ProxyEnvironment) {
        environments.replace(environment)
    }

    public var currentEnvironment: ProxyEnvironment { environments.current.0 }

    /// Event-loop threads serving connections.
    public var eventLoopCount: Int { loops.count }

    /// Open client connections (forward sessions and tunnels).
    public var connectionCount: Int { registry.count }

    /// Open client connections per event loop, in loop order (the balancer's counts).
    public var connectionsPerLoop: [Int] { (0..<loops.count).map { registry.balancer.load($0) } }

    public var isDraining: Bool { draining.load(ordering: .acquiring) }

    /// Graceful shutdown, step 1: stop accepting; idle keep-alive connections close now, busy ones
    /// after their current exchange; tunnels run on.
    public func startDraining() {
        draining.store(true, ordering: .releasing)
        listener.stop()
        registry.drainAll()
    }

    /// Graceful shutdown, step 2 (grace period over): close everything still open; each session
    /// writes its audit line as it closes.
    public func closeAll() {
        registry.closeAll()
    }

    /// A connection accepted by `loop` (runs there): served there, or handed to a less busy loop
    /// (see ``LoopBalancer``).
    private func accept(_ fd: Int32, _ address: SocketAddress, on loop: EventLoop) {
        // Per-loop state sits at the loop's position in `loops` (a few loops: a scan beats hashing).
        let accepted = loops.firstIndex { $0 === loop } ?? 0
        let index = registry.balancer.assign(acceptedOn: accepted)
        guard index == accepted else {
            // (A loop that has already stopped drops the task: only at exit, with every fd.)
            loops[index].execute { [self] in serve(fd, address, loopIndex: index) }
            return
        }
        serve(fd, address, loopIndex: index)
    }

    /// Admits (or refuses) a connection on the loop at `index` in `loops`, which serves it and
    /// was assigned it by the balancer. Runs on that loop.
    private func serve(_ fd: Int32, _ address: SocketAddress, loopIndex index: Int) {
        let loop = loops[index]
        let (env, generation) = environments.current
        // Fields read one by one: a copy of the whole settings struct costs a retain per field.
        // The client's address as an `IPAddress` only where a rule needs it.
        let checksClient = !env.settings.allowClients.isEmpty
        let ip = checksClient || env.settings.maxConnectionsPerClient > 0 ? IPAddress(bytes: address.ipBytes) : nil
        let slot = ConnectionSlot(client: ip, loopIndex: index, registry: registry)
        if checksClient, !(ip.map { ip in env.settings.allowClients.contains { $0.contains(ip) } } ?? false) {
            reject(fd, address, env: env, loopIndex: index, status: 403, code: .clientNotAllowed, reason: "not_allowed",
                   message: "client \(address.ipString) is not in allow_clients")
            return
        }
        if isDraining {
            reject(fd, address, env: env, loopIndex: index, status: 503, code: nil, reason: "draining", message: "tlsgate is shutting down")
            return
        }
        switch registry.admit(slot, maxTotal: env.settings.maxConnections, maxPerClient: env.settings.maxConnectionsPerClient) {
        case .admitted:
            break
        case .overTotal:
            reject(fd, address, env: env, loopIndex: index, status: 503, code: nil, reason: "max_connections",
                   message: "too many connections (limits.max_connections = \(env.settings.maxConnections))")
            return
        case .overPerClient:
            reject(fd, address, env: env, loopIndex: index, status: 503, code: nil, reason: "per_client",
                   message: "too many connections from \(address.ipString) (limits.max_connections_per_client = \(env.settings.maxConnectionsPerClient))")
            return
        }
        let session = ForwardSession(env: env, loop: loop, fd: fd, clientAddress: address, slot: slot,
                                     pool: pools[index], verdicts: verdictCaches[index],
                                     environments: environments, environmentGeneration: generation) { [slot] in
            slot.leave()
        }
        slot.session = session
        let open = registry.count
        if open > peakSinceTrim.load(ordering: .relaxed) { peakSinceTrim.store(open, ordering: .relaxed) }
        env.metrics.connectionOpened(mode: "forward")
        session.start()
    }

    /// Answers a connection that is not admitted with an error, logs it (rate-limited) and
    /// audits it, then closes it gracefully, on the loop at `loopIndex`. It leaves the balancer's
    /// count of that loop now (a refused connection is not served for long).
    private func reject(_ fd: Int32, _ address: SocketAddress, env: ProxyEnvironment, loopIndex: Int,
                        status: Int, code: ViolationCode?, reason: String, message: String) {
        registry.balancer.release(loopIndex)
        let loop = loops[loopIndex]
        let now = monotonicNanos()
        let log = stateLock.withLock {
            guard now &- lastRejectLog > 1_000_000_000 else { return false }
            lastRejectLog = now
            return true
        }
        if log {
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
        let session = ForwardSession(env: env, loop: loop, fd: fd, clientAddress: address, slot: nil, pool: nil) {}
        session.startRejected(status: status, code: code?.rawValue ?? "connection_limit", message: message)
    }
}
