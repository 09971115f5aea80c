import Synchronization
import TLSGateIO

/// Concurrent upstream connections per host (`limits.max_upstream_per_host`), shared by every
/// session of a server and kept across reloads.
///
/// Each host has its own counter object (``HostSlots``). A session looks it up once per host and
/// keeps it (see `HostVerdict`), so taking and giving back a slot on every request is one atomic
/// add, with no lock and no hashing of the host name.
public final class UpstreamSlots: @unchecked Sendable {
    /// Counters kept before unused ones (count 0, held by no session) are swept out.
    static let sweepAbove = 4096
    private let lock = Lock()
    private var counters: [String: HostSlots] = [:]

    public init() {}

    /// The counter for `host`, made on first use.
    public func counter(_ host: String) -> HostSlots {
        lock.withLock {
            if let existing = counters[host] { return existing }
            if counters.count >= Self.sweepAbove { sweepUnused() }
            let fresh = HostSlots()
            counters[host] = fresh
            return fresh
        }
    }

    /// Counters that exist now (for tests).
    var counterCount: Int { lock.withLock { counters.count } }

    /// Drops counters no session holds and no connection counts (called under the lock). A
    /// counter a session still holds stays: that session may take a slot on it later.
    private func sweepUnused() {
        var unused: [String] = []
        var index = counters.values.startIndex
        while index != counters.values.endIndex {
            if isKnownUniquelyReferenced(&counters.values[index]), counters.values[index].count == 0 {
                unused.append(counters.keys[index])
            }
            counters.values.formIndex(after: &index)
        }
        for host in unused { counters.removeValue(forKey: host) }
    }
}

/// The slot counter of one host.
public final class HostSlots: Sendable {
    private let inUse = Atomic<Int>(0)

    /// Takes a slot; false when `limit` (> 0) are taken. Adds first and takes it back when over
    /// the limit: no retry loop. (Two racing takers at the limit may both be refused.)
    func acquire(limit: Int) -> Bool {
        let now = inUse.wrappingAdd(1, ordering: .relaxed).newValue
        if limit > 0 && now > limit {
            inUse.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func release() { inUse.wrappingSubtract(1, ordering: .relaxed) }

    /// Slots taken now.
    var count: Int { inUse.load(ordering: .relaxed) }
}
