/// A kernel pipe used to move tunnel bytes socket → pipe → socket with `splice(2)`, without
/// copying them through user space. Owns both descriptors.
public final class SplicePipe {
    public let readEnd: Int32
    public let writeEnd: Int32
    /// Bytes spliced in and not yet spliced out.
    public var buffered = 0

    /// Pipe capacity asked for: a bulk transfer moves up to this much per pair of splice calls
    /// (the default 64 KiB means four times the system calls and wake-ups). Only pages that hold
    /// bytes take memory, and pipes go back to the pool empty. Best effort: past the per-user pipe
    /// budget (`/proc/sys/fs/pipe-user-pages-soft`) the kernel keeps the default size.
    public static let preferredCapacity: Int32 = 256 * 1024

    public init() throws(IOError) {
        let fds = try Posix.pipe()
        readEnd = fds.read
        writeEnd = fds.write
        Posix.setPipeSize(writeEnd, Self.preferredCapacity)
    }

    deinit {
        Posix.close(readEnd)
        Posix.close(writeEnd)
    }
}

/// Empty pipes shared by all tunnels, so an idle tunnel holds no pipe descriptors.
///
/// A relay direction takes a pipe when bytes start to flow and gives it back once the pipe is
/// empty and the source has nothing more to read.
public final class SplicePipePool: @unchecked Sendable {
    private var free: [SplicePipe] = []
    private let lock = Lock()
    private let maxIdle: Int

    public init(maxIdle: Int = 256) {
        self.maxIdle = maxIdle
    }

    /// A pipe (pooled or new); nil if the process is out of descriptors (callers fall back to
    /// copying through a buffer).
    public func take() -> SplicePipe? {
        if let pipe = lock.withLock({ free.popLast() }) { return pipe }
        return try? SplicePipe()
    }

    /// Returns an empty pipe for reuse (a pipe that still holds bytes is closed instead).
    public func give(_ pipe: SplicePipe) {
        guard pipe.buffered == 0 else { return }
        lock.withLock {
            if free.count < maxIdle { free.append(pipe) }
        }
    }
}
