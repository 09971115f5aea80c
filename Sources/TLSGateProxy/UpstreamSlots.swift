import TLSGateIO

/// Concurrent upstream connections per host (`limits.max_upstream_per_host`), shared by every
/// session of a server and kept across reloads.
public final class UpstreamSlots: @unchecked Sendable {
    private let lock = Lock()
    private var inUse: [String: Int] = [:]

    public init() {}

    /// Takes a slot for `host`; false when `limit` (> 0) slots are already taken.
    func acquire(_ host: String, limit: Int) -> Bool {
        lock.withLock {
            let current = inUse[host, default: 0]
            if limit > 0 && current >= limit { return false }
            inUse[host] = current + 1
            return true
        }
    }

    func release(_ host: String) {
        lock.withLock {
            let left = inUse[host, default: 1] - 1
            if left <= 0 { inUse.removeValue(forKey: host) } else { inUse[host] = left }
        }
    }

    func count(_ host: String) -> Int { lock.withLock { inUse[host, default: 0] } }
}
