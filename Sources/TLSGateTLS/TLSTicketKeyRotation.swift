import Synchronization
import TLSGateIO

/// Server contexts for intercepted clients, replaced every `period` seconds so the session-ticket
/// key rotates: each `TLSContext(server:)` draws its own random ticket key, and a ticket made
/// under an older context simply gets a full handshake. One lock per new client connection (not
/// per read or write); connections keep the context they started with.
public final class TLSTicketKeyRotation: Sendable {
    public let configuration: TLSClientConfiguration
    /// Seconds one ticket key is used for new tickets.
    public let period: Double
    /// ALPN offers `h2` too (``TLSContext/init(server:http2:)``).
    public let http2: Bool
    private let state: Mutex<(context: TLSContext, madeNanos: UInt64)>

    public init(configuration: TLSClientConfiguration, period: Double = 3600, http2: Bool = false) throws(TLSError) {
        self.configuration = configuration
        self.period = period
        self.http2 = http2
        state = Mutex((try TLSContext(server: configuration, http2: http2), EventLoop.now()))
    }

    /// The context for a new connection (a fresh one, with a new ticket key, once `period` is over).
    public func current() -> TLSContext {
        let now = EventLoop.now()
        return state.withLock { state in
            if Double(now &- state.madeNanos) / 1e9 >= period, let fresh = try? TLSContext(server: configuration, http2: http2) {
                state = (fresh, now)
            }
            return state.context
        }
    }
}
