import Dispatch
import Synchronization
import TLSGateEvidence

/// The ordered JSON Lines writer. `write` encodes on the caller's thread, straight into the
/// shared pending batch under a lock (so file order is call order, and a line costs no allocation
/// or copy of its own); a private serial queue writes batches with write(2). Callers never wait
/// for I/O, except as back-pressure when more than `highWaterBytes` are waiting (a stalled disk
/// or stdout reader), so memory stays bounded and no line is dropped.
/// Queued lines are written even if the log is released, but call `flush()` before exiting.
/// Ignore SIGPIPE in the process: a closed stdout pipe otherwise kills it on write.
///
/// The writer queue also seals the lines (`LineSealer`: `instance`, `seq` and the hash `chain`)
/// as it writes them, and writes a `checkpoint` line every `checkpointInterval`, at `reopen()`
/// and at `close()`, so the cost of the evidence stays off the callers' threads.
public final class AuditLog: @unchecked Sendable {
    /// Pending bytes above which `write` waits for the writer queue.
    public static let highWaterBytes = 8 << 20
    /// How long a line may wait for more lines to share its write(2).
    public static let coalescingMilliseconds = 10

    /// First capacity of the pending batch (it grows with load and is kept up to `keptBatchBytes`).
    private static let initialBatchBytes = 16 << 10
    /// Largest batch buffer kept for good (two are kept: the pending batch and the one being
    /// written). 256 KiB holds a 10 ms batch at 50,000 lines/s.
    private static let keptBatchBytes = 256 << 10
    /// A larger buffer is given back only after no batch has needed it for this long: under a
    /// steady load just above `keptBatchBytes` per batch, giving it back after every write made
    /// each batch grow again from `initialBatchBytes` (a copy per doubling), and the freed blocks
    /// made malloc return and re-fault heap pages (~50 `madvise` calls a second at 55k req/s).
    private static let keepLargeBatchNanos: UInt64 = 2_000_000_000

    private struct State: ~Copyable {
        var pending = JSONWriter(capacity: AuditLog.initialBatchBytes)
        var pendingLines = 0
        var drainScheduled = false
        var linesWritten = 0
        var writeFailures = 0
    }

    /// The file path, or nil for stdout.
    public let path: String?
    /// The schema of the lines (`audit.format`).
    public let format: AuditLineFormat
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "tlsgate.audit", qos: .utility)
    /// Only touched on `queue` (and in init/deinit).
    private var fd: Int32
    /// The other batch buffer: written out while `pending` fills (swapped in `drain`).
    private var spare = JSONWriter(capacity: AuditLog.initialBatchBytes)
    /// The sealed lines of a batch, as written (only touched on `queue`).
    private var sealed = JSONWriter(capacity: AuditLog.initialBatchBytes)
    /// Adds the evidence fields (only touched on `queue`).
    private let sealer: LineSealer
    private var checkpointTimer: DispatchSourceTimer?
    /// When a batch last needed more than `keptBatchBytes` (only touched on `queue`).
    private var lastLargeBatchNanos: UInt64 = 0
    /// A `trimIfQuiet` is queued (only touched on `queue`).
    private var trimScheduled = false
    private var warned = false

    /// Opens the log: nil or "-" is stdout (fd 1); otherwise `path` is opened for appending
    /// (O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC, mode 0640). The chain continues from the file's last
    /// line (or, when the file is new or empty, the last line of `path.1`, as rotation leaves it).
    public init(path: String?, sealing: AuditSealing = AuditSealing(), format: AuditLineFormat = .tlsgate) throws(AuditLogError) {
        self.format = format
        var sealing = sealing
        sealing.closingBytes = format.closingBytes
        if let path, path != "-" {
            self.path = path
            fd = try FileOutput.openAppend(path)
            sealer = LineSealer(sealing: sealing, previous: ChainTail.read(path: path) ?? ChainTail.read(path: path + ".1"))
        } else {
            self.path = nil
            fd = 1
            sealer = LineSealer(sealing: sealing, previous: nil)
        }
        if sealing.checkpointInterval > 0 {
            let timer = DispatchSource.makeTimerSource(queue: queue)
            let interval = DispatchTimeInterval.milliseconds(Int(sealing.checkpointInterval * 1000))
            timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(100))
            timer.setEventHandler { [weak self] in self?.drain(checkpoint: true) }
            timer.resume()
            checkpointTimer = timer
        }
    }

    deinit {
        checkpointTimer?.cancel()
        // No other reference exists, so no block is queued or running: drain inline (and queue
        // nothing that would capture the log), sealing what was written.
        drain(scheduleTrim: false, checkpoint: true)
        if path != nil {
            FileOutput.sync(fd)
            FileOutput.close(fd)
        }
    }

    /// Queues one record as a line. Sets `time` to now if it is nil. Thread-safe; lines appear
    /// in the order the calls acquired the lock (per-thread order is always preserved).
    public func write(_ record: AuditRecord) {
        let defaultTime: AuditTimestamp? = record.time == nil ? .now() : nil
        let (schedule, overHighWater) = state.withLock { state -> (Bool, Bool) in
            record.encode(into: &state.pending, defaultTime: defaultTime, format: format)
            state.pendingLines += 1
            let schedule = !state.drainScheduled
            state.drainScheduled = true
            return (schedule, state.pending.count > Self.highWaterBytes)
        }
        // A short delay lets one wake-up of the writer carry many lines under load, instead of
        // one thread hand-off (a timer, a futex wake, a context switch) per request; flush() and
        // the high-water mark still drain at once.
        if schedule { queue.asyncAfter(deadline: .now() + .milliseconds(Self.coalescingMilliseconds)) { self.drain() } }
        if overHighWater { queue.sync { self.drain() } }
    }

    /// Writes a checkpoint sealing every line queued before the call, then flushes (at exit).
    public func close() {
        queue.sync {
            drain(checkpoint: true)
            if path != nil { FileOutput.sync(fd) }
        }
    }

    /// Blocks until every line queued before the call is written (and fsync'ed for files).
    public func flush() {
        queue.sync {
            drain()
            if path != nil { FileOutput.sync(fd) }
        }
    }

    /// The capacities of the two batch buffers (pending, spare), for tests.
    var batchCapacities: (pending: Int, spare: Int) {
        queue.sync { (state.withLock { $0.pending.capacity }, spare.capacity) }
    }

    /// Lines handed to write(2) so far (after `flush()`, every line queued before it), the
    /// evidence lines (`restart`, `checkpoint`) included.
    public var linesWritten: Int { state.withLock { $0.linesWritten } }

    /// Batches lost to hard write errors (disk full, closed stdout); reported once on stderr.
    public var writeFailures: Int { state.withLock { $0.writeFailures } }

    /// Reopens the file at `path` (log rotation: SIGUSR1); stdout logs are unaffected. The old
    /// file ends with a checkpoint; the chain continues in the new one.
    public func reopen() throws(AuditLogError) {
        guard let path else { return }
        let newFD = try FileOutput.openAppend(path)
        queue.sync {
            drain(checkpoint: true)
            FileOutput.sync(fd)
            FileOutput.close(fd)
            fd = newFD
        }
    }

    /// Seals and writes everything pending, then a checkpoint if asked. Runs on `queue` (or in
    /// deinit).
    private func drain(scheduleTrim: Bool = true, checkpoint: Bool = false) {
        // `spare` is empty here; it takes the pending lines and leaves its memory for new ones.
        let lines = state.withLock { state -> Int in
            swap(&state.pending, &spare)
            let lines = state.pendingLines
            state.pendingLines = 0
            state.drainScheduled = false
            return lines
        }
        guard lines > 0 || checkpoint else { return }
        let sealedBefore = sealer.sealedLines
        if lines > 0 { spare.withUnsafeBytes { sealer.seal(batch: $0, into: &sealed) } }
        if checkpoint { sealer.checkpoint(into: &sealed) }
        guard sealed.count > 0 else { return }
        let failure = sealed.withUnsafeBytes { FileOutput.writeAll(fd, $0) }
        if failure != 0 && !warned {
            warned = true
            FileOutput.warn("audit log write failed (errno \(failure)); audit lines are being lost")
        }
        state.withLock { state in
            if failure == 0 { state.linesWritten += sealer.sealedLines - sealedBefore } else { state.writeFailures += 1 }
        }
        // Keep a modest buffer for reuse; give back a larger one once bursts have stopped (here,
        // or in trimIfQuiet when no further batch comes).
        let now = DispatchTime.now().uptimeNanoseconds
        if spare.count > Self.keptBatchBytes { lastLargeBatchNanos = now }
        let keepLarge = now &- lastLargeBatchNanos < Self.keepLargeBatchNanos
        spare.removeAll(keepingAtMost: keepLarge ? Self.highWaterBytes : Self.keptBatchBytes, initial: Self.initialBatchBytes)
        sealed.removeAll(keepingAtMost: keepLarge ? 2 * Self.highWaterBytes : Self.keptBatchBytes, initial: Self.initialBatchBytes)
        if keepLarge && scheduleTrim && !trimScheduled { scheduleTrimCheck() }
    }

    /// Queues one ``trimIfQuiet()`` for `keepLargeBatchNanos` from now. Runs on `queue`.
    private func scheduleTrimCheck() {
        trimScheduled = true
        queue.asyncAfter(deadline: .now() + .nanoseconds(Int(Self.keepLargeBatchNanos))) { self.trimIfQuiet() }
    }

    /// Gives back batch buffers above `keptBatchBytes` once no batch has needed one for
    /// `keepLargeBatchNanos`; checks again later while bursts go on. Runs on `queue`.
    private func trimIfQuiet() {
        trimScheduled = false
        let quiet = DispatchTime.now().uptimeNanoseconds &- lastLargeBatchNanos >= Self.keepLargeBatchNanos
        guard quiet else { scheduleTrimCheck(); return }
        spare.removeAll(keepingAtMost: Self.keptBatchBytes, initial: Self.initialBatchBytes)
        sealed.removeAll(keepingAtMost: Self.keptBatchBytes, initial: Self.initialBatchBytes)
        state.withLock { state in
            if state.pending.count == 0 {
                state.pending.removeAll(keepingAtMost: Self.keptBatchBytes, initial: Self.initialBatchBytes)
            }
        }
    }
}
