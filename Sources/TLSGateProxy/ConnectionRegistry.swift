import TLSGateIO
import TLSGatePolicy

/// A session that can be asked to wind down (shutdown, drain).
protocol DrainableSession: AnyObject, Sendable {
    /// Called on the session's loop: close now if idle, else close after the current exchange.
    func drain()
    /// Called on the session's loop: close now (the grace period is over).
    func closeNow()
}

/// One client connection as the server tracks it: who it is and which session owns it now (a
/// forward session hands the connection to a tunnel session on CONNECT).
final class ConnectionSlot: @unchecked Sendable {
    let client: IPAddress?
    weak var session: DrainableSession?
    let loop: EventLoop

    init(client: IPAddress?, loop: EventLoop) {
        self.client = client
        self.loop = loop
    }
}

/// Open connections, counted in total and per client address, for limits and for draining.
final class ConnectionRegistry: @unchecked Sendable {
    enum Admission: Equatable {
        case admitted
        case overTotal
        case overPerClient
    }

    private let lock = Lock()
    private var slots: [ObjectIdentifier: ConnectionSlot] = [:]
    private var perClient: [IPAddress: Int] = [:]

    var count: Int { lock.withLock { slots.count } }

    /// Registers the connection if the limits allow it.
    func admit(_ slot: ConnectionSlot, maxTotal: Int, maxPerClient: Int) -> Admission {
        lock.withLock {
            if slots.count >= maxTotal { return .overTotal }
            if maxPerClient > 0, let ip = slot.client, perClient[ip, default: 0] >= maxPerClient { return .overPerClient }
            slots[ObjectIdentifier(slot)] = slot
            if let ip = slot.client { perClient[ip, default: 0] += 1 }
            return .admitted
        }
    }

    func remove(_ slot: ConnectionSlot) {
        lock.withLock {
            guard slots.removeValue(forKey: ObjectIdentifier(slot)) != nil else { return }
            if let ip = slot.client {
                let left = perClient[ip, default: 1] - 1
                if left <= 0 { perClient.removeValue(forKey: ip) } else { perClient[ip] = left }
            }
        }
    }

    /// Closes every open session (on its own loop).
    func closeAll() {
        let all = lock.withLock { Array(slots.values) }
        for slot in all {
            slot.loop.execute { slot.session?.closeNow() }
        }
    }

    /// Asks every open session to drain (on its own loop).
    func drainAll() {
        let all = lock.withLock { Array(slots.values) }
        for slot in all {
            slot.loop.execute { slot.session?.drain() }
        }
    }
}
