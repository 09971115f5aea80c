import Synchronization
import TLSGateIO

/// The server's current ``ProxyEnvironment``, replaced on reload and read by every request.
///
/// A request only needs to know whether the configuration changed since its session last looked:
/// that is one atomic load of a generation number (a cache line every core keeps shared, since it
/// is written only on reload), not a lock taken by every request on every loop.
final class EnvironmentSource: Sendable {
    private let lock = Lock()
    nonisolated(unsafe) private var environment: ProxyEnvironment
    private let generation = Atomic<Int>(0)

    init(_ environment: ProxyEnvironment) {
        self.environment = environment
    }

    /// The environment and its generation.
    var current: (ProxyEnvironment, generation: Int) {
        lock.withLock { (environment, generation.load(ordering: .relaxed)) }
    }

    /// The current environment if it is newer than `generation` (nil: unchanged, the usual case).
    @inline(__always)
    func newer(than generation: Int) -> (ProxyEnvironment, generation: Int)? {
        guard self.generation.load(ordering: .acquiring) != generation else { return nil }
        return current
    }

    func replace(_ environment: ProxyEnvironment) {
        lock.withLock {
            self.environment = environment
            generation.add(1, ordering: .releasing)
        }
    }
}
