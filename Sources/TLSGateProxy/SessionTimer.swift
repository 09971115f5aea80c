import Dispatch

/// One long-lived timer per session, carrying the current phase deadline.
///
/// Phases move the deadline on every request, so re-programming the Dispatch timer each time would
/// cost a system call and a wake-up of Dispatch's timer thread per request. Instead the timer is
/// re-armed only when the new deadline is *earlier* than the one it is set for; when it fires
/// early (the deadline has moved on), it quietly re-arms for the real deadline.
///
/// Created resumed (never left suspended, so releasing it cannot trap); ``cancel()`` at close.
final class SessionTimer {
    private let source: DispatchSourceTimer
    private var cancelled = false
    /// When the session's deadline is (monotonic ns); `.max` = none.
    private var deadline: UInt64 = .max
    /// When the Dispatch timer is set to fire; `.max` = not armed.
    private var armedFor: UInt64 = .max

    init(queue: DispatchQueue, handler: @escaping @Sendable () -> Void) {
        source = DispatchSource.makeTimerSource(queue: queue)
        source.schedule(deadline: .distantFuture)
        source.resume()
        setHandler(handler)
    }

    /// Hands the timer to a new owner (a forward session becoming a tunnel): same Dispatch
    /// timer, new callback, no deadline.
    func setHandler(_ handler: @escaping @Sendable () -> Void) {
        deadline = .max
        source.setEventHandler { [unowned self] in
            armedFor = .max
            let now = monotonicNanos()
            if deadline == .max { return }
            if now + 1_000_000 < deadline {
                program(deadline)
                return
            }
            deadline = .max
            handler()
        }
    }

    /// The deadline is now `seconds` from now (replacing any earlier one).
    func arm(after seconds: Double) {
        guard !cancelled else { return }
        deadline = monotonicNanos() &+ UInt64(max(0, seconds) * 1e9)
        if deadline < armedFor { program(deadline) }
    }

    /// No deadline (the timer may still fire once, harmlessly).
    func disarm() {
        deadline = .max
    }

    func cancel() {
        guard !cancelled else { return }
        cancelled = true
        source.setEventHandler(handler: nil)
        source.cancel()
    }

    private func program(_ at: UInt64) {
        armedFor = at
        source.schedule(deadline: DispatchTime(uptimeNanoseconds: at), leeway: .milliseconds(50))
    }
}

/// Monotonic nanoseconds, for durations and deadlines (the clock `DispatchTime` uses).
@inline(__always)
func monotonicNanos() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
