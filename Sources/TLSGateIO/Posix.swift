import CShims
import Glibc

/// Every system call the I/O core makes, in one place.
///
/// Each wrapper reads `errno` immediately after the call, retries `EINTR` (except `close`), returns
/// `EAGAIN`/`EWOULDBLOCK` as ``IOResult/wouldBlock`` and throws ``IOError`` for anything else.
public enum Posix {
    @inline(__always)
    static func isWouldBlock(_ err: Int32) -> Bool { err == EAGAIN || err == EWOULDBLOCK }

    /// A non-blocking, close-on-exec stream socket.
    public static func socket(domain: Int32) throws(IOError) -> Int32 {
        let fd = tg_socket_nonblocking(domain, tg_sock_stream(), 0)
        if fd < 0 { throw IOError(function: "socket", errno: errno) }
        return fd
    }

    /// `close(2)`: never retried on `EINTR` (the descriptor is gone either way on Linux).
    public static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    public static func setOption(_ fd: Int32, level: Int32, name: Int32, value: Int32) throws(IOError) {
        var v = value
        if setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            throw IOError(function: "setsockopt", errno: errno)
        }
    }

    public static func getOption(_ fd: Int32, level: Int32, name: Int32) throws(IOError) -> Int32 {
        var v: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, level, name, &v, &length) != 0 {
            throw IOError(function: "getsockopt", errno: errno)
        }
        return v
    }

    public static func bind(_ fd: Int32, _ address: SocketAddress) throws(IOError) {
        let rc = address.withSockAddr { Glibc.bind(fd, $0, $1) }
        if rc != 0 { throw IOError(function: "bind", errno: errno) }
    }

    public static func listen(_ fd: Int32, backlog: Int32) throws(IOError) {
        if Glibc.listen(fd, backlog) != 0 { throw IOError(function: "listen", errno: errno) }
    }

    /// `accept4` with `SOCK_NONBLOCK | SOCK_CLOEXEC`.
    public static func accept(_ fd: Int32) throws(IOError) -> IOResult<(Int32, SocketAddress)> {
        while true {
            var storage = sockaddr_storage()
            var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let client = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { tg_accept_nonblocking(fd, $0, &len) }
            }
            if client >= 0 { return .processed((client, SocketAddress(storage: storage))) }
            let err = errno
            if err == EINTR || err == ECONNABORTED { continue }
            if isWouldBlock(err) { return .wouldBlock }
            throw IOError(function: "accept4", errno: err)
        }
    }

    /// Starts a non-blocking connect. `.wouldBlock` means "in progress": wait for writability and
    /// then read the result with ``socketError(_:)``.
    public static func connect(_ fd: Int32, _ address: SocketAddress) throws(IOError) -> IOResult<Void> {
        while true {
            let rc = address.withSockAddr { Glibc.connect(fd, $0, $1) }
            if rc == 0 { return .processed(()) }
            let err = errno
            if err == EINTR { continue }
            if err == EINPROGRESS || isWouldBlock(err) { return .wouldBlock }
            throw IOError(function: "connect", errno: err)
        }
    }

    /// Whether `fd` is writable right now (`poll` with a zero timeout): a non-blocking connect on
    /// loopback has usually finished by the time `connect` returns.
    public static func isWritableNow(_ fd: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        return Glibc.poll(&entry, 1, 0) == 1 && (entry.revents & Int16(POLLOUT)) != 0
    }

    /// `SO_ERROR`: the result of a finished non-blocking connect (0 on success).
    public static func socketError(_ fd: Int32) -> Int32 {
        var value: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &len) != 0 { return errno }
        return value
    }

    /// `read(2)`. `.processed(0)` is end of stream.
    public static func read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) throws(IOError) -> IOResult<Int> {
        while true {
            let n = Glibc.read(fd, buffer, count)
            if n >= 0 { return .processed(n) }
            let err = errno
            if err == EINTR { continue }
            if isWouldBlock(err) { return .wouldBlock }
            throw IOError(function: "read", errno: err)
        }
    }

    /// `send(2)` with `MSG_NOSIGNAL`: a closed peer is an error, never a SIGPIPE.
    public static func send(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) throws(IOError) -> IOResult<Int> {
        while true {
            let n = tg_send(fd, buffer, count)
            if n >= 0 { return .processed(n) }
            let err = errno
            if err == EINTR { continue }
            if isWouldBlock(err) { return .wouldBlock }
            throw IOError(function: "send", errno: err)
        }
    }

    /// `sendmsg(2)` of two buffers (gather write) with `MSG_NOSIGNAL`.
    public static func send(_ fd: Int32, _ first: UnsafeRawPointer, _ firstCount: Int,
                            _ second: UnsafeRawPointer, _ secondCount: Int) throws(IOError) -> IOResult<Int> {
        while true {
            let n = tg_send2(fd, first, firstCount, second, secondCount)
            if n >= 0 { return .processed(n) }
            let err = errno
            if err == EINTR { continue }
            if isWouldBlock(err) { return .wouldBlock }
            throw IOError(function: "sendmsg", errno: err)
        }
    }

    /// `shutdown(fd, SHUT_WR)`: half-close, the peer reads end of stream.
    public static func shutdownWrite(_ fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// A non-blocking, close-on-exec pipe, for `splice`.
    public static func pipe() throws(IOError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        if tg_pipe_nonblocking(&fds) != 0 { throw IOError(function: "pipe2", errno: errno) }
        return (fds[0], fds[1])
    }

    /// `splice(2)` between a socket and a pipe. `.processed(0)` from a socket is end of stream.
    public static func splice(from: Int32, to: Int32, count: Int) throws(IOError) -> IOResult<Int> {
        while true {
            let n = tg_splice(from, to, count)
            if n >= 0 { return .processed(n) }
            let err = errno
            if err == EINTR { continue }
            if isWouldBlock(err) { return .wouldBlock }
            throw IOError(function: "splice", errno: err)
        }
    }

    public static func setPipeSize(_ fd: Int32, _ size: Int32) {
        _ = tg_set_pipe_size(fd, size)
    }

    /// The locally bound address of a socket.
    public static func localAddress(_ fd: Int32) throws(IOError) -> SocketAddress {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        if rc != 0 { throw IOError(function: "getsockname", errno: errno) }
        return SocketAddress(storage: storage)
    }
}
