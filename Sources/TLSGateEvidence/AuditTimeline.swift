/// Counts per time bucket for the report's charts, in bounded memory: buckets start at one
/// minute and double in width whenever there would be more than `maxBuckets`.
public struct AuditTimeline: Sendable {
    public static let maxBuckets = 240
    /// Bucket width in seconds.
    public private(set) var width = 60
    /// bucket start (seconds since the epoch) → series name → count.
    public private(set) var buckets: [Int: [String: Int]] = [:]
    public private(set) var series: [String] = []

    public init() {}

    public mutating func add(seconds: Int, series name: String) {
        if !series.contains(name) { series.append(name) }
        let start = seconds - ((seconds % width) + width) % width
        buckets[start, default: [:]][name, default: 0] += 1
        while buckets.count > Self.maxBuckets, let lo = buckets.keys.min(), let hi = buckets.keys.max(),
              (hi - lo) / width + 1 > Self.maxBuckets {
            width *= 2
            var merged: [Int: [String: Int]] = [:]
            for (s, counts) in buckets {
                let m = s - ((s % width) + width) % width
                for (k, v) in counts { merged[m, default: [:]][k, default: 0] += v }
            }
            buckets = merged
        }
    }

    /// Every bucket from the first to the last (empty ones included), in order.
    public var ordered: [(start: Int, counts: [String: Int])] {
        guard let lo = buckets.keys.min(), let hi = buckets.keys.max() else { return [] }
        return stride(from: lo, through: hi, by: width).map { ($0, buckets[$0] ?? [:]) }
    }
}

extension AuditTimeline {
    /// Seconds since the epoch of an RFC 3339 UTC time `YYYY-MM-DDTHH:MM:SS...`, or nil.
    public static func seconds(_ t: UnsafeRawBufferPointer) -> Int? {
        guard t.count >= 19 else { return nil }
        func num(_ a: Int, _ n: Int) -> Int? {
            var v = 0
            for i in a..<(a + n) { let c = t[i]; guard c >= 0x30 && c <= 0x39 else { return nil }; v = v * 10 + Int(c - 0x30) }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2), let s = num(17, 2),
              (1...12).contains(mo) else { return nil }
        // Days from civil (Howard Hinnant's algorithm).
        let yy = mo <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        return days * 86400 + h * 3600 + mi * 60 + s
    }
}
