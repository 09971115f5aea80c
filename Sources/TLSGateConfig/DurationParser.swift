/// Durations in the config: a number of seconds (`10`, `1.5`) or a number with a unit
/// (`500ms`, `10s`, `2m`, `1h`, `7d`). Must be > 0 and at most 24 hours unless a key allows more.
public enum DurationParser {
    /// The largest duration accepted, in seconds.
    public static let maximum: Double = 86_400

    /// Seconds for `text`, or a message saying what is wrong.
    public static func seconds(_ text: String, maximum: Double = DurationParser.maximum) throws(ValueError) -> Double {
        let shape = "expected a duration such as 10, \"500ms\", \"10s\", \"2m\" or \"1h\", got \"\(text)\""
        let utf8 = Array(text.utf8)
        guard !utf8.isEmpty, utf8.count <= 32 else { throw ValueError(shape) }
        var numberEnd = 0
        var dots = 0
        while numberEnd < utf8.count, utf8[numberEnd] &- 0x30 < 10 || utf8[numberEnd] == 0x2E {
            if utf8[numberEnd] == 0x2E { dots += 1 }
            numberEnd += 1
        }
        guard numberEnd > 0, dots <= 1, utf8[0] != 0x2E, utf8[numberEnd - 1] != 0x2E,
              let number = Double(String(decoding: utf8[..<numberEnd], as: UTF8.self)) else {
            if text.hasPrefix("-") { throw ValueError("must be greater than 0, got \"\(text)\"") }
            throw ValueError(shape)
        }
        let unit = String(decoding: utf8[numberEnd...], as: UTF8.self)
        let scale: Double
        switch unit {
        case "", "s": scale = 1
        case "ms": scale = 0.001
        case "m": scale = 60
        case "h": scale = 3600
        case "d": scale = 86_400
        default: throw ValueError(shape)
        }
        let seconds = number * scale
        guard seconds > 0 else { throw ValueError("must be greater than 0, got \"\(text)\"") }
        guard seconds <= maximum else {
            let limit = maximum == Self.maximum ? "24h" : maximum.truncatingRemainder(dividingBy: 86_400) == 0 ? "\(Int(maximum / 86_400))d" : "\(Int(maximum))s"
            throw ValueError("must be at most \(limit), got \"\(text)\"")
        }
        return seconds
    }
}
