import Testing
@testable import TLSGateAudit

/// Byte-exact audit lines: any change to the encoding (key order, spacing, escaping, number or
/// time formats) fails here. The expected lines were produced by the original encoder.
@Suite struct AuditLineGoldenTests {
    static let time = AuditTimestamp(seconds: 1_795_916_642, nanoseconds: 123_999_999)

    static let cases: [(AuditRecord, String)] = [
        (AuditRecord(event: .request, mode: .forward, time: time, client: "127.0.0.1:50000",
                     host: "s3.us-east-1.amazonaws.com", port: 443, method: "GET", path: "/b/k?x=1&X-Amz-Signature=REDACTED",
                     status: 200, upstream: "52.216.0.1:443", tlsVersion: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256",
                     decision: .allow, bytesIn: 120, bytesOut: 4096, durationMs: 12.3456789,
                     extra: [("aws_partition", "aws"), ("aws_service", "s3"), ("aws_region", "us-east-1"),
                             ("fips_endpoint", false), ("aws_operation", "GetObject"), ("sigv4_scope", "s3/us-east-1"),
                             ("aws_access_key_id", "AKIAEXAMPLE")]),
         GOLD0),
        (AuditRecord(event: .request), GOLD1),
        (AuditRecord(event: .tunnel), GOLD2),
        (AuditRecord(event: .tunnel, mode: .tunnel, time: AuditTimestamp(seconds: 0), client: "[::1]:1", host: "a.example",
                     port: 8443, status: 200, upstream: "[2001:db8::1]:443", tlsVersion: "TLSv1.2",
                     cipher: "ECDHE-RSA-AES128-GCM-SHA256", decision: .report, violations: ["sni_mismatch", "weak_cipher"],
                     reason: "the TLS server name (SNI) differs", bytesIn: 0, bytesOut: -1, durationMs: 5,
                     sni: "evil.example", alpn: ["h2", "http/1.1"], clientTLSMax: "TLSv1.3", extra: [("n", 1)]),
         GOLD3),
        (AuditRecord(event: .tunnel, alpn: []), GOLD4),
        (AuditRecord(event: .violation, mode: .intercept, time: AuditTimestamp(seconds: -1, nanoseconds: 1_000_000),
                     host: "q\"b\\s/n\nr\rt\tb\u{08}f\u{0C}z\u{00}e\u{1B}d\u{7F}l\u{2028}p\u{2029}é中🎉\u{FEFF}\u{1F}",
                     decision: .deny, violations: ["host_not_allowed"], reason: "\"}\n{\"", durationMs: 0.0005,
                     extra: [("k\"ey\n", "v"), ("i", .int(Int.min)), ("j", .int(Int.max)), ("d", .double(0.1)),
                             ("e", .double(1e20)), ("f", .double(-3.5)), ("g", .double(.nan)), ("h", .double(-.infinity)),
                             ("t", true), ("u", false), ("z", nil), ("l", []), ("m", ["a", "\u{01}"]),
                             ("big", .double(123456789012345680)), ("tiny", .double(1e-9)), ("neg0", .double(-0.0))]),
         GOLD5),
        (AuditRecord(event: .configReload, time: AuditTimestamp(seconds: 253_402_300_799, nanoseconds: 999_999_999),
                     reason: "ok", durationMs: -0.0004), GOLD6),
        (AuditRecord(event: .request, time: AuditTimestamp(seconds: Int.max), durationMs: 1e300), GOLD7),
        (AuditRecord(event: .request, time: AuditTimestamp(seconds: 951_782_400), durationMs: 4_398_046_511_104.123), GOLD8),
        (AuditRecord(event: .request, durationMs: 99.9995), GOLD9),
        (AuditRecord(event: .request, durationMs: -12.0004), GOLD10),
        (AuditRecord(event: .request, durationMs: 1e15), GOLD11),
        (AuditRecord(event: .request, durationMs: .nan), GOLD12),
    ]

    @Test func linesAreByteExact() {
        for (i, (record, expected)) in Self.cases.enumerated() {
            #expect(record.jsonLine == expected, "case \(i)")
        }
    }
}

// The expected lines (from the original encoder).
private let GOLD0 = "{\"time\":\"2026-11-29T01:44:02.123Z\",\"event\":\"request\",\"mode\":\"forward\",\"client\":\"127.0.0.1:50000\",\"host\":\"s3.us-east-1.amazonaws.com\",\"port\":443,\"method\":\"GET\",\"path\":\"/b/k?x=1&X-Amz-Signature=REDACTED\",\"status\":200,\"upstream\":\"52.216.0.1:443\",\"tls_version\":\"TLSv1.3\",\"cipher\":\"TLS_AES_128_GCM_SHA256\",\"decision\":\"allow\",\"outcome\":\"ok\",\"error\":null,\"violations\":[],\"reason\":null,\"bytes_in\":120,\"bytes_out\":4096,\"duration_ms\":12.346,\"aws_partition\":\"aws\",\"aws_service\":\"s3\",\"aws_region\":\"us-east-1\",\"fips_endpoint\":false,\"aws_operation\":\"GetObject\",\"sigv4_scope\":\"s3/us-east-1\",\"aws_access_key_id\":\"AKIAEXAMPLE\"}\n"
private let GOLD1 = "{\"time\":null,\"event\":\"request\",\"mode\":null,\"client\":null,\"host\":null,\"port\":null,\"method\":null,\"path\":null,\"status\":null,\"upstream\":null,\"tls_version\":null,\"cipher\":null,\"decision\":null,\"outcome\":\"ok\",\"error\":null,\"violations\":[],\"reason\":null,\"bytes_in\":null,\"bytes_out\":null,\"duration_ms\":null}\n"
private let GOLD2 = "{\"time\":null,\"event\":\"tunnel\",\"mode\":null,\"client\":null,\"host\":null,\"port\":null,\"method\":null,\"path\":null,\"status\":null,\"upstream\":null,\"tls_version\":null,\"cipher\":null,\"decision\":null,\"outcome\":\"ok\",\"error\":null,\"violations\":[],\"reason\":null,\"bytes_in\":null,\"bytes_out\":null,\"duration_ms\":null,\"sni\":null,\"alpn\":null,\"client_tls_max\":null}\n"
private let GOLD3 = "{\"time\":\"1970-01-01T00:00:00.000Z\",\"event\":\"tunnel\",\"mode\":\"tunnel\",\"client\":\"[::1]:1\",\"host\":\"a.example\",\"port\":8443,\"method\":null,\"path\":null,\"status\":200,\"upstream\":\"[2001:db8::1]:443\",\"tls_version\":\"TLSv1.2\",\"cipher\":\"ECDHE-RSA-AES128-GCM-SHA256\",\"decision\":\"report\",\"outcome\":\"ok\",\"error\":null,\"violations\":[\"sni_mismatch\",\"weak_cipher\"],\"reason\":\"the TLS server name (SNI) differs\",\"bytes_in\":0,\"bytes_out\":-1,\"duration_ms\":5,\"sni\":\"evil.example\",\"alpn\":[\"h2\",\"http/1.1\"],\"client_tls_max\":\"TLSv1.3\",\"n\":1}\n"
private let GOLD4 = "{\"time\":null,\"event\":\"tunnel\",\"mode\":null,\"client\":null,\"host\":null,\"port\":null,\"method\":null,\"path\":null,\"status\":null,\"upstream\":null,\"tls_version\":null,\"cipher\":null,\"decision\":null,\"outcome\":\"ok\",\"error\":null,\"violations\":[],\"reason\":null,\"bytes_in\":null,\"bytes_out\":null,\"duration_ms\":null,\"sni\":null,\"alpn\":[],\"client_tls_max\":null}\n"
private let GOLD5 = "{\"time\":\"1969-12-31T23:59:59.001Z\",\"event\":\"violation\",\"mode\":\"intercept\",\"client\":null,\"host\":\"q\\\"b\\\\s/n\\nr\\rt\\tb\\bf\\fz\\u0000e\\u001bd\\u007fl\\u2028p\\u2029é中🎉﻿\\u001f\",\"port\":null,\"method\":null,\"path\":null,\"status\":null,\"upstream\":null,\"tls_version\":null,\"cipher\":null,\"decision\":\"deny\",\"outcome\":\"ok\",\"error\":null,\"violations\":[\"host_not_allowed\"],\"reason\":\"\\\"}\\n{\\\"\",\"bytes_in\":null,\"bytes_out\":null,\"duration_ms\":0.001,\"k\\\"ey\\n\":\"v\",\"i\":-9223372036854775808,\"j\":9223372036854775807,\"d\":0.1,\"e\":1e+20,\"f\":-3.5,\"g\":null,\"h\":null,\"t\":true,\"u\":false,\"z\":null,\"l\":[],\"m\":[\"a\",\"\\u0001\"],\"big\":1.2345678901234568e+17,\"tiny\":1e-09,\"neg0\":0}\n"
private let GOLD6 = "{\"time\":\"9999-12-31T23:59:59.999Z\",\"event\":\"config_reload\",\"mode\":null,\"client\":null,\"host\":null,\"port\":null,\"method\":null,\"path\":null,\"status\":null,\"upstream\":null,\"tls_version\":null,\"cipher\":null,\"decision\":null,\"outcome\":\"ok\",\"error\":null,\"violations\":[],\"reason\":\"ok\",\"bytes_in\":null,\"bytes_out\":null,\"duration_ms\":0}\n"
private let GOLD7 = "{\"time\":null,\"event\":\"request\",\"mode\":null,\"client\":null,\"host\":null,\"port\":null,\"method\":null,\"path\":null,\"status\":null,\"upstream\":null,\"tls_version\":null,\"cipher\":null,\"decision\":null,\"outcome\":\"ok\",\"error\":null,\"violations\":[],\"reason\":null,\"bytes_in\":null,\"bytes_out\":null,\"duration_ms\":1e+300}\n"
private let GOLD8 = "{\"time\":\"2000-02-29T00:00:00.000Z\",\"event\":\"request\",\"mode\":null,\"client\":null,\"host\":null,\"port\":null,\"method\":null,\"path\":null,\"status\":null,\"upstream\":null,\"tls_version\":null,\"cipher\":null,\"decision\":null,\"outcome\":\"ok\",\"error\":null,\"violations\":[],\"reason\":null,\"bytes_in\":null,\"bytes_out\":null,\"duration_ms\":4398046511104.123}\n"
private let GOLD9 = "{\"time\":null,\"event\":\"request\",\"mode\":null,\"client\":null,\"host\":null,\"port\":null,\"method\":null,\"path\":null,\"status\":null,\"upstream\":null,\"tls_version\":null,\"cipher\":null,\"decision\":null,\"outcome\":\"ok\",\"error\":null,\"violations\":[],\"reason\":null,\"bytes_in\":null,\"bytes_out\":null,\"duration_ms\":100}\n"
private let GOLD10 = "{\"time\":null,\"event\":\"request\",\"mode\":null,\"client\":null,\"host\":null,\"port\":null,\"method\":null,\"path\":null,\"status\":null,\"upstream\":null,\"tls_version\":null,\"cipher\":null,\"decision\":null,\"outcome\":\"ok\",\"error\":null,\"violations\":[],\"reason\":null,\"bytes_in\":null,\"bytes_out\":null,\"duration_ms\":-12}\n"
private let GOLD11 = "{\"time\":null,\"event\":\"request\",\"mode\":null,\"client\":null,\"host\":null,\"port\":null,\"method\":null,\"path\":null,\"status\":null,\"upstream\":null,\"tls_version\":null,\"cipher\":null,\"decision\":null,\"outcome\":\"ok\",\"error\":null,\"violations\":[],\"reason\":null,\"bytes_in\":null,\"bytes_out\":null,\"duration_ms\":1000000000000000.0}\n"
private let GOLD12 = "{\"time\":null,\"event\":\"request\",\"mode\":null,\"client\":null,\"host\":null,\"port\":null,\"method\":null,\"path\":null,\"status\":null,\"upstream\":null,\"tls_version\":null,\"cipher\":null,\"decision\":null,\"outcome\":\"ok\",\"error\":null,\"violations\":[],\"reason\":null,\"bytes_in\":null,\"bytes_out\":null,\"duration_ms\":null}\n"
