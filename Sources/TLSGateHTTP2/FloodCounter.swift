/// A token bucket over received frames of one kind: `burst` frames at once, refilled at
/// `ratePerSecond`. `admit` is false once the peer sends faster than that (a flood).
struct FloodCounter {
    private let burst: Double
    private let ratePerNanosecond: Double
    private var tokens: Double
    private var last: UInt64

    init(burst: Int, ratePerSecond: Int, now: UInt64) {
        self.burst = Double(max(burst, 1))
        self.ratePerNanosecond = Double(max(ratePerSecond, 0)) / 1e9
        self.tokens = Double(max(burst, 1))
        self.last = now
    }

    /// Takes one token at time `now` (monotonic nanoseconds); false when none is left.
    mutating func admit(now: UInt64) -> Bool {
        if now > last {
            tokens = min(burst, tokens + Double(now - last) * ratePerNanosecond)
            last = now
        }
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
