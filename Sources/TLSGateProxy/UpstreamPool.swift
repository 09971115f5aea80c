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
        /// Hash of all three, computed once: sessions keep their keys (see
        /// `HostVerdict.poolKey(port:)`), so a lookup does not hash the host name again.
        private let hashCode: Int

        init(host: String, port: Int, environment: ProxyEnvironment) {
            self.host = host
            self.port = port
            self.environment = environment
            var hasher = Hasher()
            hasher.combine(host)
            hasher.combine(port)
            hasher.combine(ObjectIdentifier(environment))
            hashCode = hasher.finalize()
        }

        static func == (a: Key, b: Key) -> Bool {
            a.hashCode == b.hashCode && a.environment === b.environment && a.port == b.port && a.host == b.host
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(hashCode)
        }
    }

    private struct Idle {
        let link: UpstreamLink
        let since: UInt64
        /// Its TLS record buffers were given back (after `releaseBuffersAfter` idle).
        var buffersReleased = false
    }

    /// The idle connections of one key, a stack (the most recently used on top). A class, so
    /// taking and putting mutate it in place: no copy of the list, one hash lookup.
    private final class Bucket {
        var entries: [Idle] = []
    }

    let loop: EventLoop
    /// Most idle connections kept per key.
    let maxIdlePerKey: Int
    /// Seconds an idle connection is kept.
    let idleTimeout: Double
    /// Seconds after which an idle connection gives back its TLS record buffers (~80 KiB). A
    /// connection reused sooner (the usual case under load) keeps them: freeing and allocating
    /// them again on every request costs more than the request's own decryption.
    static let releaseBuffersAfter = 1.0
    private var idle: [Key: Bucket] = [:]
    /// Idle connections that still hold their record buffers.
    private var holdingBuffers = 0
    private var sweeper: LoopTimer?
    /// Multiplexed HTTP/2 connections by key (see UpstreamPool+HTTP2.swift).
    var http2: [Key: [HTTP2UpstreamConnection]] = [:]
    /// Keys whose origin picked `h2` on this loop: new requests wait for a stream rather than dial.
    var http2Known: Set<Key> = []
    /// Connections being made for known-h2 keys, and the sessions waiting for a stream.
    var http2Connecting: [Key: Int] = [:]
    var http2Waiters: [Key: [WeakSession]] = [:]

    /// Where the pool reports its idle count and closes (nil: not reported).
    let metrics: ProxyMetrics?

    init(loop: EventLoop, maxIdlePerKey: Int = 128, idleTimeout: Double = 30, metrics: ProxyMetrics? = nil) {
        self.loop = loop
        self.metrics = metrics
        self.maxIdlePerKey = maxIdlePerKey
        self.idleTimeout = idleTimeout
    }

    /// Takes the most recently idle open connection for `key`, if any.
    func take(_ key: Key) -> UpstreamLink? {
        // An emptied bucket stays (the next put for the key reuses it); the sweeper drops it.
        guard let bucket = idle[key] else { return nil }
        while let entry = bucket.entries.popLast() {
            metrics?.poolIdleChanged(by: -1)
            if !entry.buffersReleased { holdingBuffers -= 1 }
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
        let bucket: Bucket
        if let existing = idle[key] {
            bucket = existing
        } else {
            bucket = Bucket()
            idle[key] = bucket
        }
        guard bucket.entries.count < maxIdlePerKey else {
            metrics?.poolClosed(.full)
            return false
        }
        bucket.entries.append(Idle(link: link, since: loop.time))
        holdingBuffers += 1
        metrics?.poolIdleChanged(by: 1)
        link.readable = false
        link.poolKey = key
        // Made once per connection, not per put (a closure context is an allocation).
        if link.idleWatch == nil { link.idleWatch = { [unowned self, unowned link] in idleLinkReadable(link) } }
        link.channel.setHandlers(readable: link.idleWatch!, writable: {})
        link.channel.wantWrites(false)
        link.channel.wantReads(true)
        startSweeper()
        return true
    }

    /// An idle connection became readable: the server closed it (or sent something unasked for).
    private func idleLinkReadable(_ link: UpstreamLink) {
        var scratch: UInt8 = 0
        switch link.tls.read(into: &scratch, count: 1) {
        case .wantRead:
            return   // e.g. a TLS 1.3 session ticket: nothing for the application
        case .wantWrite, .bytes, .closed, .failed:
            if let key = link.poolKey { remove(link, key) }
        }
    }

    private func remove(_ link: UpstreamLink, _ key: Key) {
        guard let bucket = idle[key], let index = bucket.entries.firstIndex(where: { $0.link === link }) else { return }
        let entry = bucket.entries.remove(at: index)
        if bucket.entries.isEmpty { idle[key] = nil }
        if !entry.buffersReleased { holdingBuffers -= 1 }
        metrics?.poolIdleChanged(by: -1)
        metrics?.poolClosed(.serverClosed)
        close(entry)
    }

    private func close(_ entry: Idle) {
        entry.link.close(sendCloseNotify: true)
        entry.link.eof = true
    }

    /// Runs `sweep` every `period` seconds while connections are idle (every
    /// `releaseBuffersAfter` while some still hold record buffers).
    private func startSweeper() {
        let timer = sweeper ?? LoopTimer(loop: loop) {}
        sweeper = timer
        if timer.deadline != .max {
            // Armed already; make sure a connection just put releases its buffers in time.
            let soon = EventLoop.now() &+ UInt64(Self.releaseBuffersAfter * 1e9)
            if timer.deadline > soon { timer.schedule(at: soon) }
            return
        }
        timer.setHandler { [unowned self, unowned timer] in
            sweep()
            if !idle.isEmpty { timer.schedule(after: sweepPeriod) }
        }
        timer.schedule(after: sweepPeriod)
    }

    private var sweepPeriod: Double {
        holdingBuffers > 0 ? Self.releaseBuffersAfter : max(1, min(5, idleTimeout / 2))
    }

    /// Closes connections idle longer than `idleTimeout`; frees the record buffers of those idle
    /// longer than `releaseBuffersAfter`.
    private func sweep() {
        let now = monotonicNanos()
        let cutoff = now &- UInt64(idleTimeout * 1e9)
        let buffersCutoff = now &- UInt64(Self.releaseBuffersAfter * 1e9)
        for (key, bucket) in idle {
            var kept: [Idle] = []
            kept.reserveCapacity(bucket.entries.count)
            var expired = 0
            for var entry in bucket.entries {
                if entry.since < cutoff {
                    if !entry.buffersReleased { holdingBuffers -= 1 }
                    expired += 1
                    close(entry)
                    continue
                }
                if !entry.buffersReleased && entry.since <= buffersCutoff {
                    entry.link.tls.releaseBuffers()   // idle connections hold no record buffers
                    entry.buffersReleased = true
                    holdingBuffers -= 1
                }
                kept.append(entry)
            }
            bucket.entries = kept
            if kept.isEmpty { idle[key] = nil }
            if expired > 0 {
                metrics?.poolIdleChanged(by: -expired)
                for _ in 0..<expired { metrics?.poolClosed(.expired) }
            }
        }
    }
}
