import CShims
import Dispatch
import Glibc

/// One thread that owns one epoll instance: it waits for socket readiness, runs the channels'
/// handlers itself, fires its timers and runs tasks handed to it from other threads.
///
/// Why not DispatchSource read/write sources: libdispatch on Linux waits in its own manager
/// thread and hands every event to a worker thread (about two context switches per request, plus
/// an `ioctl(FIONREAD)` and `epoll_ctl` calls per event). Here the thread that waits is the
/// thread that handles, so a busy loop serves many sessions per wake-up, without hand-offs.
///
/// Rules:
/// - everything registered with a loop (``SocketChannel``, ``LoopTimer``) is used on the loop's
///   thread only; other threads reach it through ``execute(_:)``;
/// - handlers must not block (name resolution runs elsewhere, see ``Resolver``).
public final class EventLoop: @unchecked Sendable {
    public let name: String
    /// Free I/O buffer memory for this loop's sessions (use on the loop thread only).
    public let buffers = BufferPool()
    private let epfd: Int32
    private let wakeFD: Int32
    private var thread = pthread_t()

    // Cross-thread inbox, under `inboxLock`.
    private let inboxLock = Lock()
    private var inbox: [@Sendable () -> Void] = []
    private var wakePending = false
    private var stopRequested = false
    /// The thread has ended: nobody reads the inbox any more, so nothing is signalled.
    private var finished = false

    // Loop-thread state.
    /// Tasks queued by the loop thread itself: run after the current batch, no wake-up needed.
    private var local: [@Sendable () -> Void] = []
    /// Channels by descriptor; a token pairs the descriptor with a generation so that an event
    /// queued for a closed descriptor cannot reach a new channel that reuses the number.
    private var channels: [ChannelSlot] = []
    private var generation: UInt32 = 0
    private var timers = TimerHeap()
    /// Heap entries that will never fire (their timer was re-scheduled or cancelled).
    private var abandonedTimerEntries = 0
    /// The loop's clock (see ``time``).
    private var wakeTime = EventLoop.now()

    /// `op` values of `tg_epoll_ctl` (the shim maps them to EPOLL_CTL_*).
    private enum EpollOp {
        static let add: Int32 = 1
        static let modify: Int32 = 2
        static let delete: Int32 = 3
    }

    private struct ChannelSlot {
        var channel: SocketChannel?
        var generation: UInt32 = 0
    }

    /// Starts the loop's thread.
    public init(name: String) throws(IOError) {
        self.name = name
        epfd = tg_epoll_create()
        guard epfd >= 0 else { throw IOError(function: "epoll_create1", errno: errno) }
        wakeFD = tg_eventfd()
        guard wakeFD >= 0 else {
            let err = errno
            Posix.close(epfd)
            throw IOError(function: "eventfd", errno: err)
        }
        _ = tg_epoll_ctl(epfd, EpollOp.add, wakeFD, tg_epollin(), 0)
        let started = DispatchSemaphore(value: 0)
        let box = Unmanaged.passRetained(ThreadStart { [self] in
            thread = pthread_self()
            started.signal()
            run()
        }).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, { arg in
            let start = Unmanaged<ThreadStart>.fromOpaque(arg!).takeRetainedValue()
            start.body()
            return nil
        }, box)
        guard rc == 0 else {
            Unmanaged<ThreadStart>.fromOpaque(box).release()
            Posix.close(epfd)   // wakeFD: deinit (it runs when a fully initialized init throws)
            throw IOError(function: "pthread_create", errno: rc)
        }
        pthread_detach(tid)
        started.wait()
    }

    /// Whether the caller runs on this loop's thread.
    public var inLoop: Bool { pthread_equal(pthread_self(), thread) != 0 }

    /// Runs `task` on the loop thread, after the events being handled now. Callable from any thread.
    public func execute(_ task: @escaping @Sendable () -> Void) {
        if inLoop {
            local.append(task)
            return
        }
        let wake: Bool = inboxLock.withLock {
            if finished { return false }   // never runs; dropped with the loop
            inbox.append(task)
            if wakePending { return false }
            wakePending = true
            return true
        }
        if wake { signalWake() }
    }

    /// Runs `body` on the loop thread and waits for it (inline when already there). For control
    /// paths only (admin, tests), never from another loop's handler.
    public func sync<R>(_ body: () -> R) -> R {
        if inLoop { return body() }
        return withoutActuallyEscaping(body) { body in
            // `body` must not outlive this call: the task drops it before signalling, and the
            // task itself (which the loop may still hold) only keeps the box.
            let box = SyncBox<R>(body)
            let done = DispatchSemaphore(value: 0)
            execute {
                box.run()
                done.signal()
            }
            done.wait()
            return box.value!
        }
    }

    /// Runs `task` on the loop thread after `seconds`. Callable from the loop thread only.
    @discardableResult
    public func schedule(after seconds: Double, _ task: @escaping () -> Void) -> LoopTimer {
        let timer = LoopTimer(loop: self, handler: task)
        timer.schedule(after: seconds)
        return timer
    }

    /// Asks the thread to finish after its current batch (registered channels are not closed).
    public func stop() {
        let wake: Bool = inboxLock.withLock {
            if finished || stopRequested { return false }
            stopRequested = true
            return true
        }
        if wake { signalWake() }
    }

    /// Whether the thread has ended (after ``stop()``).
    var hasFinished: Bool { inboxLock.withLock { finished } }

    /// Monotonic nanoseconds, the clock of every loop deadline.
    @inline(__always)
    public static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// The loop's clock: ``now()`` as read when the thread last woke up from `epoll_wait`
    /// (loop thread only). Deadlines and progress stamps use it, so a busy loop reads the clock
    /// once per wake-up rather than several times per request; it lags the real time by the work
    /// done since the wake-up (microseconds to a few milliseconds under load), which moves
    /// second-long deadlines that much earlier. Durations that are reported use ``now()``.
    public var time: UInt64 { wakeTime }

    // MARK: - Registration (loop thread)

    /// Adds `channel` to the table and to epoll with `events`; returns its token (0 on failure).
    func register(_ channel: SocketChannel, events: UInt32) -> UInt64 {
        let fd = Int(channel.fd)
        if fd >= channels.count {
            channels.append(contentsOf: repeatElement(ChannelSlot(), count: max(fd + 1 - channels.count, channels.count)))
        }
        generation &+= 1
        if generation == 0 { generation = 1 }
        let token = UInt64(generation) << 32 | UInt64(UInt32(bitPattern: channel.fd))
        guard tg_epoll_ctl(epfd, EpollOp.add, channel.fd, events, token) == 0 else { return 0 }
        channels[fd] = ChannelSlot(channel: channel, generation: generation)
        return token
    }

    /// Changes the events a registered channel is watched for.
    func modify(_ channel: SocketChannel, token: UInt64, events: UInt32) {
        _ = tg_epoll_ctl(epfd, EpollOp.modify, channel.fd, events, token)
    }

    /// Removes `channel` from the table and from epoll (`keepEpollEntry`: the caller closes the
    /// descriptor right away, which removes it from epoll anyway).
    func unregister(_ channel: SocketChannel, keepEpollEntry: Bool = false) {
        if !keepEpollEntry { _ = tg_epoll_ctl(epfd, EpollOp.delete, channel.fd, 0, 0) }
        let fd = Int(channel.fd)
        if fd < channels.count, channels[fd].channel === channel { channels[fd] = ChannelSlot() }
    }

    func add(_ timer: LoopTimer, at deadline: UInt64) {
        timers.push(deadline, timer)
        // Mostly dead entries (closed connections' timers with far deadlines): sweep them out,
        // so memory and heap depth follow the live timers, not the connection churn.
        if abandonedTimerEntries > 1024 && abandonedTimerEntries > timers.count / 2 {
            timers.removeAll { deadline, timer in timer.deadline == deadline }
            abandonedTimerEntries = 0
        }
    }

    /// Entries in the timer heap, live or abandoned (loop thread; for tests and diagnostics).
    var timerEntryCount: Int { timers.count }

    /// A timer's pending heap entry will not fire (re-scheduled or cancelled).
    func timerEntryAbandoned() {
        abandonedTimerEntries += 1
    }

    // MARK: - The loop

    private func signalWake() {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { Glibc.write(wakeFD, $0.baseAddress, 8) }
    }

    private func run() {
        let capacity: Int32 = 128
        var events = [UInt32](repeating: 0, count: Int(capacity))
        var tokens = [UInt64](repeating: 0, count: Int(capacity))
        while true {
            let n = tg_epoll_wait(epfd, &events, &tokens, capacity, waitTimeout())
            wakeTime = EventLoop.now()
            if n < 0 {
                if errno == EINTR { continue }
                usleep(1000)   // EBADF/EINVAL cannot happen with our own fd; do not spin if they do
                continue
            }
            for i in 0..<Int(n) { dispatch(events[i], tokens[i]) }
            runTimers()
            if runTasks() { break }
        }
        inboxLock.withLock { finished = true }
        // Only this thread uses the epoll descriptor. The eventfd stays open until deinit: other
        // threads may be in `signalWake()` right now (it writes outside the lock), and closing it
        // here could let that write land in whatever descriptor reuses the number.
        Posix.close(epfd)
    }

    deinit {
        // Every thread that could signal holds a reference, so none is signalling now.
        if wakeFD >= 0 { Posix.close(wakeFD) }
    }

    private func dispatch(_ events: UInt32, _ token: UInt64) {
        if token == 0 {
            var count: UInt64 = 0
            _ = withUnsafeMutableBytes(of: &count) { Glibc.read(wakeFD, $0.baseAddress, 8) }
            return
        }
        let fd = Int(UInt32(truncatingIfNeeded: token))
        guard fd < channels.count, channels[fd].generation == UInt32(truncatingIfNeeded: token >> 32),
              let channel = channels[fd].channel else { return }
        channel.handle(events: events)
    }

    /// Milliseconds epoll may sleep: 0 with tasks waiting, else until the next timer (or forever).
    private func waitTimeout() -> Int32 {
        if !local.isEmpty { return 0 }
        guard let next = timers.peekDeadline() else { return -1 }
        let now = EventLoop.now()
        if next <= now { return 0 }
        return Int32(min((next - now + 999_999) / 1_000_000, 60_000))
    }

    private func runTimers() {
        guard timers.peekDeadline() != nil else { return }
        let now = wakeTime   // a timer fires at most the length of this batch late
        // Bounded: timers scheduled by these handlers for "now" wait for the next round.
        var fired = 0
        while fired < 1024, let deadline = timers.peekDeadline(), deadline <= now {
            let timer = timers.pop()
            if timer.deadline != deadline {
                abandonedTimerEntries = max(0, abandonedTimerEntries - 1)
            }
            if timer.deadline == deadline {
                timer.deadline = .max
                fired += 1
                timer.fire()
            }
        }
    }

    /// Runs the queued tasks present now; returns true when the loop should end.
    private func runTasks() -> Bool {
        var batch: [@Sendable () -> Void] = []
        var stop = false
        inboxLock.withLock {
            if !inbox.isEmpty { swap(&batch, &inbox) }
            wakePending = false
            stop = stopRequested
        }
        if !local.isEmpty {
            if batch.isEmpty { swap(&batch, &local) } else { batch.append(contentsOf: local); local.removeAll(keepingCapacity: true) }
        }
        for task in batch { task() }
        return stop
    }
}

private final class ThreadStart {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}

private final class SyncBox<R>: @unchecked Sendable {
    private var body: (() -> R)?
    var value: R?
    init(_ body: @escaping () -> R) { self.body = body }
    func run() {
        value = body?()
        body = nil
    }
}
