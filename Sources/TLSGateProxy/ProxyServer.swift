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

    /// The address actually listened on (resolves port 0).
    public var boundAddress: SocketAddress { listener.boundAddress }

    /// Binds the listening socket (fails fast on a busy port).
    public init(listen address: SocketAddress, environment: ProxyEnvironment) throws(IOError) {
        self.environment = environment
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
        let queue = DispatchQueue(label: "tlsgate.session", target: DispatchQueue.global())
        let session = ForwardSession(env: env, queue: queue, fd: fd, clientAddress: address) { [self] in
            counters.withLock { openConnections -= 1 }
        }
        queue.async { session.start() }
    }
}
