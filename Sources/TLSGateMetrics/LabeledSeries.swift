import Synchronization

/// The series of one metric family, one per label value (or value tuple), cached so the hot path
/// does a dictionary lookup and nothing else.
///
/// Values known up front are created at init and looked up without a lock (the dictionary is
/// immutable). Other values are created on first use under a lock, up to `limit` of them; past that
/// every new value shares one overflow series (label value `other`), so a stream of unexpected
/// values can never grow memory or the exposition without bound.
final class LabeledSeries<Key: Hashable & Sendable, Series: AnyObject & Sendable>: Sendable {
    private struct Extra {
        var byKey: [Key: Series] = [:]
        var overflow: Series?
    }

    private let known: [Key: Series]
    /// The first known value and its series, checked before hashing (the common case: mode
    /// `forward` on every request).
    private let firstKey: Key?
    private let firstSeries: Series?
    private let extra = Mutex(Extra())
    private let limit: Int
    private let overflowKey: Key
    private let make: @Sendable (Key) -> Series

    /// - Parameters:
    ///   - known: values whose series exist from the start (they render as 0 before first use).
    ///   - limit: how many further values get a series of their own.
    ///   - overflowKey: the key of the shared series for values past `limit`.
    ///   - make: creates (or fetches from the registry) the series for a key.
    init(known: [Key], limit: Int, overflowKey: Key, make: @escaping @Sendable (Key) -> Series) {
        var table: [Key: Series] = [:]
        for key in known where table[key] == nil { table[key] = make(key) }
        self.known = table
        self.firstKey = known.first
        self.firstSeries = known.first.flatMap { table[$0] }
        self.limit = max(0, limit)
        self.overflowKey = overflowKey
        self.make = make
    }

    /// The series for `key`.
    @inline(__always)
    func series(_ key: Key) -> Series {
        if let firstSeries, key == firstKey { return firstSeries }
        if let series = known[key] { return series }
        return slowSeries(key)
    }

    private func slowSeries(_ key: Key) -> Series {
        extra.withLock { state in
            if let series = state.byKey[key] { return series }
            guard state.byKey.count < limit else {
                if let series = state.overflow { return series }
                let series = make(overflowKey)
                state.overflow = series
                return series
            }
            let series = make(key)
            state.byKey[key] = series
            return series
        }
    }
}

/// Two label values (for families with two labels).
struct LabelPair: Hashable, Sendable {
    var first: String
    var second: String
}

/// Label values as rendered: at most 64 bytes, control bytes replaced by `_`, empty as `none`.
/// (The exposition escapes `\`, `"` and newlines itself; this only bounds size and keeps the text
/// readable.) Runs once per new series, never on the hot path.
func sanitizedLabelValue(_ value: String) -> String {
    let maxBytes = 64
    guard !value.isEmpty else { return "none" }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(min(value.utf8.count, maxBytes))
    for b in value.utf8 {
        guard bytes.count < maxBytes else { break }
        bytes.append(b < 0x20 || b == 0x7F ? UInt8(ascii: "_") : b)
    }
    // Truncation may have cut a multi-byte character: decoding repairs it with U+FFFD.
    return String(decoding: bytes, as: UTF8.self)
}
