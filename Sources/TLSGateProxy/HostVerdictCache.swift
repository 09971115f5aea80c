/// The host verdicts of one event loop, shared by its sessions: a client that opens a new
/// connection per request (most command-line tools) finds its host's verdict here instead of
/// computing it again. Bounded; used on its loop's thread only.
final class HostVerdictCache {
    /// Most hosts kept; the cache starts over when full.
    static let capacity = 256
    private var verdicts: [String: HostVerdict] = [:]
    /// The verdict handed out last.
    private var last: HostVerdict?

    init() {}

    /// The verdict for `host` under `environment`, computed on first use. A verdict made under
    /// another environment means a reload happened: the cache starts over, so it does not keep
    /// old environments (and their TLS contexts) alive.
    func verdict(for host: String, under environment: ProxyEnvironment) -> HostVerdict {
        // Most new connections ask for the host the last one asked for: a string comparison
        // instead of hashing the name.
        if let last, last.applies(to: host, under: environment) { return last }
        let found = lookUp(host, under: environment)
        last = found
        return found
    }

    private func lookUp(_ host: String, under environment: ProxyEnvironment) -> HostVerdict {
        if let known = verdicts[host] {
            if known.environment === environment { return known }
            verdicts.removeAll()
        } else if verdicts.count >= Self.capacity {
            verdicts.removeAll(keepingCapacity: true)
        }
        let fresh = HostVerdict(host: host, environment: environment)
        verdicts[host] = fresh
        return fresh
    }

    /// Hosts cached now (for tests).
    var count: Int { verdicts.count }
}
