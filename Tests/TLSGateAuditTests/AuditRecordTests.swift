import Foundation
import Testing
@testable import TLSGateAudit

func parseJSONObject(_ line: String) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
    return try #require(object as? [String: Any])
}

/// Top-level keys in the order they appear (JSONSerialization loses order).
func keyOrder(_ line: String) -> [String] {
    var keys: [String] = []
    var depth = 0, inString = false, escaped = false, current = "", expectKey = false
    for ch in line {
        if inString {
            if escaped { escaped = false; if depth == 1 && expectKey { current.append(ch) }; continue }
            if ch == "\\" { escaped = true; continue }
            if ch == "\"" { inString = false; if depth == 1 && expectKey { keys.append(current); expectKey = false }; continue }
            if depth == 1 && expectKey { current.append(ch) }
            continue
        }
        switch ch {
        case "\"": inString = true; current = ""
        case "{", "[": depth += 1; if depth == 1 { expectKey = true }
        case "}", "]": depth -= 1
        case ",": if depth == 1 { expectKey = true }
        case ":": if depth == 1 { expectKey = false }
        default: break
        }
    }
    return keys
}

@Suite struct AuditRecordTests {
    static let core = ["time", "event", "mode", "client", "host", "port", "method", "path", "status", "upstream",
                       "tls_version", "cipher", "decision", "outcome", "error", "violations", "reason", "bytes_in", "bytes_out",
                       "duration_ms"]

    @Test func requestRecordKeysAndValues() throws {
        let record = AuditRecord(event: .request, mode: .forward,
                                 time: AuditTimestamp(seconds: 1_795_916_642, nanoseconds: 123_999_999),
                                 client: "127.0.0.1:50000", host: "s3.us-east-1.amazonaws.com", port: 443,
                                 method: "GET", path: "/b/k", status: 200, upstream: "52.216.0.1:443",
                                 tlsVersion: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256", decision: .allow,
                                 bytesIn: 120, bytesOut: 4096, durationMs: 12.3456789,
                                 sni: "ignored", extra: [("aws_service", "s3"), ("fips", false), ("n", 1), ("x", nil),
                                                         ("list", ["a", "b"]), ("ratio", 0.5)])
        let line = record.jsonLine
        #expect(line.hasSuffix("}\n"))
        #expect(line.filter { $0 == "\n" }.count == 1)
        #expect(keyOrder(line) == Self.core + ["aws_service", "fips", "n", "x", "list", "ratio"])
        let object = try parseJSONObject(line)
        #expect(object["time"] as? String == "2026-11-29T01:44:02.123Z")
        #expect(object["event"] as? String == "request")
        #expect(object["port"] as? Int == 443)
        #expect(object["violations"] as? [String] == [])
        #expect(object["reason"] is NSNull)
        #expect(object["duration_ms"] as? Double == 12.346)
        #expect(object["sni"] == nil)
        #expect(object["fips"] as? Bool == false)
        #expect(object["x"] is NSNull)
        #expect(object["list"] as? [String] == ["a", "b"])
    }

    @Test func tunnelRecordHasTunnelKeys() throws {
        let record = AuditRecord(event: .tunnel, mode: .tunnel, decision: .deny, violations: ["sni_mismatch", "weak_cipher"],
                                 reason: "the TLS server name (SNI) differs", durationMs: 5,
                                 sni: "evil.example", alpn: ["h2", "http/1.1"], clientTLSMax: "TLSv1.3")
        let line = record.jsonLine
        #expect(keyOrder(line) == Self.core + ["sni", "alpn", "client_tls_max"])
        let object = try parseJSONObject(line)
        #expect(object["time"] is NSNull)
        #expect(object["alpn"] as? [String] == ["h2", "http/1.1"])
        #expect(object["violations"] as? [String] == ["sni_mismatch", "weak_cipher"])
        #expect(object["duration_ms"] as? Int == 5)
        #expect(line.contains("\"duration_ms\":5,"))
        let empty = try parseJSONObject(AuditRecord(event: .tunnel).jsonLine)
        #expect(empty["alpn"] is NSNull && empty["sni"] is NSNull)
        #expect(try parseJSONObject(AuditRecord(event: .configReload).jsonLine)["event"] as? String == "config_reload")
    }

    @Test func escapingRoundTrips() throws {
        var nasty = "quote\" backslash\\ slash/ nl\n cr\r tab\t bs\u{08} ff\u{0C} nul\u{00} esc\u{1B} del\u{7F}"
        nasty += " ls\u{2028} ps\u{2029} é 中文 🎉 \u{FEFF}"
        for scalar in 0..<0x20 { nasty.unicodeScalars.append(Unicode.Scalar(UInt8(scalar))) }
        let invalidUTF8 = String(decoding: [0x66, 0x6F, 0xFF, 0xC3, 0x28, 0xED, 0xA0, 0x80, 0x6F], as: UTF8.self)
        let record = AuditRecord(event: .violation, host: nasty, path: invalidUTF8, violations: [nasty],
                                 reason: "\"}\n{\"", extra: [("k\"ey\n", .string(nasty))])
        let line = record.jsonLine
        #expect(line.filter { $0 == "\n" }.count == 1 && line.last == "\n")
        #expect(!line.utf8.dropLast().contains { $0 < 0x20 || $0 == 0x7F })
        let object = try parseJSONObject(line)
        #expect(object["host"] as? String == nasty)
        #expect(object["path"] as? String == invalidUTF8)
        #expect(object["reason"] as? String == "\"}\n{\"")
        #expect(object["violations"] as? [String] == [nasty])
        #expect(object["k\"ey\n"] as? String == nasty)
    }

    /// Lines longer than the writer's first scratch block (1 KiB) grow it without losing a byte.
    @Test func longLinesRoundTrip() throws {
        var long = ""
        for i in 0..<20_000 {
            if i % 97 == 0 { long += "\"" } else { long.unicodeScalars.append(UnicodeScalar(UInt8(0x41 + i % 26))) }
        }
        let record = AuditRecord(event: .request, path: long, reason: long, extra: [("k", .string(long)), ("b", .bool(true))])
        let object = try parseJSONObject(record.jsonLine)
        #expect(object["path"] as? String == long)
        #expect(object["reason"] as? String == long)
        #expect(object["k"] as? String == long)
        #expect(object["b"] as? Bool == true)
    }

    /// The writer skips eight plain bytes at a time: every special character must still be found
    /// at every offset within (and across) those eight-byte steps.
    @Test func escapingFindsSpecialBytesAtEveryOffset() throws {
        let specials: [String] = ["\"", "\\", "\n", "\u{01}", "\u{1F}", "\u{7F}", "\u{2028}", "\u{2029}", "\t"]
        for special in specials {
            for offset in 0..<20 {
                let text = String(repeating: "a", count: offset) + special + String(repeating: "b", count: 19 - offset)
                let line = AuditRecord(event: .request, path: text).jsonLine
                #expect(!line.utf8.dropLast().contains { $0 < 0x20 || $0 == 0x7F })
                #expect(try parseJSONObject(line)["path"] as? String == text, "offset \(offset): \(line)")
            }
        }
        // Non-ASCII that needs no escaping passes through as it is.
        let plain = "é中文🎉" + String(repeating: "x", count: 17)
        #expect(AuditRecord(event: .request, path: plain).jsonLine.contains(plain))
    }

    @Test func numbers() throws {
        for value in [0.0, 0.0001, 1e-9, 123456.789, 1e20, -3.5] {
            let object = try parseJSONObject(AuditRecord(event: .request, extra: [("v", .double(value))]).jsonLine)
            #expect((object["v"] as? NSNumber)?.doubleValue == value)
        }
        for value in [Double.nan, .infinity, -.infinity] {
            #expect(try parseJSONObject(AuditRecord(event: .request, extra: [("v", .double(value))]).jsonLine)["v"] is NSNull)
        }
        let object = try parseJSONObject(AuditRecord(event: .request, port: Int.max, bytesIn: Int.min).jsonLine)
        #expect((object["port"] as? NSNumber)?.int64Value == Int64.max)
        #expect((object["bytes_in"] as? NSNumber)?.int64Value == Int64.min)
        // Integers are written digit by digit into the line: check the text itself too.
        for value in [0, 7, -7, 10, 1_000_000, -987_654_321] {
            let line = AuditRecord(event: .request, extra: [("v", .int(value))]).jsonLine
            #expect(line.contains("\"v\":\(value)}") || line.contains("\"v\":\(value),"), "\(line)")
        }
    }

    @Test func timestamps() {
        #expect(AuditTimestamp(seconds: 0).rfc3339 == "1970-01-01T00:00:00.000Z")
        #expect(AuditTimestamp(seconds: 951_782_400, nanoseconds: 999_999_999).rfc3339 == "2000-02-29T00:00:00.999Z")
        #expect(AuditTimestamp(seconds: 1_795_916_642, nanoseconds: 7_000_000).rfc3339 == "2026-11-29T01:44:02.007Z")
        let now = AuditTimestamp.now()
        let reference = Date().timeIntervalSince1970
        #expect(abs(Double(now.seconds) - reference) < 5)
        #expect(now.rfc3339.count == 24)
    }
}
