import Synchronization
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
///
/// Touched on its loop's thread only. The session is held strongly (a weak reference would give
/// every session a side table, allocated and freed per connection); ``ConnectionRegistry/remove(_:)``
/// lets it go when the connection closes.
final class ConnectionSlot: @unchecked Sendable {
    /// The client's address when it is counted against `limits.max_connections_per_client`.
    let client: IPAddress?
    var session: DrainableSession?
    /// The position of the serving loop in the registry's loops.
    let loopIndex: Int
    /// Where the slot sits in its loop's list (-1: not registered).
    fileprivate var position = -1
    /// `client` was counted in the per-client table (the limit may change on reload).
    fileprivate var countedPerClient = false
    /// The registry that admits it (a cycle while registered, broken by `remove`).
    private let registry: ConnectionRegistry

    init(client: IPAddress?, loopIndex: Int, registry: ConnectionRegistry) {
        self.client = client
        self.loopIndex = loopIndex
        self.registry = registry
    }

    /// The connection closed: leave the registry (idempotent). A closure capturing only the slot
    /// can call this, and needs no allocated context.
    func leave() {
        registry.remove(self)
    }
}

/// Open connections, counted in total and per client address, for limits and for draining.
///
/// Nothing on the accept path takes a lock unless a per-client limit is configured: the total is
/// an atomic, and each loop keeps its own list of connections, touched only on that loop's thread
/// (a connection is admitted and closed on the loop that serves it).
final class ConnectionRegistry: @unchecked Sendable {
    enum Admission: Equatable {
        case admitted
        case overTotal
        case overPerClient
    }

    /// The connections of one loop (its thread only).
    private final class LoopList: @unchecked Sendable {
        var slots: [ConnectionSlot] = []
    }

    private let total = Atomic<Int>(0)
    /// Connections per loop, for spreading new ones (see ``LoopBalancer``). A connection is
    /// assigned a loop before it is admitted; `remove` releases an admitted one, the server a
    /// refused one.
    let balancer: LoopBalancer
    private let loops: [EventLoop]
    /// One list per loop, in the order of `loops`.
    private let lists: [LoopList]
    private let perClientLock = Lock()
    private var perClient: [IPAddress: Int] = [:]

    /// A registry for connections served by `loops` (a slot names its loop by index).
    init(loops: [EventLoop]) {
        self.loops = loops
        lists = loops.map { _ in LoopList() }
        balancer = LoopBalancer(loops: loops.count)
    }

    var count: Int { total.load(ordering: .relaxed) }

    /// Registers the connection if the limits allow it. Call on the slot's loop.
    func admit(_ slot: ConnectionSlot, maxTotal: Int, maxPerClient: Int) -> Admission {
        guard slot.position < 0 else { return .admitted }
        if total.wrappingAdd(1, ordering: .relaxed).newValue > maxTotal {
            total.wrappingSubtract(1, ordering: .relaxed)
            return .overTotal
        }
        if maxPerClient > 0, let ip = slot.client {
            let admitted: Bool = perClientLock.withLock {
                let now = perClient[ip, default: 0]
                guard now < maxPerClient else { return false }
                perClient[ip] = now + 1
                return true
            }
            guard admitted else {
                total.wrappingSubtract(1, ordering: .relaxed)
                return .overPerClient
            }
            slot.countedPerClient = true
        }
        let list = lists[slot.loopIndex]
        slot.position = list.slots.count
        list.slots.append(slot)
        return .admitted
    }

    /// Forgets a closed connection and lets its session go (idempotent). Call on the slot's loop.
    func remove(_ slot: ConnectionSlot) {
        let position = slot.position
        guard position >= 0 else { return }
        let list = lists[slot.loopIndex]
        let last = list.slots.removeLast()
        if last !== slot {
            list.slots[position] = last
            last.position = position
        }
        slot.position = -1
        slot.session = nil
        total.wrappingSubtract(1, ordering: .relaxed)
        balancer.release(slot.loopIndex)
        if slot.countedPerClient, let ip = slot.client {
            slot.countedPerClient = false
            perClientLock.withLock {
                let left = perClient[ip, default: 1] - 1
                if left <= 0 { perClient.removeValue(forKey: ip) } else { perClient[ip] = left }
            }
        }
    }

    /// Closes every open session (each on its own loop).
    func closeAll() {
        forEachSession { $0.closeNow() }
    }

    /// Asks every open session to drain (each on its own loop).
    func drainAll() {
        forEachSession { $0.drain() }
    }

    private func forEachSession(_ body: @escaping @Sendable (DrainableSession) -> Void) {
        for (loop, list) in zip(loops, lists) {
            loop.execute {
                // A copy: closing a session removes its slot from the list.
                for slot in list.slots { if let session = slot.session { body(session) } }
            }
        }
    }
}
