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

    /// `2026-11-29T01:44:02.123Z`; empty if the year does not fit (see ``write(into:)``).
    public var rfc3339: String {
        var memo = DateMemo()
        return String(unsafeUninitializedCapacity: Self.textLength) { buffer in
            guard let base = buffer.baseAddress, write(to: base, memo: &memo) else { return 0 }
            return Self.textLength
        }
    }

    /// Bytes in the RFC 3339 text.
    static let textLength = 24

    /// The text in quotes, or `null` if the time cannot be broken down (as `gmtime_r` fails: the
    /// year minus 1900 does not fit in 32 bits).
    func write(into json: inout JSONWriter) {
        json.reserve(Self.textLength + 2)
        let out = json.end
        guard write(to: out + 1, memo: &json.dates) else { return json.null() }
        out[0] = 0x22
        out[Self.textLength + 1] = 0x22
        json.count += Self.textLength + 2
    }

    /// Writes the 24 bytes at `out`; false (and nothing written) when the year does not fit.
    /// The date part comes from `memo` when it is the day written last (lines of a batch share it).
    private func write(to out: UnsafeMutablePointer<UInt8>, memo: inout DateMemo) -> Bool {
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay &+= 86_400
            days &-= 1
        }
        if days != memo.day || !memo.valid {
            guard let text = DateMemo.dateText(days: days) else { return false }
            memo = DateMemo(day: days, text: text)
        }
        let raw = UnsafeMutableRawPointer(out)
        raw.storeBytes(of: memo.text.0, as: UInt64.self)
        raw.storeBytes(of: memo.text.1, toByteOffset: 8, as: UInt16.self)
        @inline(__always) func two(_ value: Int, _ at: Int) {
            out[at] = 0x30 &+ UInt8(truncatingIfNeeded: value / 10)
            out[at + 1] = 0x30 &+ UInt8(truncatingIfNeeded: value % 10)
        }
        out[10] = 0x54
        two(secondOfDay / 3600, 11); out[13] = 0x3A
        two(secondOfDay / 60 % 60, 14); out[16] = 0x3A
        two(secondOfDay % 60, 17); out[19] = 0x2E
        let millis = max(nanoseconds / 1_000_000, 0) % 1000   // `nanoseconds` is settable: any value
        out[20] = 0x30 &+ UInt8(truncatingIfNeeded: millis / 100)
        two(millis % 100, 21)
        out[23] = 0x5A
        return true
    }
}

/// The `YYYY-MM-DD` text of the day last written (computing a date costs more than a whole
/// time of day), kept by each writer.
struct DateMemo {
    var day = 0
    /// The ten bytes, as they lie in memory.
    var text: (UInt64, UInt16) = (0, 0)
    var valid = false

    init() {}

    init(day: Int, text: (UInt64, UInt16)) {
        self.day = day
        self.text = text
        valid = true
    }

    /// The date of `days` since 1970-01-01 (proleptic Gregorian, as `gmtime_r` computes it for
    /// UTC), or nil when `gmtime_r` would fail (the year minus 1900 does not fit in 32 bits).
    /// Years are written as their last four digits, years before 0 as `0000` (as the original,
    /// libc-based formatter did).
    static func dateText(days: Int) -> (UInt64, UInt16)? {
        // Howard Hinnant's civil_from_days: eras of 400 years (146,097 days) from 0000-03-01.
        // Wrapping arithmetic: no step can overflow (|days| < 2^47 for any Int seconds).
        let z = days &+ 719_468
        let era = (z >= 0 ? z : z &- 146_096) / 146_097
        let dayOfEra = z &- era &* 146_097
        let yearOfEra = (dayOfEra &- dayOfEra / 1460 &+ dayOfEra / 36_524 &- dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra &- (365 &* yearOfEra &+ yearOfEra / 4 &- yearOfEra / 100)
        let shiftedMonth = (5 &* dayOfYear &+ 2) / 153
        let day = dayOfYear &- (153 &* shiftedMonth &+ 2) / 5 &+ 1
        let month = shiftedMonth < 10 ? shiftedMonth &+ 3 : shiftedMonth &- 9
        let year = yearOfEra &+ era &* 400 &+ (month <= 2 ? 1 : 0)
        guard Int32(exactly: year &- 1900) != nil else { return nil }

        var text: (UInt64, UInt16) = (0, 0)
        withUnsafeMutableBytes(of: &text) { bytes in
            func two(_ value: Int, _ at: Int) {
                bytes[at] = 0x30 &+ UInt8(truncatingIfNeeded: value / 10)
                bytes[at + 1] = 0x30 &+ UInt8(truncatingIfNeeded: value % 10)
            }
            let shownYear = max(year, 0) % 10_000
            two(shownYear / 100, 0); two(shownYear % 100, 2); bytes[4] = 0x2D
            two(month, 5); bytes[7] = 0x2D
            two(day, 8)
        }
        return text
    }
}
