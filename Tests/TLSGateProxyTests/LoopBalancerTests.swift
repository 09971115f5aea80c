import Testing
@testable import TLSGateProxy

/// The policy that spreads client connections over event loops (no sockets: the balancer only
/// counts).
@Suite struct LoopBalancerTests {
    /// A burst that one loop accepts alone still ends up split: at most about two to one.
    @Test func aBurstAcceptedByOneLoopIsSpread() {
        let b = LoopBalancer(loops: 2)
        for _ in 0..<50 { _ = b.assign(acceptedOn: 0) }
        #expect(b.load(0) + b.load(1) == 50)
        #expect(b.load(1) >= 16, "loads \(b.load(0)) / \(b.load(1))")
        #expect(b.load(0) <= 2 * b.load(1) + 1, "loads \(b.load(0)) / \(b.load(1))")
        let big = LoopBalancer(loops: 2)
        for _ in 0..<1000 { _ = big.assign(acceptedOn: 1) }
        #expect(big.load(0) >= 333, "loads \(big.load(0)) / \(big.load(1))")
    }

    /// Small differences are left alone: a hand-over costs a cross-thread wake-up, and short
    /// connections make the counts swing.
    @Test func theAcceptingLoopKeepsConnectionsWithinTheSlack() {
        let b = LoopBalancer(loops: 2)
        for _ in 0..<17 { #expect(b.assign(acceptedOn: 0) == 0) }
        #expect(b.assign(acceptedOn: 0) == 1, "the 18th is 17 above the idle loop")
        #expect(b.assign(acceptedOn: 1) == 1, "the less loaded loop keeps its own")
        #expect(LoopBalancer.target(acceptedOn: 0, loops: 2) { [40, 20][$0] } == 0)
        #expect(LoopBalancer.target(acceptedOn: 0, loops: 2) { [41, 20][$0] } == 1)
    }

    /// With more loops the hand-over goes to the least loaded one (the first on ties).
    @Test func theLeastLoadedLoopTakesTheHandOver() {
        #expect(LoopBalancer.target(acceptedOn: 1, loops: 4) { [9, 40, 3, 3][$0] } == 2)
        #expect(LoopBalancer.target(acceptedOn: 2, loops: 3) { [0, 0, 17][$0] } == 0)
        let one = LoopBalancer(loops: 1)
        for _ in 0..<100 { #expect(one.assign(acceptedOn: 0) == 0) }
    }

    /// Every assignment is released once: the counts go back to zero.
    @Test func releasesBalanceAssignments() {
        let b = LoopBalancer(loops: 3)
        var served: [Int] = []
        for i in 0..<120 { served.append(b.assign(acceptedOn: i % 2)) }
        #expect((0..<3).map(b.load).reduce(0, +) == 120)
        #expect(b.load(2) > 0, "the loop that never accepts still gets connections")
        for index in served { b.release(index) }
        #expect((0..<3).map(b.load) == [0, 0, 0])
    }
}
