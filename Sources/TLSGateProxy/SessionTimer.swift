import TLSGateIO

/// One long-lived timer per session, carrying the current phase deadline.
///
/// Phases move the deadline on every request, so the loop timer is re-armed only when the new
/// deadline is *earlier* than the one it is set for; when it fires early (the deadline has moved
/// on), it quietly re-arms for the real deadline. That keeps the loop's timer heap to about one
/// entry per session however many requests the session serves.
final class SessionTimer {
    private let timer: LoopTimer
    private var cancelled = false
    /// When the session's deadline is (monotonic ns); `.max` = none.
    private var deadline: UInt64 = .max
    private var handler: () -> Void

    init(loop: EventLoop, handler: @escaping () -> Void) {
        self.handler = handler
        timer = LoopTimer(loop: loop) {}
        timer.setHandler { [unowned self] in fired() }
    }

    /// Hands the timer to a new owner (a forward session becoming a tunnel): same loop timer,
    /// new callback, no deadline.
    func setHandler(_ handler: @escaping () -> Void) {
        deadline = .max
        self.handler = handler
    }

    /// The deadline is now `seconds` from now (replacing any earlier one).
    func arm(after seconds: Double) {
        guard !cancelled else { return }
        deadline = monotonicNanos() &+ UInt64(max(0, seconds) * 1e9)
        if deadline < timer.deadline { timer.schedule(at: deadline) }
    }

    /// No deadline (the timer may still fire once, harmlessly).
    func disarm() {
        deadline = .max
    }

    func cancel() {
        guard !cancelled else { return }
        cancelled = true
        timer.cancel()
        handler = {}
    }

    deinit {
        timer.cancel()
    }

    private func fired() {
        if deadline == .max { return }
        if monotonicNanos() + 1_000_000 < deadline {
            timer.schedule(at: deadline)
            return
        }
        deadline = .max
        handler()
    }
}

/// Monotonic nanoseconds, for durations and deadlines (the event loops' clock).
@inline(__always)
func monotonicNanos() -> UInt64 { EventLoop.now() }
