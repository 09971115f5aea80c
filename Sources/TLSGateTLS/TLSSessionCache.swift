import COpenSSL
import CShims
import Glibc
import TLSGateIO

/// Client TLS sessions (TLS 1.3 tickets, TLS 1.2 session ids) kept per upstream `host:port`, so a
/// new upstream connection can resume instead of doing a full handshake.
///
/// OpenSSL hands over each new session through the context's new-session callback (TLS 1.3
/// tickets arrive after the handshake); the callback finds the cache and the connection's key
/// through the `SSL`'s app data. One cache per `TLSContext`: a reload (new CA bundle or policy)
/// starts with none, so a session is never resumed across different verification settings.
final class TLSSessionCache: @unchecked Sendable {
    private var sessions: [String: OpaquePointer] = [:]
    private let lock = Lock()
    private let capacity: Int

    init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    deinit {
        for session in sessions.values { SSL_SESSION_free(session) }
    }

    /// Stores `session`, taking over the reference OpenSSL passed to the callback.
    func store(_ session: OpaquePointer, for key: String) {
        let evicted: [OpaquePointer] = lock.withLock {
            var dropped: [OpaquePointer] = []
            if let old = sessions[key] { dropped.append(old) }
            if sessions[key] == nil, sessions.count >= capacity, let victim = sessions.first {
                sessions.removeValue(forKey: victim.key)
                dropped.append(victim.value)
            }
            sessions[key] = session
            return dropped
        }
        for session in evicted { SSL_SESSION_free(session) }
    }

    /// Offers the stored session for `key` to `ssl` (SSL_set_session takes its own reference).
    func apply(to ssl: OpaquePointer, key: String) {
        lock.withLock {
            if let session = sessions[key] { _ = SSL_set_session(ssl, session) }
        }
    }

    var count: Int { lock.withLock { sessions.count } }
}

/// Where a connection's session goes: the cache and the key, attached to the `SSL` as app data.
final class SessionSlot {
    let cache: TLSSessionCache
    let key: String

    init(cache: TLSSessionCache, key: String) {
        self.cache = cache
        self.key = key
    }
}

/// OpenSSL's new-session callback: returns 1 when the cache keeps the session.
let tlsgateNewSessionCallback: @convention(c) (OpaquePointer?, OpaquePointer?) -> Int32 = { ssl, session in
    guard let ssl, let session, let raw = tg_SSL_get_app_data(ssl) else { return 0 }
    let slot = Unmanaged<SessionSlot>.fromOpaque(raw).takeUnretainedValue()
    slot.cache.store(session, for: slot.key)
    return 1
}
