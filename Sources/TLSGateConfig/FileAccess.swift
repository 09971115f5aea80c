#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading the config file and checking referenced files (POSIX, so errors carry strerror).
enum FileAccess {
    /// The largest config file accepted.
    static let maxConfigBytes = 1 << 20

    /// The file's bytes, or a message ("No such file or directory", "file is larger than 1 MiB").
    static func readFile(_ path: String) -> Result<[UInt8], ValueError> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(ValueError(errorText(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(ValueError(errorText(errno))) }
        if info.st_mode & S_IFMT == S_IFDIR { return .failure(ValueError(errorText(EISDIR))) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(ValueError(errorText(errno)))
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > maxConfigBytes { return .failure(ValueError("file is larger than 1 MiB")) }
        }
        return .success(bytes)
    }

    /// nil when `path` is a readable regular file, else why not.
    static func readProblem(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return errorText(errno) }
        guard info.st_mode & S_IFMT == S_IFREG else { return "not a regular file" }
        guard access(path, R_OK) == 0 else { return errorText(errno) }
        return nil
    }

    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
