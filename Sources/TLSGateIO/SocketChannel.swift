import Dispatch

/// One non-blocking socket driven by a read and a write `DispatchSource` on the owner's queue.
///
/// The channel only manages readiness and the descriptor's lifetime; the owner does the reads and
/// writes (see ``Posix``). Dispatch rules it keeps (violating them traps or hangs):
/// - a source is resumed before it is released or cancelled; a suspended source is resumed first;
/// - the descriptor is closed only in the cancel handler, after *both* sources are cancelled, so a
///   reused fd number can never be watched by a stale source;
/// - read sources are level-triggered: the owner drains to `.wouldBlock` or suspends reads.
///
/// Not thread-safe: every call must be made on ``queue``. The event handlers retain the owner until
/// ``close()``, which breaks that cycle.
public final class SocketChannel: @unchecked Sendable {
    public let fd: Int32
    public let queue: DispatchQueue
    private let readSource: DispatchSourceRead
    private let writeSource: DispatchSourceWrite
    /// What the owner wants to hear about.
    private var readInterest = false
    private var writeInterest = false
    /// Whether each source is resumed (Dispatch's own state, which must stay balanced).
    private var readResumed = false
    private var writeResumed = false
    private var onReadable: (@Sendable () -> Void)?
    private var onWritable: (@Sendable () -> Void)?
    public private(set) var isClosed = false

    /// Takes ownership of `fd` (already non-blocking). Reads and writes start suspended.
    public init(fd: Int32, queue: DispatchQueue) {
        self.fd = fd
        self.queue = queue
        self.readSource = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        self.writeSource = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
        let cancelState = CancelCounter(fd: fd)
        readSource.setCancelHandler { cancelState.oneCancelled() }
        writeSource.setCancelHandler { cancelState.oneCancelled() }
    }

    /// Sets the callbacks. They run on ``queue`` and may retain the owner (until ``close()``).
    public func setHandlers(readable: @escaping @Sendable () -> Void, writable: @escaping @Sendable () -> Void) {
        onReadable = readable
        onWritable = writable
        // Suspending and resuming a source costs Dispatch a re-registration, so interest is
        // dropped lazily: a source stays resumed until it fires while nobody is interested.
        readSource.setEventHandler { [unowned self] in
            if readInterest { onReadable?() } else if readResumed { readResumed = false; readSource.suspend() }
        }
        writeSource.setEventHandler { [unowned self] in
            if writeInterest { onWritable?() } else if writeResumed { writeResumed = false; writeSource.suspend() }
        }
    }

    /// Whether the readable callback should fire. Idempotent and cheap.
    public func wantReads(_ on: Bool) {
        guard !isClosed else { return }
        readInterest = on
        if on && !readResumed { readResumed = true; readSource.resume() }
    }

    /// Whether the writable callback should fire. Idempotent and cheap.
    public func wantWrites(_ on: Bool) {
        guard !isClosed else { return }
        writeInterest = on
        if on && !writeResumed { writeResumed = true; writeSource.resume() }
    }

    public var readsWanted: Bool { readInterest }
    public var writesWanted: Bool { writeInterest }

    /// Stops both sources and closes the descriptor once both are cancelled. Idempotent.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        readInterest = false
        writeInterest = false
        onReadable = nil
        onWritable = nil
        readSource.setEventHandler(handler: nil)
        writeSource.setEventHandler(handler: nil)
        // A suspended (or never-resumed) source must be resumed before cancel/release.
        if !readResumed { readResumed = true; readSource.resume() }
        if !writeResumed { writeResumed = true; writeSource.resume() }
        readSource.cancel()
        writeSource.cancel()
    }

    deinit {
        // Closing is the owner's job; a channel dropped without close() still must not trap.
        if !isClosed { close() }
    }
}

/// Closes the descriptor after the second of the two sources reports cancellation.
private final class CancelCounter: @unchecked Sendable {
    private let fd: Int32
    private var remaining = 2
    private let lock = Lock()

    init(fd: Int32) { self.fd = fd }

    func oneCancelled() {
        let last: Bool = lock.withLock {
            remaining -= 1
            return remaining == 0
        }
        if last { Posix.close(fd) }
    }
}
