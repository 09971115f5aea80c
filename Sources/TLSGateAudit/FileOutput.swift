#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the audit log could not be opened.
public struct AuditLogError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let errno: Int32

    public var description: String {
        "cannot open audit log '\(path)': \(String(cString: strerror(errno)))"
    }
}

/// The syscalls of the audit writer, isolated: open, write-all, fsync, close.
enum FileOutput {
    /// Opens `path` for appending, creating it with mode 0640.
    static func openAppend(_ path: String) throws(AuditLogError) -> Int32 {
        var fd: Int32 = -1
        for _ in 0..<100 {  // EINTR retries, bounded
            fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
            if fd >= 0 || errno != EINTR { break }
        }
        guard fd >= 0 else { throw AuditLogError(path: path, errno: errno) }
        return fd
    }

    /// Writes every byte, retrying partial writes and EINTR, and waiting with poll() when a
    /// non-blocking descriptor is full. Returns 0, or the errno of a hard failure.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        guard var base = bytes.baseAddress else { return 0 }
        var remaining = bytes.count
        while remaining > 0 {
            let n = write(fd, base, remaining)
            if n > 0 {
                base += n
                remaining -= n
                continue
            }
            if n == 0 { return EIO }
            let code = errno
            switch code {
            case EINTR:
                continue
            case EAGAIN, EWOULDBLOCK:
                var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&pfd, 1, 1000)
            default:
                return code
            }
        }
        return 0
    }

    /// fsync, ignoring descriptors that cannot be synced (pipes, terminals).
    static func sync(_ fd: Int32) {
        while fsync(fd) != 0 && errno == EINTR {}
    }

    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// Best-effort diagnostic on stderr.
    static func warn(_ message: String) {
        var line = Array(("tlsgate: " + message + "\n").utf8)
        line.withUnsafeMutableBytes { _ = writeAll(2, UnsafeRawBufferPointer($0)) }
    }
}
