import TLSGateIO

/// One long-lived timer per session, carrying the current phase deadline.
///
/// Phases move the deadline on every request, so the loop timer is re-armed only when the new
/// deadline is *earlier* than the one it is set for; when it fires early (the deadline has moved
/// on), it quietly re-arms for the real deadline. That keeps the loop's timer heap to about one
/// entry per session however many requests the session serves.
final class SessionTimer: LoopTimer {
    private var cancelled = false
    /// When the session's deadline is (monotonic ns); `.max` = none.
    private var phaseDeadline: UInt64 = .max
    private var owner: () -> Void

    init(loop: EventLoop, handler: @escaping () -> Void) {
        self.owner = handler
        super.init(loop: loop, handler: nil)
    }

    /// Hands the timer to a new owner (a forward session becoming a tunnel): same loop timer,
    /// new callback, no deadline.
    func setOwner(_ handler: @escaping () -> Void) {
        phaseDeadline = .max
        owner = handler
    }

    /// The deadline is now `seconds` from now, by the loop's clock (replacing any earlier one).
    func arm(after seconds: Double) {
        guard !cancelled else { return }
        phaseDeadline = loop.time &+ UInt64(max(0, seconds) * 1e9)
        if phaseDeadline < deadline { schedule(at: phaseDeadline) }
    }

    /// Never fires again; lets the owner go (the loop's heap may hold the timer a while).
    override func cancel() {
        guard !cancelled else { return }
        cancelled = true
        super.cancel()
        owner = {}
    }

    override func fire() {
        if phaseDeadline == .max { return }
        if monotonicNanos() + 1_000_000 < phaseDeadline {
            schedule(at: phaseDeadline)
            return
        }
        phaseDeadline = .max
        owner()
    }
}

/// Monotonic nanoseconds, for durations and deadlines (the event loops' clock).
@inline(__always)
func monotonicNanos() -> UInt64 { EventLoop.now() }
