import CShims
import Glibc

extension Posix {
    /// `socketpair(2)`: two connected, non-blocking, close-on-exec Unix stream sockets (an HTTP/2
    /// stream bridged to the HTTP/1.1 request path).
    public static func socketPair() throws(IOError) -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        if tg_socketpair_nonblocking(&fds) != 0 { throw IOError(function: "socketpair", errno: errno) }
        return (fds[0], fds[1])
    }
}
