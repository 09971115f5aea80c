import Dispatch

/// One long-lived timer per session, re-armed for each phase deadline.
///
/// Created resumed (never left suspended, so releasing it cannot trap) and armed "never"; the
/// session re-arms it with ``arm(after:)`` and stops it with ``cancel()`` at close.
final class SessionTimer {
    private let source: DispatchSourceTimer
    private var cancelled = false

    init(queue: DispatchQueue, handler: @escaping @Sendable () -> Void) {
        source = DispatchSource.makeTimerSource(queue: queue)
        source.setEventHandler(handler: handler)
        source.schedule(deadline: .distantFuture)
        source.resume()
    }

    /// Fires once, `seconds` from now (replacing any earlier deadline).
    func arm(after seconds: Double) {
        guard !cancelled else { return }
        source.schedule(deadline: .now() + seconds, leeway: .milliseconds(50))
    }

    func disarm() {
        guard !cancelled else { return }
        source.schedule(deadline: .distantFuture)
    }

    func cancel() {
        guard !cancelled else { return }
        cancelled = true
        source.setEventHandler(handler: nil)
        source.cancel()
    }
}

/// Monotonic nanoseconds, for durations and idle checks.
@inline(__always)
func monotonicNanos() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
