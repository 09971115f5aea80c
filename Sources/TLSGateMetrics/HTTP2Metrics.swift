import Prometheus

/// HTTP/2 series of ``ProxyMetrics`` (`proxyMetrics.http2`):
/// - `tlsgate_http2_streams_total` counter, `tlsgate_http2_streams_open` gauge
/// - `tlsgate_http2_resets_total{side, code}` counter: side `client` (received) | `tlsgate` (sent),
///   code the RFC 9113 name (`CANCEL`, `PROTOCOL_ERROR`, …)
/// - `tlsgate_http2_goaways_total{side}` counter
public final class HTTP2Metrics: Sendable {
    private let streams: Counter
    private let open: Gauge
    private let resets: LabeledSeries<LabelPair, Counter>
    private let goAways: LabeledSeries<String, Counter>

    init(registry: PrometheusCollectorRegistry) {
        streams = registry.makeCounter(descriptor: MetricNameDescriptor(
            metricName: "tlsgate_http2_streams_total", unitName: "", helpText: "HTTP/2 streams opened by intercepted clients."))
        open = registry.makeGauge(descriptor: MetricNameDescriptor(
            metricName: "tlsgate_http2_streams_open", unitName: "", helpText: "HTTP/2 streams open now."))
        resets = LabeledSeries(known: [], limit: ProxyMetrics.maxLabelValues, overflowKey: LabelPair(first: "other", second: "other")) { key in
            let resetsName = MetricNameDescriptor(metricName: "tlsgate_http2_resets_total", unitName: "",
                                                  helpText: "HTTP/2 RST_STREAM frames, by side (client: received; tlsgate: sent) and error code.")
            return registry.makeCounter(descriptor: resetsName, labels: [("side", sanitizedLabelValue(key.first)), ("code", sanitizedLabelValue(key.second))])
        }
        goAways = LabeledSeries(known: ["client", "tlsgate"], limit: 4, overflowKey: "other") { side in
            let goAwayName = MetricNameDescriptor(metricName: "tlsgate_http2_goaways_total", unitName: "",
                                                  helpText: "HTTP/2 GOAWAY frames, by side (client: received; tlsgate: sent).")
            return registry.makeCounter(descriptor: goAwayName, labels: [("side", side)])
        }
    }

    public func streamOpened() {
        streams.increment()
        open.increment(by: 1)
    }

    public func streamClosed() { open.decrement(by: 1) }

    /// A RST_STREAM with `code`; `byClient`: received from the client, else sent by tlsgate.
    public func reset(code: String, byClient: Bool) {
        resets.series(LabelPair(first: byClient ? "client" : "tlsgate", second: code)).increment()
    }

    public func goAway(byClient: Bool) { goAways.series(byClient ? "client" : "tlsgate").increment() }
}
