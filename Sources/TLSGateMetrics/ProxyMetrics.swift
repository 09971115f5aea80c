import Prometheus
import Synchronization

private typealias Counter = Prometheus.Counter
private typealias Gauge = Prometheus.Gauge

/// The proxy's metrics, rendered in the Prometheus text exposition format.
///
/// Each instance owns its own `PrometheusCollectorRegistry`; nothing global is touched (the
/// swift-metrics `MetricsSystem` is never bootstrapped here), so tests and several servers in one
/// process get independent instances. ``factory`` is a swift-metrics factory over the same registry
/// for code that wants to add its own metrics to the same exposition (it may bootstrap the global
/// system with it, from an executable only); such metrics must not reuse the names below.
///
/// Every recording method is cheap and thread-safe: metric objects are created up front or on the
/// first use of a label value (cached; see ``LabeledSeries``), counters and gauges are atomics.
///
/// Series (all names start with `tlsgate_`):
/// - `tlsgate_connections_open{mode}` gauge, `tlsgate_connections_total{mode}` counter
/// - `tlsgate_connections_rejected_total{reason}` counter
/// - `tlsgate_requests_total{class}` counter, class `1xx`…`5xx` (or `other`)
/// - `tlsgate_bytes_in_total{mode}`, `tlsgate_bytes_out_total{mode}` counters
/// - `tlsgate_handshake_duration_seconds{mode}` histogram (1 ms … 10 s)
/// - `tlsgate_upstream_tls_total{version,cipher}` counter
/// - `tlsgate_upstream_connections_total` counter (new forward-mode upstream connections),
///   `tlsgate_upstream_reused_total` counter (requests sent on a kept or pooled connection)
/// - `tlsgate_upstream_pool_idle` gauge, `tlsgate_upstream_pool_closed_total{reason}` counter,
///   reason `expired` | `server_closed` | `full`
/// - `tlsgate_violations_total{code}` counter
/// - `tlsgate_config_reloads_total{result}` counter, result `ok` | `failed`
/// - `tlsgate_audit_lines_total`, `tlsgate_audit_write_failures_total` counters
public final class ProxyMetrics: Sendable {
    /// The registry every series of this instance lives in.
    public let registry: PrometheusCollectorRegistry
    /// A swift-metrics factory writing into ``registry`` (not bootstrapped).
    public let factory: PrometheusMetricsFactory
    /// HTTP/2 streams, resets and GOAWAYs of intercepted clients.
    public let http2: HTTP2Metrics
    /// Multiplexed HTTP/2 upstream connections and their streams.
    public let upstreamHTTP2: UpstreamHTTP2Metrics

    /// Upper bounds of the handshake histogram buckets, in seconds.
    public static let handshakeBuckets: [Double] = [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]
    /// Modes whose series exist from the start.
    public static let knownModes = ["forward", "tunnel", "intercept", "admin"]
    /// Rejection reasons whose series exist from the start.
    public static let knownRejectionReasons = ["max_connections", "per_client", "not_allowed", "draining"]
    /// How many distinct values a free-form label (violation code, cipher, …) may take before new
    /// values are folded into `other`.
    public static let maxLabelValues = 64

    private let open: LabeledSeries<String, Gauge>
    /// Connections each event loop serves, by loop index (set when metrics are read).
    private let loopConnections: LabeledSeries<Int, Gauge>
    private let opened: LabeledSeries<String, Counter>
    private let rejected: LabeledSeries<String, Counter>
    /// Index 0: `other`; 1…5: `1xx`…`5xx`.
    private let requestsByClass: [Counter]
    private let bytesIn: LabeledSeries<String, Counter>
    private let bytesOut: LabeledSeries<String, Counter>
    /// The `forward` series of `bytesIn` / `bytesOut`, looked up once (see ``forwardRequest(status:in:out:)``).
    private let forwardBytesIn: Counter
    private let forwardBytesOut: Counter
    private let handshakes: LabeledSeries<String, ValueHistogram>
    private let upstreamTLS: LabeledSeries<LabelPair, Counter>
    private let violations: LabeledSeries<String, Counter>
    private let reloadsOK: Counter
    private let reloadsFailed: Counter
    private let auditLinesCounter: Counter
    private let auditFailuresCounter: Counter
    private let auditTotals = AuditTotals()
    private let upstreamConnects: Counter
    private let parentConnects: Counter
    private let upstreamReuses: Counter
    private let poolIdle: Gauge
    /// Index: ``PoolClose`` raw value.
    private let poolClosed: [Counter]

    /// Why the upstream pool closed an idle connection.
    public enum PoolClose: Int, CaseIterable, Sendable {
        /// Idle longer than the pool keeps connections.
        case expired
        /// The server closed it (or sent something unasked for) while it was idle.
        case serverClosed
        /// The pool already held as many idle connections for that host as it keeps.
        case full

        var label: String {
            switch self {
            case .expired: return "expired"
            case .serverClosed: return "server_closed"
            case .full: return "full"
            }
        }
    }

    /// A fresh registry with every fixed series created (at 0).
    /// - Parameter violationCodes: violation codes whose series should exist from the start
    ///   (e.g. `ViolationCode.allCases.map(\.rawValue)`); other codes appear on first use.
    public init(violationCodes: [String] = []) {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        self.factory = PrometheusMetricsFactory(registry: registry)
        self.http2 = HTTP2Metrics(registry: registry)
        self.upstreamHTTP2 = UpstreamHTTP2Metrics(registry: registry)
        let limit = Self.maxLabelValues

        func counter(_ name: String, _ help: String, _ label: String) -> @Sendable (String) -> Counter {
            let family = Family(name, help)
            return { value in
                registry.makeCounter(descriptor: family.descriptor, labels: [(label, sanitizedLabelValue(value))])
            }
        }

        let openFamily = Family("tlsgate_connections_open", "Client connections currently open, by mode.")
        open = LabeledSeries(known: Self.knownModes, limit: limit, overflowKey: "other") { mode in
            registry.makeGauge(descriptor: openFamily.descriptor, labels: [("mode", sanitizedLabelValue(mode))])
        }
        let loopFamily = Family("tlsgate_event_loop_connections",
                                "Client connections each event loop (thread) serves; new connections go to the least busy when the spread is wide.")
        loopConnections = LabeledSeries(known: [], limit: 256, overflowKey: -1) { index in
            registry.makeGauge(descriptor: loopFamily.descriptor, labels: [("loop", String(index))])
        }
        opened = LabeledSeries(known: Self.knownModes, limit: limit, overflowKey: "other", make: counter(
            "tlsgate_connections_total",
            "Client connections that entered each mode (a CONNECT counts as forward, then tunnel).", "mode"))
        rejected = LabeledSeries(known: Self.knownRejectionReasons, limit: limit, overflowKey: "other", make: counter(
            "tlsgate_connections_rejected_total", "Client connections refused before serving, by reason.", "reason"))

        let requestsFamily = Family("tlsgate_requests_total", "Requests answered, by status class.")
        requestsByClass = ["other", "1xx", "2xx", "3xx", "4xx", "5xx"].map {
            registry.makeCounter(descriptor: requestsFamily.descriptor, labels: [("class", $0)])
        }

        let bytesIn = LabeledSeries(known: Self.knownModes, limit: limit, overflowKey: "other", make: counter(
            "tlsgate_bytes_in_total", "Bytes received from clients, by mode.", "mode"))
        let bytesOut = LabeledSeries(known: Self.knownModes, limit: limit, overflowKey: "other", make: counter(
            "tlsgate_bytes_out_total", "Bytes sent to clients, by mode.", "mode"))
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        forwardBytesIn = bytesIn.series("forward")
        forwardBytesOut = bytesOut.series("forward")

        let handshakeFamily = Family(
            "tlsgate_handshake_duration_seconds",
            "TLS handshake duration: upstream handshake in forward mode, ClientHello to ServerHello in tunnels.")
        let buckets = Self.handshakeBuckets
        handshakes = LabeledSeries(known: ["forward", "tunnel", "intercept"], limit: limit, overflowKey: "other") { mode in
            registry.makeValueHistogram(descriptor: handshakeFamily.descriptor,
                                        labels: [("mode", sanitizedLabelValue(mode))], buckets: buckets)
        }

        let tlsFamily = Family("tlsgate_upstream_tls_total",
                               "Upstream TLS sessions established, by negotiated version and cipher.")
        upstreamTLS = LabeledSeries(known: [], limit: limit, overflowKey: LabelPair(first: "other", second: "other")) { pair in
            registry.makeCounter(descriptor: tlsFamily.descriptor, labels: [
                ("version", sanitizedLabelValue(pair.first)), ("cipher", sanitizedLabelValue(pair.second)),
            ])
        }
        violations = LabeledSeries(known: violationCodes, limit: limit, overflowKey: "other", make: counter(
            "tlsgate_violations_total", "Policy violations detected (enforced or reported), by code.", "code"))

        let reloadFamily = Family("tlsgate_config_reloads_total", "Configuration reloads, by result.")
        reloadsOK = registry.makeCounter(descriptor: reloadFamily.descriptor, labels: [("result", "ok")])
        reloadsFailed = registry.makeCounter(descriptor: reloadFamily.descriptor, labels: [("result", "failed")])
        auditLinesCounter = registry.makeCounter(descriptor: Family(
            "tlsgate_audit_lines_total", "Audit log lines written.").descriptor)
        auditFailuresCounter = registry.makeCounter(descriptor: Family(
            "tlsgate_audit_write_failures_total", "Audit log writes that failed.").descriptor)

        upstreamConnects = registry.makeCounter(descriptor: Family(
            "tlsgate_upstream_connections_total", "Upstream connections opened in forward mode.").descriptor)
        parentConnects = registry.makeCounter(descriptor: Family(
            "tlsgate_upstream_parent_connections_total",
            "Upstream connections (forward mode and tunnels) opened through the parent proxy (upstream.proxy).").descriptor)
        upstreamReuses = registry.makeCounter(descriptor: Family(
            "tlsgate_upstream_reused_total",
            "Forward-mode requests sent on an upstream connection that served an earlier request (kept or pooled).").descriptor)
        poolIdle = registry.makeGauge(descriptor: Family(
            "tlsgate_upstream_pool_idle", "Idle upstream connections kept in the pools for reuse.").descriptor)
        let closedFamily = Family("tlsgate_upstream_pool_closed_total", "Idle pooled upstream connections closed, by reason.")
        poolClosed = PoolClose.allCases.map {
            registry.makeCounter(descriptor: closedFamily.descriptor, labels: [("reason", $0.label)])
        }
    }

    // MARK: - Upstream connections and the pool

    /// A forward-mode request opened a new upstream connection.
    public func upstreamConnected() { upstreamConnects.increment() }

    /// An upstream connection (forward or tunnel) was opened through the parent proxy.
    public func upstreamConnectedViaParent() { parentConnects.increment() }

    /// A forward-mode request went out on a connection that served an earlier request.
    public func upstreamReused() { upstreamReuses.increment() }

    /// A connection entered (`+1`) or left (`-1`) a pool's idle set.
    public func poolIdleChanged(by delta: Int) { poolIdle.increment(by: Double(delta)) }

    /// The pool closed an idle connection.
    public func poolClosed(_ reason: PoolClose) { poolClosed[reason.rawValue].increment() }

    // MARK: - Connections

    /// A client connection was accepted and is served in `mode` (`forward`, `tunnel`, `admin`).
    public func connectionOpened(mode: String) {
        open.series(mode).increment(by: 1)
        opened.series(mode).increment()
    }

    /// A connection counted by ``connectionOpened(mode:)`` (or moved by ``modeChanged(from:to:)``) closed.
    public func connectionClosed(mode: String) {
        open.series(mode).decrement(by: 1)
    }

    /// The connections each event loop serves now, by loop index (call before ``render()``).
    public func eventLoopConnections(_ counts: [Int]) {
        for (index, count) in counts.enumerated() { loopConnections.series(index).set(to: Double(count)) }
    }

    /// An open connection changed mode (a forward connection became a tunnel after CONNECT): it moves
    /// between the open gauges and counts once more in `tlsgate_connections_total{mode=to}`.
    public func modeChanged(from: String, to: String) {
        open.series(from).decrement(by: 1)
        open.series(to).increment(by: 1)
        opened.series(to).increment()
    }

    /// A connection was refused (`max_connections`, `per_client`, `not_allowed`, …).
    public func rejectedConnection(reason: String) {
        rejected.series(reason).increment()
    }

    // MARK: - Traffic

    /// A response with `status` was sent to a client (counted by class: `2xx`, `4xx`, …).
    public func request(status: Int) {
        let index = (100...599).contains(status) ? status / 100 : 0
        requestsByClass[index].increment()
    }

    /// Bytes received from (`in`) and sent to (`out`) clients in `mode`. Negative values are ignored.
    public func bytes(mode: String, in bytesReceived: Int, out bytesSent: Int) {
        if bytesReceived > 0 { bytesIn.series(mode).increment(by: Int64(bytesReceived)) }
        if bytesSent > 0 { bytesOut.series(mode).increment(by: Int64(bytesSent)) }
    }

    /// One forward-mode exchange ended: ``request(status:)`` (when a response with `status` was
    /// sent) and ``bytes(mode:in:out:)`` for mode `forward`, in one call with the series looked up
    /// in advance (this runs once per forwarded request).
    public func forwardRequest(status: Int?, in bytesReceived: Int, out bytesSent: Int) {
        if let status { request(status: status) }
        if bytesReceived > 0 { forwardBytesIn.increment(by: Int64(bytesReceived)) }
        if bytesSent > 0 { forwardBytesOut.increment(by: Int64(bytesSent)) }
    }

    /// How long a TLS handshake took: the upstream handshake in forward mode, ClientHello to
    /// ServerHello in tunnels. Negative or non-finite values are ignored.
    public func handshake(seconds: Double, mode: String) {
        guard seconds.isFinite, seconds >= 0 else { return }
        handshakes.series(mode).record(seconds)
    }

    /// An upstream TLS session was established with `version` (e.g. `TLSv1.3`) and `cipher`.
    public func negotiated(version: String, cipher: String) {
        upstreamTLS.series(LabelPair(first: version, second: cipher)).increment()
    }

    /// A policy violation with `code` (e.g. `host_not_allowed`) was detected.
    public func violation(_ code: String) {
        violations.series(code).increment()
    }

    // MARK: - Operations

    /// A configuration reload finished.
    public func configReload(ok: Bool) {
        (ok ? reloadsOK : reloadsFailed).increment()
    }

    /// `count` more audit lines were written. Use either this or ``auditLinesWritten(total:)``.
    public func auditLines(_ count: Int) {
        if count > 0 { auditLinesCounter.increment(by: Int64(count)) }
    }

    /// Brings `tlsgate_audit_lines_total` (and the failure counter) up to running totals such as
    /// `AuditLog.linesWritten` / `AuditLog.writeFailures`; meant to be called when metrics are
    /// scraped. Only increases are added; a total smaller than the previous one (a new log object) is
    /// counted from zero.
    public func auditLinesWritten(total: Int, failures: Int = 0) {
        let (lines, failed) = auditTotals.advance(lines: total, failures: failures)
        if lines > 0 { auditLinesCounter.increment(by: Int64(lines)) }
        if failed > 0 { auditFailuresCounter.increment(by: Int64(failed)) }
    }

    // MARK: - Exposition

    /// All series in the Prometheus text exposition format (version 0.0.4), one `# HELP` and
    /// `# TYPE` line per family. Family order is unspecified.
    public func render() -> String {
        registry.emitToString()
    }
}

/// A metric family's name and help text (`MetricNameDescriptor` is not `Sendable`).
private struct Family: Sendable {
    let name: String
    let help: String

    init(_ name: String, _ help: String) {
        self.name = name
        self.help = help
    }

    var descriptor: MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}

/// The last running totals seen by ``ProxyMetrics/auditLinesWritten(total:failures:)``.
private final class AuditTotals: Sendable {
    private let last = Mutex((lines: 0, failures: 0))

    /// The increases since the previous call.
    func advance(lines: Int, failures: Int) -> (Int, Int) {
        last.withLock { seen in
            let dl = lines >= seen.lines ? lines - seen.lines : max(0, lines)
            let df = failures >= seen.failures ? failures - seen.failures : max(0, failures)
            seen = (lines, failures)
            return (dl, df)
        }
    }
}
