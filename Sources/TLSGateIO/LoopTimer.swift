/// A timer on an ``EventLoop``: fires its handler on the loop thread at a deadline.
///
/// Re-scheduling only records a new deadline (a heap push); entries left behind by earlier
/// deadlines, or by cancelled timers, are skipped when they come due, and the loop sweeps them out
/// once they outnumber the live ones (a closed connection's timer must not stay in memory until
/// its old deadline). Used on its loop's thread only.
///
/// Open so that an owner with its own bookkeeping can subclass it and override ``fire()``: one
/// object per connection instead of a timer, a wrapper and a closure context.
open class LoopTimer {
    public unowned let loop: EventLoop
    private var handler: (() -> Void)?
    /// False once cancelled: never fires again.
    private var active = true
    /// When the timer fires (``EventLoop/now()`` nanoseconds); `.max` = not armed.
    public internal(set) var deadline: UInt64 = .max

    /// A timer that runs `handler` when it fires (nil: a subclass overrides ``fire()``).
    public init(loop: EventLoop, handler: (() -> Void)?) {
        self.loop = loop
        self.handler = handler
    }

    /// Replaces what firing does.
    public func setHandler(_ handler: @escaping () -> Void) {
        self.handler = handler
    }

    /// Fires at `deadline` (replacing any earlier setting).
    public final func schedule(at deadline: UInt64) {
        guard active else { return }
        if self.deadline != .max { loop.timerEntryAbandoned() }
        self.deadline = deadline
        loop.add(self, at: deadline)
    }

    /// Fires `seconds` from now (the loop's ``EventLoop/time``).
    public final func schedule(after seconds: Double) {
        schedule(at: loop.time &+ UInt64(max(0, seconds) * 1e9))
    }

    /// Not armed any more (may be armed again).
    public final func disarm() {
        if deadline != .max { loop.timerEntryAbandoned() }
        deadline = .max
    }

    /// Never fires again; drops the handler (and whatever it retains).
    open func cancel() {
        disarm()
        handler = nil
        active = false
    }

    /// Runs on the loop thread when the deadline comes.
    open func fire() {
        handler?()
    }
}

/// A binary min-heap of (deadline, timer), for one loop's timers.
struct TimerHeap {
    private var entries: [(deadline: UInt64, timer: LoopTimer)] = []

    var count: Int { entries.count }

    func peekDeadline() -> UInt64? { entries.first?.deadline }

    /// Keeps only the entries `isCurrent` accepts, and restores the heap order (O(n)).
    mutating func removeAll(keeping isCurrent: (UInt64, LoopTimer) -> Bool) {
        entries.removeAll { !isCurrent($0.deadline, $0.timer) }
        var index = entries.count / 2
        while index > 0 {
            index -= 1
            siftDown(index)
        }
    }

    mutating func push(_ deadline: UInt64, _ timer: LoopTimer) {
        entries.append((deadline, timer))
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].deadline < entries[parent].deadline else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest entry's timer (the heap must not be empty).
    mutating func pop() -> LoopTimer {
        let top = entries[0].timer
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            siftDown(0)
        }
        return top
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < entries.count, entries[left].deadline < entries[smallest].deadline { smallest = left }
            if right < entries.count, entries[right].deadline < entries[smallest].deadline { smallest = right }
            if smallest == parent { break }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
