import TLSGateIO
import TLSGateMetrics
import TLSGateTLS

/// Idle upstream TLS connections kept for the next request, across client connections.
///
/// Most tools open a new connection per process, so reusing the upstream side is where a local
/// proxy saves the TLS handshake. There is one pool per event loop: a connection is registered
/// with its loop's epoll, so it can only be reused there, and the pool needs no lock (every call
/// is made on that loop).
///
/// A connection is keyed by host, port and the environment it was made under (policy, CA bundle
/// and TLS profile), so a reload never hands out a connection verified under the old settings.
/// While idle, the pool watches it: the server closing it, or sending anything, removes it.
final class UpstreamPool: @unchecked Sendable {
    struct Key: Hashable {
        let host: String
        let port: Int
        /// Compared by identity. Held strongly, not as an `ObjectIdentifier`: once a reload
        /// frees the old environment, the next one may be allocated at the same address, and a
        /// bare identifier would then hand out connections verified under the old settings.
        let environment: ProxyEnvironment

        static func == (a: Key, b: Key) -> Bool {
            a.environment === b.environment && a.port == b.port && a.host == b.host
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(host)
            hasher.combine(port)
            hasher.combine(ObjectIdentifier(environment))
        }
    }

    private struct Idle {
        let link: UpstreamLink
        let since: UInt64
    }

    let loop: EventLoop
    /// Most idle connections kept per key.
    let maxIdlePerKey: Int
    /// Seconds an idle connection is kept.
    let idleTimeout: Double
    private var idle: [Key: [Idle]] = [:]
    private var sweeper: LoopTimer?

    /// Where the pool reports its idle count and closes (nil: not reported).
    let metrics: ProxyMetrics?

    init(loop: EventLoop, maxIdlePerKey: Int = 128, idleTimeout: Double = 30, metrics: ProxyMetrics? = nil) {
        self.loop = loop
        self.metrics = metrics
        self.maxIdlePerKey = maxIdlePerKey
        self.idleTimeout = idleTimeout
    }

    /// Whether a connection for `key` is idle here (it may still turn out closed on `take`).
    func hasIdle(_ key: Key) -> Bool { idle[key]?.isEmpty == false }

    /// A healthy idle connection for `key` (most recently used first), or nil.
    func take(_ key: Key) -> UpstreamLink? {
        while var list = idle[key], let entry = list.popLast() {
            idle[key] = list.isEmpty ? nil : list
            metrics?.poolIdleChanged(by: -1)
            let link = entry.link
            if link.channel.isClosed || link.eof { continue }
            link.channel.wantReads(false)
            return link
        }
        return nil
    }

    /// Keeps `link` for reuse (the caller gives up the link). Returns false when the pool is full
    /// for that key; the caller then closes the link itself.
    func put(_ link: UpstreamLink, _ key: Key) -> Bool {
        guard idleTimeout > 0, maxIdlePerKey > 0, !link.channel.isClosed, !link.eof, link.handshakeDone else { return false }
        guard idle[key, default: []].count < maxIdlePerKey else {
            metrics?.poolClosed(.full)
            return false
        }
        idle[key, default: []].append(Idle(link: link, since: monotonicNanos()))
        metrics?.poolIdleChanged(by: 1)
        link.readable = false
        link.channel.setHandlers(readable: { [self] in idleLinkReadable(link, key) }, writable: {})
        link.channel.wantWrites(false)
        link.channel.wantReads(true)
        startSweeper()
        return true
    }

    /// An idle connection became readable: the server closed it (or sent something unasked for).
    private func idleLinkReadable(_ link: UpstreamLink, _ key: Key) {
        var scratch: UInt8 = 0
        switch link.tls.read(into: &scratch, count: 1) {
        case .wantRead:
            return   // e.g. a TLS 1.3 session ticket: nothing for the application
        case .wantWrite, .bytes, .closed, .failed:
            remove(link, key)
        }
    }

    private func remove(_ link: UpstreamLink, _ key: Key) {
        guard var list = idle[key], let index = list.firstIndex(where: { $0.link === link }) else { return }
        let entry = list.remove(at: index)
        idle[key] = list.isEmpty ? nil : list
        metrics?.poolIdleChanged(by: -1)
        metrics?.poolClosed(.serverClosed)
        close(entry)
    }

    private func close(_ entry: Idle) {
        entry.link.close(sendCloseNotify: true)
        entry.link.eof = true
    }

    private func startSweeper() {
        let period = max(1, min(5, idleTimeout / 2))
        let timer = sweeper ?? LoopTimer(loop: loop) {}
        sweeper = timer
        guard timer.deadline == .max else { return }   // already armed
        timer.setHandler { [unowned self, unowned timer] in
            sweep()
            if !idle.isEmpty { timer.schedule(after: period) }
        }
        timer.schedule(after: period)
    }

    /// Closes connections idle longer than `idleTimeout`.
    private func sweep() {
        let cutoff = monotonicNanos() &- UInt64(idleTimeout * 1e9)
        for (key, list) in idle {
            let (expired, kept) = (list.filter { $0.since < cutoff }, list.filter { $0.since >= cutoff })
            idle[key] = kept.isEmpty ? nil : kept
            if !expired.isEmpty {
                metrics?.poolIdleChanged(by: -expired.count)
                for _ in expired { metrics?.poolClosed(.expired) }
            }
            expired.forEach(close)
        }
    }
}
