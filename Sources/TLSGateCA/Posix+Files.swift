import Glibc
import TLSGateIO

/// The file system calls the CA makes (writing its certificate and key), beside the socket calls.
extension Posix {
    /// `open(2)` with `O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC`: a new file with exactly `mode`
    /// (set again with `fchmod`, so the umask cannot widen or narrow it), never an existing one.
    static func createExclusive(_ path: String, mode: mode_t) throws(IOError) -> Int32 {
        while true {
            let fd = Glibc.open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode)
            if fd >= 0 {
                if fchmod(fd, mode) != 0 {
                    let code = errno
                    _ = Glibc.close(fd)
                    throw IOError(function: "fchmod", errno: code)
                }
                return fd
            }
            let code = errno
            if code != EINTR { throw IOError(function: "open", errno: code) }
        }
    }

    /// Writes all of `bytes` (blocking file descriptor), then `fsync(2)`.
    static func writeAllAndSync(_ fd: Int32, _ bytes: [UInt8]) throws(IOError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                throw IOError(function: "write", errno: code)
            }
            offset += n
        }
        if fsync(fd) != 0 { throw IOError(function: "fsync", errno: errno) }
    }

    /// `rename(2)`: atomically replaces `to`.
    static func rename(_ from: String, _ to: String) throws(IOError) {
        if Glibc.rename(from, to) != 0 { throw IOError(function: "rename", errno: errno) }
    }

    /// `link(2)`: gives `from` the name `to`, failing with `EEXIST` rather than replacing it.
    static func link(_ from: String, _ to: String) throws(IOError) {
        if Glibc.link(from, to) != 0 { throw IOError(function: "link", errno: errno) }
    }

    /// `unlink(2)`, ignoring failure (used to remove temporary files).
    static func removeFile(_ path: String) {
        _ = Glibc.unlink(path)
    }

    /// `mkdir(2)` of `path` and any missing parents (like `mkdir -p`); existing directories are fine.
    static func makeDirectory(_ path: String, mode: mode_t) throws(IOError) {
        if Glibc.mkdir(path, mode) == 0 { return }
        let code = errno
        if code == EEXIST { return }
        guard code == ENOENT, let slash = path.lastIndex(of: "/"), slash != path.startIndex else {
            throw IOError(function: "mkdir", errno: code)
        }
        try makeDirectory(String(path[..<slash]), mode: mode)
        if Glibc.mkdir(path, mode) != 0, errno != EEXIST { throw IOError(function: "mkdir", errno: errno) }
    }

    /// `stat(2)`: the file's mode bits and type, or the errno.
    static func fileMode(_ path: String) -> Result<mode_t, IOError> {
        var info = Glibc.stat()
        if stat(path, &info) != 0 { return .failure(IOError(function: "stat", errno: errno)) }
        return .success(info.st_mode)
    }
}
