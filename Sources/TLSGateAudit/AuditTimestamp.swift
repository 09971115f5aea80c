#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A wall-clock instant, written as RFC 3339 UTC with milliseconds: `2026-11-29T01:44:02.123Z`.
public struct AuditTimestamp: Sendable, Hashable {
    /// Seconds since the Unix epoch.
    public var seconds: Int
    /// Nanoseconds within the second, 0..<1_000_000_000.
    public var nanoseconds: Int

    public init(seconds: Int, nanoseconds: Int = 0) {
        self.seconds = seconds
        self.nanoseconds = min(max(nanoseconds, 0), 999_999_999)
    }

    /// The current time (CLOCK_REALTIME).
    public static func now() -> AuditTimestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return AuditTimestamp(seconds: Int(ts.tv_sec), nanoseconds: Int(ts.tv_nsec))
    }

    /// `2026-11-29T01:44:02.123Z`.
    public var rfc3339: String { String(decoding: rfc3339Bytes ?? [], as: UTF8.self) }

    /// The RFC 3339 text as bytes; nil if the time cannot be broken down.
    var rfc3339Bytes: [UInt8]? {
        var t = time_t(seconds)
        var parts = tm()
        guard gmtime_r(&t, &parts) != nil else { return nil }
        var out = [UInt8](repeating: 0x30, count: 24)
        // Writes `value` as `width` decimal digits ending just before `end`.
        func digits(_ value: Int, _ width: Int, _ end: Int) {
            var v = max(value, 0)
            for i in stride(from: end - 1, through: end - width, by: -1) {
                out[i] = 0x30 + UInt8(v % 10)
                v /= 10
            }
        }
        digits(Int(parts.tm_year) + 1900, 4, 4); out[4] = 0x2D
        digits(Int(parts.tm_mon) + 1, 2, 7); out[7] = 0x2D
        digits(Int(parts.tm_mday), 2, 10); out[10] = 0x54
        digits(Int(parts.tm_hour), 2, 13); out[13] = 0x3A
        digits(Int(parts.tm_min), 2, 16); out[16] = 0x3A
        digits(Int(parts.tm_sec), 2, 19); out[19] = 0x2E
        digits(nanoseconds / 1_000_000, 3, 23)
        out[23] = 0x5A
        return out
    }
}
