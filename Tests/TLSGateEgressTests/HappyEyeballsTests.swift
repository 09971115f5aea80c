import Testing
import TLSGateEgress

/// The RFC 8305 race as a state machine: events in, actions out, no sockets or clock.
@Suite struct HappyEyeballsTests {
    typealias A = HappyEyeballs.Action

    @Test func firstAttemptAtOnceNextAfterTheDelay() {
        var he = HappyEyeballs(candidateCount: 3)
        #expect(he.start() == [.startAttempt(0), .armTimer(seconds: 0.25)])
        // 250 ms without a connection: the next candidate, first one still in flight.
        #expect(he.timerFired() == [.startAttempt(1), .armTimer(seconds: 0.25)])
        #expect(he.inFlight == [0, 1])
        // The second connects first: it wins, the first is closed, the third never starts.
        #expect(he.attemptSucceeded(1) == [.cancelTimer, .closeAttempt(0), .succeeded(1)])
        #expect(he.isFinished && he.nextCandidate == 2)
        // A late event changes nothing; a late connect is closed.
        #expect(he.timerFired() == [])
        #expect(he.attemptFailed(0) == [])
        #expect(he.attemptSucceeded(0) == [.closeAttempt(0)])
    }

    @Test func aFailureStartsTheNextAtOnce() {
        var he = HappyEyeballs(candidateCount: 3)
        _ = he.start()
        #expect(he.attemptFailed(0) == [.startAttempt(1), .armTimer(seconds: 0.25)])
        #expect(he.attemptFailed(1) == [.startAttempt(2), .cancelTimer])
        #expect(he.attemptFailed(2) == [.cancelTimer, .failed])
        #expect(he.isFinished)
    }

    @Test func lastCandidateStartedThenFailuresInAnyOrder() {
        var he = HappyEyeballs(candidateCount: 2, attemptDelay: 0.1)
        #expect(he.start() == [.startAttempt(0), .armTimer(seconds: 0.1)])
        // The last candidate starts: no timer needed any more.
        #expect(he.timerFired() == [.startAttempt(1), .cancelTimer])
        #expect(he.timerFired() == [])
        #expect(he.attemptFailed(1) == [])          // 0 still in flight
        #expect(he.attemptFailed(0) == [.cancelTimer, .failed])
    }

    @Test func singleAndNoCandidates() {
        var one = HappyEyeballs(candidateCount: 1)
        #expect(one.start() == [.startAttempt(0), .cancelTimer])
        #expect(one.attemptSucceeded(0) == [.cancelTimer, .succeeded(0)])
        var none = HappyEyeballs(candidateCount: 0)
        #expect(none.start() == [.failed])
    }

    @Test func cancelClosesEverythingInFlight() {
        var he = HappyEyeballs(candidateCount: 4)
        _ = he.start()
        _ = he.timerFired()
        _ = he.timerFired()
        #expect(he.cancel() == [.cancelTimer, .closeAttempt(0), .closeAttempt(1), .closeAttempt(2)])
        #expect(he.timerFired() == [] && he.attemptSucceeded(1) == [.closeAttempt(1)])
    }

    /// Whatever the order of events, exactly one outcome is reported, every started attempt is
    /// either the winner or closed/failed, and nothing starts twice.
    @Test func everyEventOrderEndsOnce() {
        var seed: UInt64 = 0x9E3779B97F4A7C15
        func next(_ n: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(n))
        }
        for round in 0..<500 {
            let count = 1 + round % 6
            var he = HappyEyeballs(candidateCount: count)
            var started: [Int] = [], closed = Set<Int>(), failed = Set<Int>(), outcomes = 0
            var winner: Int?
            func apply(_ actions: [A]) {
                for action in actions {
                    switch action {
                    case .startAttempt(let i): #expect(!started.contains(i)); started.append(i)
                    case .closeAttempt(let i): closed.insert(i)
                    case .succeeded(let i): outcomes += 1; winner = i
                    case .failed: outcomes += 1
                    case .armTimer, .cancelTimer: break
                    }
                }
            }
            apply(he.start())
            var steps = 0
            while !he.isFinished && steps < 100 {
                steps += 1
                let live = he.inFlight
                switch next(3) {
                case 0: apply(he.timerFired())
                case 1 where !live.isEmpty: let i = live[next(live.count)]; failed.insert(i); apply(he.attemptFailed(i))
                case 2 where !live.isEmpty: apply(he.attemptSucceeded(live[next(live.count)]))
                default: apply(he.timerFired())
                }
            }
            #expect(he.isFinished && outcomes == 1, "round \(round)")
            #expect(started == Array(0..<started.count), "candidates start in order")
            for i in started where i != winner {
                #expect(closed.contains(i) || failed.contains(i), "round \(round): attempt \(i) left open")
            }
        }
    }

    @Test func interleavesFamiliesStartingWithTheFirst() {
        let v4 = Int32(2), v6 = Int32(10)
        let input: [(String, Int32)] = [("6a", v6), ("6b", v6), ("6c", v6), ("4a", v4), ("4b", v4)]
        #expect(HappyEyeballs.interleave(input, family: { $0.1 }).map(\.0) == ["6a", "4a", "6b", "4b", "6c"])
        let v4First: [(String, Int32)] = [("4a", v4), ("4b", v4), ("6a", v6)]
        #expect(HappyEyeballs.interleave(v4First, family: { $0.1 }).map(\.0) == ["4a", "6a", "4b"])
        #expect(HappyEyeballs.interleave([("4a", v4)], family: { $0.1 }).map(\.0) == ["4a"])
        #expect(HappyEyeballs.interleave([(String, Int32)](), family: { $0.1 }).isEmpty)
    }
}
