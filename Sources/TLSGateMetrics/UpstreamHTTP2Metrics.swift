import Prometheus

/// Upstream HTTP/2 series of ``ProxyMetrics`` (`proxyMetrics.upstreamHTTP2`):
/// - `tlsgate_upstream_http2_connections_total` counter, `tlsgate_upstream_http2_connections_open` gauge
/// - `tlsgate_upstream_http2_streams_total` counter, `tlsgate_upstream_http2_streams_open` gauge
/// - `tlsgate_upstream_http2_resets_total` (RST_STREAM received from origins),
///   `tlsgate_upstream_http2_goaways_total` (GOAWAY received from origins),
///   `tlsgate_upstream_http2_retries_total` (requests sent again after a refusal or GOAWAY)
public final class UpstreamHTTP2Metrics: Sendable {
    private let connections: Counter
    private let connectionsOpen: Gauge
    private let streams: Counter
    private let streamsOpen: Gauge
    private let resets: Counter
    private let goAways: Counter
    private let retries: Counter

    init(registry: PrometheusCollectorRegistry) {
        func counter(_ name: String, _ help: String) -> Counter {
            registry.makeCounter(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help))
        }
        func gauge(_ name: String, _ help: String) -> Gauge {
            registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help))
        }
        connections = counter("tlsgate_upstream_http2_connections_total", "Upstream connections on which the origin chose HTTP/2.")
        connectionsOpen = gauge("tlsgate_upstream_http2_connections_open", "Upstream HTTP/2 connections open now.")
        streams = counter("tlsgate_upstream_http2_streams_total", "Streams opened on upstream HTTP/2 connections.")
        streamsOpen = gauge("tlsgate_upstream_http2_streams_open", "Streams open on upstream HTTP/2 connections now.")
        resets = counter("tlsgate_upstream_http2_resets_total", "RST_STREAM frames received from HTTP/2 origins.")
        goAways = counter("tlsgate_upstream_http2_goaways_total", "GOAWAY frames received from HTTP/2 origins.")
        retries = counter("tlsgate_upstream_http2_retries_total", "Requests sent again after an origin refused their stream (REFUSED_STREAM, GOAWAY).")
    }

    public func connectionOpened() { connections.increment(); connectionsOpen.increment(by: 1) }
    public func connectionClosed() { connectionsOpen.decrement(by: 1) }
    public func streamOpened() { streams.increment(); streamsOpen.increment(by: 1) }
    public func streamClosed() { streamsOpen.decrement(by: 1) }
    public func resetReceived() { resets.increment() }
    public func goAwayReceived() { goAways.increment() }
    public func retried() { retries.increment() }
}
