import Dispatch
import Testing
@testable import TLSGateMetrics

/// The sample lines of an exposition, keyed by `name{labels}` (as rendered).
private func samples(_ text: String) -> [String: Double] {
    var out: [String: Double] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
        out[String(line[..<space])] = value
    }
    return out
}

@Test func freshInstanceRendersEveryFamilyWithHelpAndType() {
    let text = ProxyMetrics().render()
    let families: [(String, String)] = [
        ("tlsgate_connections_open", "gauge"),
        ("tlsgate_connections_total", "counter"),
        ("tlsgate_connections_rejected_total", "counter"),
        ("tlsgate_requests_total", "counter"),
        ("tlsgate_bytes_in_total", "counter"),
        ("tlsgate_bytes_out_total", "counter"),
        ("tlsgate_handshake_duration_seconds", "histogram"),
        ("tlsgate_config_reloads_total", "counter"),
        ("tlsgate_audit_lines_total", "counter"),
        ("tlsgate_audit_write_failures_total", "counter"),
        ("tlsgate_upstream_connections_total", "counter"),
        ("tlsgate_upstream_reused_total", "counter"),
        ("tlsgate_upstream_pool_idle", "gauge"),
        ("tlsgate_upstream_pool_closed_total", "counter"),
    ]
    for (name, type) in families {
        #expect(text.contains("# HELP \(name) "), "missing HELP for \(name)")
        #expect(text.contains("# TYPE \(name) \(type)\n"), "missing TYPE for \(name)")
    }
    // Every series line starts with the prefix.
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        #expect(line.hasPrefix("tlsgate_"))
    }
    let s = samples(text)
    #expect(s[#"tlsgate_connections_open{mode="forward"}"#] == 0)
    #expect(s[#"tlsgate_connections_total{mode="tunnel"}"#] == 0)
    #expect(s[#"tlsgate_requests_total{class="5xx"}"#] == 0)
    #expect(s[#"tlsgate_config_reloads_total{result="failed"}"#] == 0)
    #expect(s[#"tlsgate_connections_rejected_total{reason="per_client"}"#] == 0)
    #expect(s["tlsgate_audit_lines_total"] == 0)
}

@Test func connectionsOpenCloseAndModeChange() {
    let m = ProxyMetrics()
    for _ in 0..<3 { m.connectionOpened(mode: "forward") }
    m.connectionOpened(mode: "admin")
    m.modeChanged(from: "forward", to: "tunnel")
    m.connectionClosed(mode: "forward")
    m.rejectedConnection(reason: "max_connections")
    m.rejectedConnection(reason: "max_connections")
    m.rejectedConnection(reason: "not_allowed")
    let s = samples(m.render())
    #expect(s[#"tlsgate_connections_open{mode="forward"}"#] == 1)
    #expect(s[#"tlsgate_connections_open{mode="tunnel"}"#] == 1)
    #expect(s[#"tlsgate_connections_open{mode="admin"}"#] == 1)
    #expect(s[#"tlsgate_connections_total{mode="forward"}"#] == 3)
    #expect(s[#"tlsgate_connections_total{mode="tunnel"}"#] == 1)
    #expect(s[#"tlsgate_connections_total{mode="admin"}"#] == 1)
    #expect(s[#"tlsgate_connections_rejected_total{reason="max_connections"}"#] == 2)
    #expect(s[#"tlsgate_connections_rejected_total{reason="not_allowed"}"#] == 1)
}

@Test func requestsAreCountedByStatusClass() {
    let m = ProxyMetrics()
    for status in [200, 204, 299, 301, 404, 431, 502, 100, 600, 0, -1] { m.request(status: status) }
    let s = samples(m.render())
    #expect(s[#"tlsgate_requests_total{class="1xx"}"#] == 1)
    #expect(s[#"tlsgate_requests_total{class="2xx"}"#] == 3)
    #expect(s[#"tlsgate_requests_total{class="3xx"}"#] == 1)
    #expect(s[#"tlsgate_requests_total{class="4xx"}"#] == 2)
    #expect(s[#"tlsgate_requests_total{class="5xx"}"#] == 1)
    #expect(s[#"tlsgate_requests_total{class="other"}"#] == 3)
}

@Test func bytesAreCountedByModeAndNegativesIgnored() {
    let m = ProxyMetrics()
    m.bytes(mode: "forward", in: 100, out: 2_000)
    m.bytes(mode: "forward", in: 5, out: 0)
    m.bytes(mode: "tunnel", in: 7, out: 9)
    m.bytes(mode: "tunnel", in: -50, out: -1)
    let s = samples(m.render())
    #expect(s[#"tlsgate_bytes_in_total{mode="forward"}"#] == 105)
    #expect(s[#"tlsgate_bytes_out_total{mode="forward"}"#] == 2_000)
    #expect(s[#"tlsgate_bytes_in_total{mode="tunnel"}"#] == 7)
    #expect(s[#"tlsgate_bytes_out_total{mode="tunnel"}"#] == 9)
}

/// The per-request call of forward mode counts exactly what `request(status:)` plus
/// `bytes(mode: "forward", ...)` count.
@Test func forwardRequestMatchesSeparateCalls() {
    let combined = ProxyMetrics(), separate = ProxyMetrics()
    let cases: [(Int?, Int, Int)] = [(200, 100, 2_000), (nil, 5, 0), (404, -3, 7), (502, 0, -1), (600, 1, 1), (nil, -1, -1)]
    for (status, bytesIn, bytesOut) in cases {
        combined.forwardRequest(status: status, in: bytesIn, out: bytesOut)
        if let status { separate.request(status: status) }
        separate.bytes(mode: "forward", in: bytesIn, out: bytesOut)
    }
    #expect(samples(combined.render()) == samples(separate.render()))
    let s = samples(combined.render())
    #expect(s[#"tlsgate_bytes_in_total{mode="forward"}"#] == 106)
    #expect(s[#"tlsgate_bytes_out_total{mode="forward"}"#] == 2_008)
    #expect(s[#"tlsgate_requests_total{class="2xx"}"#] == 1)
    #expect(s[#"tlsgate_requests_total{class="other"}"#] == 1)
}

@Test func handshakeHistogramBuckets() {
    let m = ProxyMetrics()
    for seconds in [0.0005, 0.003, 0.2, 20, -1, .nan, .infinity] { m.handshake(seconds: seconds, mode: "forward") }
    m.handshake(seconds: 0.04, mode: "tunnel")
    let text = m.render()
    let s = samples(text)
    let f = "tlsgate_handshake_duration_seconds"
    #expect(s[#"\#(f)_bucket{mode="forward",le="0.001"}"#] == 1)
    #expect(s[#"\#(f)_bucket{mode="forward",le="0.0025"}"#] == 1)
    #expect(s[#"\#(f)_bucket{mode="forward",le="0.005"}"#] == 2)
    #expect(s[#"\#(f)_bucket{mode="forward",le="0.25"}"#] == 3)
    #expect(s[#"\#(f)_bucket{mode="forward",le="10.0"}"#] == 3)
    #expect(s[#"\#(f)_bucket{mode="forward",le="+Inf"}"#] == 4)
    #expect(s[#"\#(f)_count{mode="forward"}"#] == 4)
    #expect(abs((s[#"\#(f)_sum{mode="forward"}"#] ?? 0) - 20.2035) < 1e-9)
    #expect(s[#"\#(f)_bucket{mode="tunnel",le="0.025"}"#] == 0)
    #expect(s[#"\#(f)_bucket{mode="tunnel",le="0.05"}"#] == 1)
    #expect(s[#"\#(f)_count{mode="tunnel"}"#] == 1)
    // All 13 configured bounds plus +Inf for each mode.
    let forwardBuckets = text.split(separator: "\n").filter { $0.hasPrefix(#"\#(f)_bucket{mode="forward""#) }
    #expect(forwardBuckets.count == ProxyMetrics.handshakeBuckets.count + 1)
}

@Test func negotiatedVersionsCiphersAndViolations() {
    let m = ProxyMetrics(violationCodes: ["host_not_allowed", "sni_mismatch"])
    m.negotiated(version: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256")
    m.negotiated(version: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256")
    m.negotiated(version: "TLSv1.2", cipher: "ECDHE-RSA-AES128-GCM-SHA256")
    m.violation("host_not_allowed")
    m.violation("private_address")
    let s = samples(m.render())
    #expect(s[#"tlsgate_upstream_tls_total{version="TLSv1.3",cipher="TLS_AES_128_GCM_SHA256"}"#] == 2)
    #expect(s[#"tlsgate_upstream_tls_total{version="TLSv1.2",cipher="ECDHE-RSA-AES128-GCM-SHA256"}"#] == 1)
    #expect(s[#"tlsgate_violations_total{code="host_not_allowed"}"#] == 1)
    #expect(s[#"tlsgate_violations_total{code="sni_mismatch"}"#] == 0)
    #expect(s[#"tlsgate_violations_total{code="private_address"}"#] == 1)
}

@Test func labelValuesAreEscapedAndBounded() {
    let m = ProxyMetrics()
    m.violation("a\"b\\c\nd")
    m.violation("")
    m.violation(String(repeating: "x", count: 500))
    let text = m.render()
    // Control bytes become `_`; quotes and backslashes are escaped by the exposition.
    #expect(text.contains(#"tlsgate_violations_total{code="a\"b\\c_d"} 1"#))
    #expect(text.contains(#"tlsgate_violations_total{code="none"} 1"#))
    #expect(text.contains("tlsgate_violations_total{code=\"\(String(repeating: "x", count: 64))\"} 1"))
    #expect(!text.contains(String(repeating: "x", count: 65)))
}

@Test func freeFormLabelsAreCappedIntoOther() {
    let m = ProxyMetrics()
    let extra = 10
    for i in 0..<(ProxyMetrics.maxLabelValues + extra) { m.violation("code\(i)") }
    m.violation("code0")
    let text = m.render()
    let s = samples(text)
    let series = text.split(separator: "\n").filter { $0.hasPrefix("tlsgate_violations_total{") }
    #expect(series.count == ProxyMetrics.maxLabelValues + 1)
    #expect(s[#"tlsgate_violations_total{code="code0"}"#] == 2)
    #expect(s[#"tlsgate_violations_total{code="other"}"#] == Double(extra))
}

@Test func reloadsAndAuditLines() {
    let m = ProxyMetrics()
    m.configReload(ok: true)
    m.configReload(ok: true)
    m.configReload(ok: false)
    m.auditLines(5)
    m.auditLines(-3)
    m.auditLinesWritten(total: 10, failures: 1)   // +10, +1
    m.auditLinesWritten(total: 12, failures: 1)   // +2
    m.auditLinesWritten(total: 3)                 // a new log: +3
    let s = samples(m.render())
    #expect(s[#"tlsgate_config_reloads_total{result="ok"}"#] == 2)
    #expect(s[#"tlsgate_config_reloads_total{result="failed"}"#] == 1)
    #expect(s["tlsgate_audit_lines_total"] == 20)
    #expect(s["tlsgate_audit_write_failures_total"] == 1)
}

@Test func instancesAreIndependent() {
    let a = ProxyMetrics()
    let b = ProxyMetrics()
    a.request(status: 200)
    a.violation("x")
    #expect(samples(a.render())[#"tlsgate_requests_total{class="2xx"}"#] == 1)
    #expect(samples(b.render())[#"tlsgate_requests_total{class="2xx"}"#] == 0)
    #expect(!b.render().contains(#"code="x""#))
}

@Test func concurrentCallsGiveExactTotals() {
    let m = ProxyMetrics()
    let threads = 8
    let perThread = 5_000
    DispatchQueue.concurrentPerform(iterations: threads) { t in
        for i in 0..<perThread {
            m.connectionOpened(mode: "forward")
            m.request(status: 200 + i % 3)
            m.bytes(mode: "forward", in: 3, out: 5)
            m.violation("v\(i % 4)")                      // series created concurrently
            m.negotiated(version: "TLSv1.3", cipher: "c\(t % 2)")
            m.handshake(seconds: 0.01, mode: "tunnel")
            if i % 2 == 0 { m.connectionClosed(mode: "forward") }
        }
    }
    let n = Double(threads * perThread)
    let s = samples(m.render())
    #expect(s[#"tlsgate_connections_total{mode="forward"}"#] == n)
    #expect(s[#"tlsgate_connections_open{mode="forward"}"#] == n / 2)
    #expect(s[#"tlsgate_requests_total{class="2xx"}"#] == n)
    #expect(s[#"tlsgate_bytes_in_total{mode="forward"}"#] == 3 * n)
    #expect(s[#"tlsgate_bytes_out_total{mode="forward"}"#] == 5 * n)
    for code in 0..<4 { #expect(s[#"tlsgate_violations_total{code="v\#(code)"}"#] == n / 4) }
    #expect(s[#"tlsgate_upstream_tls_total{version="TLSv1.3",cipher="c0"}"#] == n / 2)
    #expect(s[#"tlsgate_upstream_tls_total{version="TLSv1.3",cipher="c1"}"#] == n / 2)
    #expect(s[#"tlsgate_handshake_duration_seconds_count{mode="tunnel"}"#] == n)
}

@Test func poolSeriesCountConnectionsReusesAndCloses() {
    let metrics = ProxyMetrics()
    metrics.upstreamConnected()
    metrics.upstreamReused()
    metrics.upstreamReused()
    metrics.poolIdleChanged(by: 3)
    metrics.poolIdleChanged(by: -1)
    metrics.poolClosed(.expired)
    metrics.poolClosed(.serverClosed)
    metrics.poolClosed(.serverClosed)
    let s = samples(metrics.render())
    #expect(s["tlsgate_upstream_connections_total"] == 1)
    #expect(s["tlsgate_upstream_reused_total"] == 2)
    #expect(s["tlsgate_upstream_pool_idle"] == 2)
    #expect(s[#"tlsgate_upstream_pool_closed_total{reason="expired"}"#] == 1)
    #expect(s[#"tlsgate_upstream_pool_closed_total{reason="server_closed"}"#] == 2)
    #expect(s[#"tlsgate_upstream_pool_closed_total{reason="full"}"#] == 0)
}
