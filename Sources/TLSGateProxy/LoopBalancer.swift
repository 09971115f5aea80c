import Synchronization

/// Spreads client connections over the event loops by how many each one serves: a safety net
/// behind the listener's small accept batch.
///
/// Every loop watches the listening socket and the kernel wakes whichever is idle, so a burst of
/// new connections (a client pool opening 50 keep-alive connections at once) can land on the loop
/// that woke first while the other waits for a core. That loop then serves every request of
/// those connections for their whole life. Measured (3 s keep-alive runs, 50 connections, two
/// loops): all 50 on one loop in 4 of 14 runs, 45–50k req/s against 53–58k when split. So the
/// loop that accepts a connection keeps it unless it serves more than ``slack(least:)``
/// connections above the least-loaded loop; then the connection is handed to that loop.
///
/// The slack is wide on purpose. Under a stream of short connections the counts swing (a loop
/// accepts a few at once), and each hand-over costs a cross-thread wake-up: with a slack of 1,
/// 35 % of new-connection-per-request traffic was handed over; with this one, ~4 %.
///
/// Counts are per loop and atomic: a loop's count grows when a connection is assigned to it (on
/// the accepting thread, so the next accept of the same batch already sees it) and shrinks when
/// the connection closes or is refused (on the serving thread).
final class LoopBalancer: Sendable {
    /// One loop's count, padded so that two loops' counters do not share a cache line (it would
    /// bounce between the cores on every accept and close).
    private final class Counter: Sendable {
        let value = Atomic<Int>(0)
        private let padding: (Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0)
    }

    private let counts: [Counter]

    init(loops: Int) {
        precondition(loops > 0, "a balancer needs at least one loop")
        counts = (0..<loops).map { _ in Counter() }
    }

    /// Connections assigned to loop `index` and not yet released.
    func load(_ index: Int) -> Int { counts[index].value.load(ordering: .relaxed) }

    /// Chooses the loop that serves a connection accepted on loop `accepted`, and counts the
    /// connection there. Pair with ``release(_:)`` when it closes (or is refused).
    func assign(acceptedOn accepted: Int) -> Int {
        let target = counts.count == 1 ? accepted : Self.target(acceptedOn: accepted, loops: counts.count, load: load)
        counts[target].value.wrappingAdd(1, ordering: .relaxed)
        return target
    }

    /// A connection assigned to loop `index` is gone.
    func release(_ index: Int) {
        counts[index].value.wrappingSubtract(1, ordering: .relaxed)
    }

    /// The policy, pure: the accepting loop keeps the connection unless its load is more than
    /// ``slack(least:)`` above the least-loaded loop's (the first such loop on ties).
    static func target(acceptedOn accepted: Int, loops: Int, load: (Int) -> Int) -> Int {
        let mine = load(accepted)
        var least = accepted, leastLoad = mine
        for i in 0..<loops where i != accepted {
            let l = load(i)
            if l < leastLoad { least = i; leastLoad = l }
        }
        return mine > leastLoad + slack(least: leastLoad) ? least : accepted
    }

    /// How far above the least-loaded loop the accepting loop may be and still keep the
    /// connection: 16, or as many as the least-loaded loop serves when that is more (so one loop
    /// serves at most about twice the other's share of a large set of connections).
    static func slack(least: Int) -> Int { max(16, least) }
}
