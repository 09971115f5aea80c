/// The pool's multiplexed side: HTTP/2 upstream connections are shared, not taken. A session
/// asks for one with room for a stream; the connection stays in the pool (on its loop, under the
/// key it was verified with, so a reload never reuses it) until GOAWAY, failure or idleness.
///
/// Once an origin picked `h2` here, requests for it queue for a stream instead of each dialling:
/// a new connection is made only when every open one is at the origin's
/// SETTINGS_MAX_CONCURRENT_STREAMS and none is being made.
extension UpstreamPool {
    /// A session waiting for a stream (not retained: a closed session just drops out).
    struct WeakSession {
        weak var session: ForwardSession?
    }

    /// A connection for `key` that can open a stream now (the first one with room).
    func http2Connection(_ key: Key) -> HTTP2UpstreamConnection? {
        guard let list = http2[key] else { return nil }
        return list.first { $0.canOpenStream }
    }

    /// Adds a connection whose handshake picked `h2`.
    func addHTTP2(_ connection: HTTP2UpstreamConnection) {
        http2[connection.key, default: []].append(connection)
        http2Known.insert(connection.key)
        metrics?.upstreamHTTP2.connectionOpened()
    }

    /// The connection takes no more streams (GOAWAY, failure, closing).
    func removeHTTP2(_ connection: HTTP2UpstreamConnection) {
        guard var list = http2[connection.key], let index = list.firstIndex(where: { $0 === connection }) else { return }
        list.remove(at: index)
        http2[connection.key] = list.isEmpty ? nil : list
        wakeHTTP2Waiters(connection.key)
    }

    /// Whether a request for `key` should wait for a stream: the origin speaks h2 and a
    /// connection for it is being made (the caller then queues with ``waitForHTTP2(_:_:)``).
    func shouldWaitForHTTP2(_ key: Key) -> Bool {
        http2Known.contains(key) && http2Connecting[key, default: 0] > 0
    }

    func waitForHTTP2(_ key: Key, _ session: ForwardSession) {
        http2Waiters[key, default: []].append(WeakSession(session: session))
    }

    /// A connection for a known-h2 key is being made (``http2ConnectEnded(_:)`` when it is done).
    func http2ConnectStarted(_ key: Key) {
        http2Connecting[key, default: 0] += 1
    }

    func http2ConnectEnded(_ key: Key) {
        let left = http2Connecting[key, default: 0] - 1
        http2Connecting[key] = left > 0 ? left : nil
        wakeHTTP2Waiters(key)
    }

    /// Room may have appeared (a stream ended, SETTINGS arrived, a connection came or went): the
    /// waiters, in order, get streams; if some remain and nothing is being made, the first dials.
    func wakeHTTP2Waiters(_ key: Key) {
        guard var waiters = http2Waiters[key] else { return }
        var index = 0
        while index < waiters.count {
            guard let session = waiters[index].session, session.waitingForHTTP2 else {
                index += 1
                continue
            }
            if let connection = http2Connection(key) {
                index += 1
                session.resumeOnHTTP2(connection)
            } else if http2Connecting[key, default: 0] == 0 {
                index += 1
                session.connectForHTTP2()
            } else {
                break
            }
        }
        waiters.removeFirst(index)
        http2Waiters[key] = waiters.isEmpty ? nil : waiters
    }
}
