import Dispatch
import Glibc

/// A listening TCP socket that hands accepted, non-blocking connections to a callback.
public final class Listener: @unchecked Sendable {
    public let fd: Int32
    /// The address actually bound (useful with port 0).
    public let boundAddress: SocketAddress
    private let channel: SocketChannel

    /// Binds and listens; does not accept until ``start(onAccept:)``.
    public init(address: SocketAddress, backlog: Int32 = 4096, queue: DispatchQueue) throws(IOError) {
        let fd = try Posix.socket(domain: address.family)
        do {
            try Posix.setOption(fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
            try Posix.bind(fd, address)
            try Posix.listen(fd, backlog: backlog)
            boundAddress = try Posix.localAddress(fd)
        } catch {
            Posix.close(fd)
            throw error
        }
        self.fd = fd
        self.channel = SocketChannel(fd: fd, queue: queue)
    }

    /// Starts accepting. `onAccept` runs on the listener's queue with each new connection.
    public func start(onAccept: @escaping @Sendable (Int32, SocketAddress) -> Void,
                      onError: @escaping @Sendable (IOError) -> Void) {
        let fd = self.fd
        channel.setHandlers(readable: {
            // Level-triggered: accept a bounded batch, the source fires again if more are queued.
            for _ in 0..<64 {
                do {
                    switch try Posix.accept(fd) {
                    case .processed(let (client, address)): onAccept(client, address)
                    case .wouldBlock: return
                    }
                } catch let error as IOError {
                    onError(error)
                    if error.errno == EMFILE || error.errno == ENFILE || error.errno == ENOBUFS || error.errno == ENOMEM {
                        // Out of descriptors: retrying at once would spin. Pause accepting briefly
                        // (pending clients wait in the backlog) and let connections finish.
                        self.pause(for: .milliseconds(250))
                    }
                    return
                } catch {
                    return
                }
            }
        }, writable: {})
        channel.queue.async { self.channel.wantReads(true) }
    }

    /// Stops watching the listening socket for `interval`, then resumes.
    private func pause(for interval: DispatchTimeInterval) {
        channel.wantReads(false)
        channel.queue.asyncAfter(deadline: .now() + interval) { [self] in
            if !channel.isClosed { channel.wantReads(true) }
        }
    }

    /// Stops accepting and closes the listening socket.
    public func stop() {
        channel.queue.async { self.channel.close() }
    }
}
