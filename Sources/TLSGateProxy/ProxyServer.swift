import Dispatch
import Glibc
import Logging
import TLSGateIO

/// The listening proxy: accepts client connections and gives each its own serial queue and
/// session. Sessions spread over the machine's cores through Dispatch's global pool.
public final class ProxyServer: @unchecked Sendable {
    private let listener: Listener
    private let acceptQueue = DispatchQueue(label: "tlsgate.accept")
    private let environmentLock = Lock()
    private var environment: ProxyEnvironment
    private let counters = Lock()
    private var openConnections = 0
    private var totalConnections = 0
    /// One serial queue per core: sessions are spread over them, and a busy loop queue drains
    /// many sessions' events per thread wake-up instead of handing each event to a new thread.
    private let loops: [DispatchQueue]
    private var nextLoop = 0

    /// The address actually listened on (resolves port 0).
    public var boundAddress: SocketAddress { listener.boundAddress }

    /// Binds the listening socket (fails fast on a busy port).
    public init(listen address: SocketAddress, environment: ProxyEnvironment) throws(IOError) {
        self.environment = environment
        var cores = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        if let text = getenv("TLSGATE_LOOPS").map({ String(cString: $0) }), let n = Int(text), (1...256).contains(n) { cores = n }
        self.loops = (0..<cores).map { DispatchQueue(label: "tlsgate.loop.\($0)", target: .global()) }
        self.listener = try Listener(address: address, queue: acceptQueue)
    }

    /// Starts accepting connections.
    public func start() {
        listener.start(onAccept: { [self] fd, address in
            accept(fd, address)
        }, onError: { [self] error in
            currentEnvironment.logger.error("accept failed", metadata: ["error": "\(error)"])
        })
    }

    /// New sessions use `environment` from now on; existing sessions keep theirs.
    public func replaceEnvironment(_ environment: ProxyEnvironment) {
        environmentLock.withLock { self.environment = environment }
    }

    public var currentEnvironment: ProxyEnvironment { environmentLock.withLock { environment } }

    public var connectionCount: Int { counters.withLock { openConnections } }

    /// Stops accepting; sessions in progress continue.
    public func stopAccepting() {
        listener.stop()
    }

    private func accept(_ fd: Int32, _ address: SocketAddress) {
        let env = currentEnvironment
        counters.withLock {
            openConnections += 1
            totalConnections += 1
        }
        // accept() runs on the serial accept queue, so the round-robin needs no lock.
        // Sessions run directly on their loop queue (an event loop per core): no per-session
        // queue layer for Dispatch to wake, and every session on a loop is serialized with the
        // others, which is safe because nothing in a session blocks.
        let queue = loops[nextLoop % loops.count]
        nextLoop &+= 1
        let session = ForwardSession(env: env, queue: queue, fd: fd, clientAddress: address) { [self] in
            counters.withLock { openConnections -= 1 }
        }
        queue.async { session.start() }
    }
}
