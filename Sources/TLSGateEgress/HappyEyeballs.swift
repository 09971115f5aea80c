/// Connection racing after RFC 8305 (Happy Eyeballs v2), as a pure state machine: the caller
/// feeds it events (start, an attempt connected or failed, the attempt-delay timer fired) and
/// carries out the actions it returns (start attempt *i*, arm or cancel the timer, close the
/// losers, report the winner or the failure). No sockets and no clock here, so every ordering of
/// events is testable.
///
/// Rules (RFC 8305 §5): candidates are tried in the order given (see ``interleave(_:family:)``);
/// the first attempt starts at once, each further one when the attempt delay (250 ms by default)
/// passes without a connection or as soon as an attempt fails; the first to connect wins and the
/// others still in flight are closed; when every candidate has failed, the race fails.
public struct HappyEyeballs: Sendable {
    public enum Action: Sendable, Equatable {
        /// Start a non-blocking connect to candidate `index`.
        case startAttempt(Int)
        /// (Re)arm the one attempt-delay timer to fire after `seconds` (replacing any earlier arming).
        case armTimer(seconds: Double)
        /// Disarm the timer.
        case cancelTimer
        /// Close the attempt to candidate `index` (it lost the race).
        case closeAttempt(Int)
        /// Candidate `index` connected: hand its connection on.
        case succeeded(Int)
        /// Every candidate failed.
        case failed
    }

    /// RFC 8305 §8's recommended Connection Attempt Delay.
    public static let defaultAttemptDelay = 0.25

    public let candidateCount: Int
    public let attemptDelay: Double
    /// Index of the next candidate not yet started.
    public private(set) var nextCandidate = 0
    /// Attempts started and not yet over, in start order.
    public private(set) var inFlight: [Int] = []
    /// True once the race is won or lost.
    public private(set) var isFinished = false

    public init(candidateCount: Int, attemptDelay: Double = HappyEyeballs.defaultAttemptDelay) {
        self.candidateCount = max(0, candidateCount)
        self.attemptDelay = attemptDelay
    }

    /// Starts the race.
    public mutating func start() -> [Action] {
        guard !isFinished, nextCandidate == 0, inFlight.isEmpty else { return [] }
        guard candidateCount > 0 else {
            isFinished = true
            return [.failed]
        }
        return launchNext()
    }

    /// The attempt-delay timer fired: start the next candidate, if any.
    public mutating func timerFired() -> [Action] {
        guard !isFinished, nextCandidate < candidateCount else { return [] }
        return launchNext()
    }

    /// Attempt `index` connected.
    public mutating func attemptSucceeded(_ index: Int) -> [Action] {
        guard !isFinished else { return [.closeAttempt(index)] }
        guard inFlight.contains(index) else { return [] }
        isFinished = true
        var actions: [Action] = [.cancelTimer]
        for other in inFlight where other != index { actions.append(.closeAttempt(other)) }
        inFlight.removeAll()
        actions.append(.succeeded(index))
        return actions
    }

    /// Attempt `index` failed (refused, unreachable, reset, could not even start).
    public mutating func attemptFailed(_ index: Int) -> [Action] {
        guard !isFinished, let position = inFlight.firstIndex(of: index) else { return [] }
        inFlight.remove(at: position)
        if nextCandidate < candidateCount { return launchNext() }
        guard inFlight.isEmpty else { return [] }
        isFinished = true
        return [.cancelTimer, .failed]
    }

    /// Gives up (the caller's overall timeout): every attempt in flight is to be closed.
    public mutating func cancel() -> [Action] {
        guard !isFinished else { return [] }
        isFinished = true
        let actions: [Action] = [.cancelTimer] + inFlight.map { .closeAttempt($0) }
        inFlight.removeAll()
        return actions
    }

    private mutating func launchNext() -> [Action] {
        let index = nextCandidate
        nextCandidate += 1
        inFlight.append(index)
        var actions: [Action] = [.startAttempt(index)]
        actions.append(nextCandidate < candidateCount ? .armTimer(seconds: attemptDelay) : .cancelTimer)
        return actions
    }

    /// Orders candidates for the race (RFC 8305 §4): the family of the first candidate first,
    /// then alternating families, each family keeping its own order (the resolver's RFC 6724
    /// preference, or the operator's order in `upstream.resolve`).
    public static func interleave<T>(_ candidates: [T], family: (T) -> Int32) -> [T] {
        var order: [Int32] = []
        var byFamily: [Int32: [T]] = [:]
        for candidate in candidates {
            let key = family(candidate)
            if byFamily[key] == nil { order.append(key) }
            byFamily[key, default: []].append(candidate)
        }
        var queues = order.map { byFamily[$0]![...] }
        var result: [T] = []
        result.reserveCapacity(candidates.count)
        while result.count < candidates.count {
            for index in queues.indices {
                if let first = queues[index].popFirst() { result.append(first) }
            }
        }
        return result
    }
}
