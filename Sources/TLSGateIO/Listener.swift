import Glibc
import Synchronization

/// A listening TCP socket that hands accepted, non-blocking connections to a callback.
///
/// One socket can be watched by several event loops (one per core). Each loop registers it with
/// `EPOLLEXCLUSIVE`, so a new connection wakes one loop, usually an idle one, and that loop
/// accepts it and serves it itself: no hand-off between threads. (The alternative, a
/// `SO_REUSEPORT` socket per loop, would let another process of the same user bind the port too.)
public final class Listener: @unchecked Sendable {
    public let fd: Int32
    /// The address actually bound (useful with port 0).
    public let boundAddress: SocketAddress
    /// Accepted sockets get `TCP_NODELAY`.
    public let noDelay: Bool
    /// Whether accepted sockets inherit `TCP_NODELAY` from the listening socket (Linux does):
    /// 0 not known yet, 1 yes, 2 no. Checked on the first accepted socket; when they do, no
    /// `setsockopt` is needed per connection.
    private let inheritsNoDelay = Atomic<Int>(0)
    private let channels: [SocketChannel]
    /// Connections accepted per wake-up. Small, so that a burst (a client pool opening 50
    /// connections at once) is shared by the loops: with 64, one loop often took the whole burst
    /// before another got a turn, and then served all of it (keep-alive: ~15 % slower). A loop
    /// that returns with connections still queued is woken again at once (level-triggered).
    static let acceptBatch = 4
    private let lock = Lock()
    private var openChannels: Int

    /// Binds and listens; does not accept until ``start(onAccept:onError:)``.
    ///
    /// With `deferAcceptSeconds` > 0 (`TCP_DEFER_ACCEPT`), a connection reaches `accept` when its
    /// first bytes arrive, so the first read after the accept finds them (no would-block read and
    /// no extra wake-up per connection); one that stays silent is handed over after that many
    /// seconds. For protocols where the client speaks first (HTTP).
    public init(address: SocketAddress, backlog: Int32 = 4096, loops: [EventLoop], noDelay: Bool = false,
                deferAcceptSeconds: Int32 = 0) throws(IOError) {
        precondition(!loops.isEmpty, "a listener needs at least one loop")
        let fd = try Posix.socket(domain: address.family)
        do {
            try Posix.setOption(fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
            if noDelay { try Posix.setOption(fd, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1) }
            if deferAcceptSeconds > 0 {
                try Posix.setOption(fd, level: Int32(IPPROTO_TCP), name: TCP_DEFER_ACCEPT, value: deferAcceptSeconds)
            }
            try Posix.bind(fd, address)
            try Posix.listen(fd, backlog: backlog)
            boundAddress = try Posix.localAddress(fd)
        } catch {
            Posix.close(fd)
            throw error
        }
        self.fd = fd
        self.noDelay = noDelay
        self.channels = loops.map { SocketChannel(fd: fd, loop: $0, ownsDescriptor: false, exclusive: loops.count > 1) }
        self.openChannels = channels.count
    }

    public convenience init(address: SocketAddress, backlog: Int32 = 4096, loop: EventLoop) throws(IOError) {
        try self.init(address: address, backlog: backlog, loops: [loop])
    }

    /// Starts accepting. `onAccept` runs on the loop that accepted the connection (the one it
    /// should be served on).
    public func start(onAccept: @escaping @Sendable (Int32, SocketAddress, EventLoop) -> Void,
                      onError: @escaping @Sendable (IOError) -> Void) {
        for channel in channels {
            channel.loop.execute { [self] in
                let fd = self.fd
                let loop = channel.loop
                channel.setHandlers(readable: { [unowned self, unowned channel] in
                    // Level-triggered: accept a small batch; the loop calls again if more are queued.
                    for _ in 0..<Self.acceptBatch {
                        do throws(IOError) {
                            switch try Posix.accept(fd) {
                            case .processed(let (client, address)):
                                if noDelay { ensureNoDelay(client) }
                                onAccept(client, address, loop)
                            case .wouldBlock: return
                            }
                        } catch {
                            onError(error)
                            if error.errno == EMFILE || error.errno == ENFILE || error.errno == ENOBUFS || error.errno == ENOMEM {
                                // Out of descriptors: retrying at once would spin. Pause accepting briefly
                                // (pending clients wait in the backlog) and let connections finish.
                                pause(channel, for: 0.25)
                            }
                            return
                        }
                    }
                }, writable: {})
                channel.wantReads(true)
            }
        }
    }

    /// Gives an accepted socket `TCP_NODELAY` (small responses must not wait for ACKs), with a
    /// system call only when it was not inherited from the listening socket.
    private func ensureNoDelay(_ client: Int32) {
        let tcp = Int32(IPPROTO_TCP)
        switch inheritsNoDelay.load(ordering: .relaxed) {
        case 1:
            return
        case 0:
            let inherited = ((try? Posix.getOption(client, level: tcp, name: TCP_NODELAY)) ?? 0) != 0
            inheritsNoDelay.store(inherited ? 1 : 2, ordering: .relaxed)
            if inherited { return }
        default:
            break
        }
        try? Posix.setOption(client, level: tcp, name: TCP_NODELAY, value: 1)
    }

    /// Stops watching the listening socket on one loop for `seconds`, then resumes.
    private func pause(_ channel: SocketChannel, for seconds: Double) {
        channel.wantReads(false)
        channel.loop.schedule(after: seconds) {
            if !channel.isClosed { channel.wantReads(true) }
        }
    }

    /// Stops accepting and closes the listening socket (once every loop has let go of it).
    /// Callable from any thread.
    public func stop() {
        for channel in channels {
            channel.loop.execute { [self] in
                guard !channel.isClosed else { return }
                channel.close()
                let last = lock.withLock { openChannels -= 1; return openChannels == 0 }
                if last { Posix.close(fd) }
            }
        }
    }
}
