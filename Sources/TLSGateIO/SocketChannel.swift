import Dispatch
import Glibc

/// One non-blocking socket driven by a read and a write `DispatchSource` on the owner's queue.
///
/// The channel only manages readiness and the descriptor's lifetime; the owner does the reads and
/// writes (see ``Posix``). Dispatch rules it keeps (violating them traps or hangs):
/// - a source is resumed before it is released or cancelled; a suspended source is resumed first;
/// - a descriptor is closed only in its source's cancel handler, so a reused fd number can never
///   be watched by a stale source;
/// - read sources are level-triggered: the owner drains to `.wouldBlock` or drops its interest.
///
/// The write source watches a `dup()` of the socket, made only while writes are wanted.
/// libdispatch on Linux multiplexes the read and write sources of one fd onto a single epoll
/// registration, and suspending the write half can leave the read half disarmed: a resumed read
/// source then never fires although data is waiting (seen here as tunnels stuck before the
/// ServerHello). With its own descriptor the write source cannot disturb the read source, and an
/// idle connection holds no extra descriptor.
///
/// Not thread-safe: every call must be made on ``queue``. The event handlers retain the owner until
/// ``close()``, which breaks that cycle.
public final class SocketChannel: @unchecked Sendable {
    public let fd: Int32
    public let queue: DispatchQueue
    private let readSource: DispatchSourceRead
    private var writeSource: DispatchSourceWrite?
    /// What the owner wants to hear about.
    private var readInterest = false
    private var writeInterest = false
    /// Whether each source is resumed (Dispatch's own state, which must stay balanced).
    private var readResumed = false
    private var writeResumed = false
    private var onReadable: (@Sendable () -> Void)?
    private var onWritable: (@Sendable () -> Void)?
    public private(set) var isClosed = false

    /// Takes ownership of `fd` (already non-blocking). Reads and writes start unwatched.
    public init(fd: Int32, queue: DispatchQueue) {
        self.fd = fd
        self.queue = queue
        self.readSource = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        readSource.setCancelHandler { Posix.close(fd) }
    }

    /// Sets the callbacks. They run on ``queue`` and may retain the owner (until ``close()``).
    public func setHandlers(readable: @escaping @Sendable () -> Void, writable: @escaping @Sendable () -> Void) {
        onReadable = readable
        onWritable = writable
        // Suspending and resuming a source costs Dispatch a re-registration, so read interest is
        // dropped lazily: the source stays resumed until it fires while nobody is interested.
        readSource.setEventHandler { [unowned self] in
            if readInterest { onReadable?() } else if readResumed { readResumed = false; readSource.suspend() }
        }
    }

    /// Whether the readable callback should fire. Idempotent and cheap.
    public func wantReads(_ on: Bool) {
        guard !isClosed else { return }
        readInterest = on
        if on && !readResumed { readResumed = true; readSource.resume() }
    }

    /// Whether the writable callback should fire. Idempotent.
    public func wantWrites(_ on: Bool) {
        guard !isClosed else { return }
        writeInterest = on
        if on {
            guard let source = writeSource ?? makeWriteSource() else {
                // No descriptor for a watcher: poll instead (rare; the process is at its fd limit).
                queue.asyncAfter(deadline: .now() + .milliseconds(10)) { [weak self] in
                    guard let self, !isClosed, writeInterest else { return }
                    onWritable?()
                }
                return
            }
            if !writeResumed { writeResumed = true; source.resume() }
        }
    }

    /// Stops watching writability and gives back the write watcher's descriptor (for example
    /// once a non-blocking connect has completed).
    public func releaseWriteWatcher() {
        writeInterest = false
        guard let source = writeSource else { return }
        writeSource = nil
        source.setEventHandler(handler: nil)
        if !writeResumed { source.resume() }
        writeResumed = false
        source.cancel()
    }

    public var readsWanted: Bool { readInterest }
    public var writesWanted: Bool { writeInterest }

    /// Interest and Dispatch state, for diagnostics.
    public var debugState: String {
        var pending: Int32 = 0
        _ = ioctl(fd, UInt(FIONREAD), &pending)
        return "fd=\(fd) readInterest=\(readInterest) readResumed=\(readResumed) writeInterest=\(writeInterest) writeResumed=\(writeResumed) writeWatcher=\(writeSource != nil) unread=\(pending)"
    }

    /// Stops both sources; each descriptor is closed in its source's cancel handler. Idempotent.
    public func close() {
        guard !isClosed else { return }
        releaseWriteWatcher()
        isClosed = true
        readInterest = false
        onReadable = nil
        onWritable = nil
        readSource.setEventHandler(handler: nil)
        // A suspended (or never-resumed) source must be resumed before cancel/release.
        if !readResumed { readResumed = true; readSource.resume() }
        readSource.cancel()
    }

    private func makeWriteSource() -> DispatchSourceWrite? {
        let watched = fcntl(fd, F_DUPFD_CLOEXEC, 0)
        guard watched >= 0 else { return nil }
        let source = DispatchSource.makeWriteSource(fileDescriptor: watched, queue: queue)
        source.setCancelHandler { Posix.close(watched) }
        source.setEventHandler { [unowned self] in
            if writeInterest { onWritable?() } else if writeResumed { writeResumed = false; writeSource?.suspend() }
        }
        writeSource = source
        writeResumed = false
        return source
    }

    deinit {
        // Closing is the owner's job; a channel dropped without close() still must not trap.
        if !isClosed { close() }
    }
}
