import Glibc

/// A failed system call: the call's name and the `errno` read right after it.
public struct IOError: Error, Sendable, CustomStringConvertible, Equatable {
    public let function: String
    public let errno: Int32

    public init(function: String, errno: Int32) {
        self.function = function
        self.errno = errno
    }

    public var description: String {
        "\(function): \(String(cString: strerror(errno))) (errno \(errno))"
    }

    /// The peer went away (reset, broken pipe): an ordinary end of a connection, not a fault.
    public var isConnectionReset: Bool {
        errno == ECONNRESET || errno == EPIPE || errno == ENOTCONN
    }
}
