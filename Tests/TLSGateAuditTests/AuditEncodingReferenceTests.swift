import Foundation
import Testing
@testable import TLSGateAudit

/// The encoder's fast paths against plain reference implementations (the original formatter's
/// logic: `gmtime_r`, `Double.description`, a byte-by-byte escaper) over many values.
@Suite struct AuditEncodingReferenceTests {
    private static func encoded(_ body: (inout JSONWriter) -> Void) -> String {
        var json = JSONWriter(capacity: 16)   // small: every primitive also exercises growth
        body(&json)
        return json.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// The original timestamp text: `gmtime_r`, every field as fixed-width digits (the year as its
    /// last four digits, negative values as zeros), or nil when `gmtime_r` fails.
    private static func referenceTimestamp(_ time: AuditTimestamp) -> String? {
        var t = time_t(time.seconds)
        var parts = tm()
        guard gmtime_r(&t, &parts) != nil else { return nil }
        func digits(_ value: Int, _ width: Int) -> String {
            var v = max(value, 0), text = ""
            for _ in 0..<width { text = String(v % 10) + text; v /= 10 }
            return text
        }
        return digits(Int(parts.tm_year) + 1900, 4) + "-" + digits(Int(parts.tm_mon) + 1, 2) + "-"
            + digits(Int(parts.tm_mday), 2) + "T" + digits(Int(parts.tm_hour), 2) + ":" + digits(Int(parts.tm_min), 2)
            + ":" + digits(Int(parts.tm_sec), 2) + "." + digits(time.nanoseconds / 1_000_000, 3) + "Z"
    }

    /// The original number text: integral values below 1e15 as integers, others via `description`.
    private static func referenceDouble(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return value.description
    }

    private static func referenceMilliseconds(_ value: Double) -> String {
        referenceDouble((value * 1000).rounded() / 1000)
    }

    /// RFC 8259 escaping plus DEL, U+2028 and U+2029, one scalar at a time.
    private static func referenceQuoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{00}"..."\u{1F}", "\u{7F}", "\u{2028}", "\u{2029}":
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    @Test func timestampsMatchGmtime() {
        var seconds: [Int] = [0, -1, 1, 86_399, 86_400, -86_400, -86_401, 951_782_400, 951_868_799, 4_107_542_400,
                              -2_208_988_800, -62_135_596_800, -62_135_596_801, -62_167_219_200, -62_167_219_201,
                              253_402_300_799, 253_402_300_800, Int.max, Int.min, Int.max - 1, Int.min + 1,
                              Int(Int32.max), Int(Int32.min), 1 << 40, -(1 << 40), 1 << 56, -(1 << 56)]
        // Around the years where `year - 1900` stops fitting in 32 bits (gmtime_r fails there).
        for year in [Int(Int32.max) + 1900, Int(Int32.min) + 1900] {
            let approx = (year - 1970) * 31_556_952
            for delta in stride(from: -3 * 31_556_952, through: 3 * 31_556_952, by: 9_999_991) { seconds.append(approx + delta) }
        }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 { seconds.append(Int.random(in: -80_000_000_000...400_000_000_000, using: &rng)) }
        for _ in 0..<5_000 { seconds.append(Int.random(in: Int.min...Int.max, using: &rng)) }
        for _ in 0..<5_000 { seconds.append(Int.random(in: 1_700_000_000...1_900_000_000, using: &rng)) }
        var checked = 0
        for s in seconds {
            for ns in [0, 999_999_999, Int.random(in: 0..<1_000_000_000, using: &rng)] {
                let time = AuditTimestamp(seconds: s, nanoseconds: ns)
                let expected = Self.referenceTimestamp(time)
                #expect(time.rfc3339 == (expected ?? ""), "seconds \(s) ns \(ns)")
                let json = Self.encoded { time.write(into: &$0) }
                #expect(json == (expected.map { "\"\($0)\"" } ?? "null"), "seconds \(s) ns \(ns)")
                checked += 1
            }
        }
        #expect(checked == seconds.count * 3)
        // `nanoseconds` is settable past the clamp of init: written modulo, as before.
        var odd = AuditTimestamp(seconds: 0)
        odd.nanoseconds = 12_345_000_000
        #expect(odd.rfc3339 == "1970-01-01T00:00:00.345Z")
        odd.nanoseconds = -5_000_000
        #expect(odd.rfc3339 == "1970-01-01T00:00:00.000Z")
    }

    @Test func millisecondsMatchDescription() {
        var values: [Double] = [0, -0.0, 0.0004, 0.0005, 0.0015, 0.0025, -0.0005, -0.0004, 0.001, 0.01, 0.1, 0.5, 0.999,
                                0.9995, 0.9994999, 1, 1.5, 12.3456789, 99.9995, -12.0004, 100.1, 1234.5678,
                                1e9 + 0.001, 1e12, 4e12, 4e12 + 0.001, 4_398_046_511_103.999, 4_398_046_511_104.123,
                                4_398_046_511_104.5, 9e12, 1e15, 1e15 + 0.5, 1e16, 9_007_199_254_740_994, 1e300,
                                -1e300, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude,
                                .leastNormalMagnitude, .nan, .infinity, -.infinity, .ulpOfOne, 1 / 3, 2 / 3, -2 / 3]
        for k in 0..<3_000 { values.append(Double(k) / 1000); values.append(Double(k) * 0.001); values.append(-Double(k) / 1000) }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<50_000 { values.append(Double.random(in: 0..<10_000, using: &rng)) }
        for _ in 0..<20_000 { values.append(Double.random(in: -1e13...1e13, using: &rng)) }
        for _ in 0..<20_000 { values.append(Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &rng))) }
        for exponent in -30...60 {
            let scale = Double(sign: .plus, exponent: exponent, significand: 1)
            for _ in 0..<200 { values.append(Double.random(in: scale..<2 * scale, using: &rng)) }
        }
        for value in values {
            #expect(Self.encoded { $0.milliseconds(value) } == Self.referenceMilliseconds(value), "\(value)")
        }
        #expect(Self.encoded { $0.milliseconds(nil) } == "null")
        for value in [0.0, 0.1, 1e20, -3.5, 1e-9, .nan, 123456789012345680, -0.0] {
            #expect(Self.encoded { $0.double(value) } == Self.referenceDouble(value), "\(value)")
        }
    }

    @Test func integersMatchDescription() {
        var values = [0, 1, -1, 9, 10, -10, 99, 100, 999_999, Int.max, Int.min, Int.max - 1, Int.min + 1]
        var power = 1
        for _ in 0..<18 { power *= 10; values += [power - 1, power, power + 1, -power, -(power - 1)] }
        for _ in 0..<20_000 { values.append(Int.random(in: Int.min...Int.max)) }
        for value in values { #expect(Self.encoded { $0.int(value) } == String(value)) }
        #expect(Self.encoded { $0.int(nil as Int?) } == "null")
    }

    @Test func stringsMatchReferenceEscaping() {
        let pieces: [String] = ["a", "b", "\"", "\\", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{00}", "\u{1F}", "\u{7F}",
                                "\u{2028}", "\u{2029}", "\u{2027}", "\u{202A}", "\u{20AC}", "é", "中", "🎉", "/", " ", "~",
                                "\u{80}", "\u{FEFF}", "abcdefgh", "0123456789abcdef"]
        var rng = SystemRandomNumberGenerator()
        for length in 0..<60 {
            for _ in 0..<200 {
                var text = ""
                for _ in 0..<length { text += pieces[Int.random(in: 0..<pieces.count, using: &rng)] }
                #expect(Self.encoded { $0.string(text) } == Self.referenceQuoted(text), "\(text.debugDescription)")
            }
        }
        // Invalid UTF-8 bytes, and 0xE2 followed by something other than 0x80 0xA8/0xA9, pass through.
        let u2028: [UInt8] = Array("\\u2028".utf8), u2029: [UInt8] = Array("\\u2029".utf8)
        let raw: [([UInt8], [UInt8])] = [
            ([0xE2], [0xE2]), ([0xE2, 0x80], [0xE2, 0x80]), ([0xE2, 0x80, 0xA7], [0xE2, 0x80, 0xA7]),
            ([0x61, 0xE2, 0x80, 0xA8], [0x61] + u2028), ([0xFF, 0xFE, 0x22], [0xFF, 0xFE, 0x5C, 0x22]),
            ([0xE2, 0x80, 0xA9, 0xE2, 0x80, 0xA8, 0x41, 0x42, 0x43, 0x44, 0x45, 0xE2, 0x80, 0xA8],
             u2029 + u2028 + [0x41, 0x42, 0x43, 0x44, 0x45] + u2028),
        ]
        for (input, escaped) in raw {
            var json = JSONWriter(capacity: 16)
            input.withUnsafeBufferPointer { json.quoted($0) }
            #expect(json.withUnsafeBytes { Array($0) } == [0x22] + escaped + [0x22], "\(input)")
        }
        #expect(Self.encoded { $0.string(nil) } == "null")
        #expect(Self.encoded { $0.strings([]) } == "[]")
        #expect(Self.encoded { $0.strings(["a", "\n"]) } == "[\"a\",\"\\n\"]")
    }

    @Test func enumLiteralsMatchRawValues() {
        for event in [AuditEvent.request, .tunnel, .violation, .configReload] {
            #expect(event.quotedJSON.description == "\"\(event.rawValue)\"")
        }
        for mode in [AuditMode.forward, .tunnel, .intercept] {
            #expect(mode.quotedJSON.description == "\"\(mode.rawValue)\"")
        }
        for decision in [AuditDecision.allow, .deny, .report] {
            #expect(decision.quotedJSON.description == "\"\(decision.rawValue)\"")
        }
    }

    /// Source literals of every length the small copy distinguishes.
    @Test func literalsOfEveryLength() {
        #expect(Self.encoded { $0.ascii("") } == "")
        #expect(Self.encoded { $0.ascii("a") } == "a")
        #expect(Self.encoded { $0.ascii("ab") } == "ab")
        #expect(Self.encoded { $0.ascii("abc") } == "abc")
        #expect(Self.encoded { $0.ascii("abcd") } == "abcd")
        #expect(Self.encoded { $0.ascii("abcdefg") } == "abcdefg")
        #expect(Self.encoded { $0.ascii("abcdefgh") } == "abcdefgh")
        #expect(Self.encoded { $0.ascii("abcdefghijklmnop") } == "abcdefghijklmnop")
        #expect(Self.encoded { $0.ascii("abcdefghijklmnopq") } == "abcdefghijklmnopq")
        #expect(Self.encoded { $0.ascii("abcdefghijklmnopqrstuvwxyz012345") } == "abcdefghijklmnopqrstuvwxyz012345")
        #expect(Self.encoded { $0.ascii("abcdefghijklmnopqrstuvwxyz0123456") } == "abcdefghijklmnopqrstuvwxyz0123456")
        #expect(Self.encoded { json in for _ in 0..<100 { json.ascii(",\"client_tls_max\":") } }
                    == String(repeating: ",\"client_tls_max\":", count: 100))
    }
}
