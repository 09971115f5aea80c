import TLSGateAudit
import TLSGatePolicy
import TLSGateTLS

/// An intercepted CONNECT as the forward session serving it knows it: the host and port every
/// request inside goes to (the CONNECT host, which the SNI named too), what the tunnel learnt
/// from the ClientHello, and the client side's negotiated TLS.
final class InterceptTarget {
    /// Normalized CONNECT host (= SNI): the only host requests inside may name.
    let host: String
    let port: Int
    /// The CONNECT's audit facts (hello, violations): its `tunnel` line is written when the
    /// connection ends.
    var record: TunnelRecord
    /// The client handshake in progress (moved to `ForwardSession.clientTLS` when it completes).
    var handshaking: TLSConnection?
    var handshakeStartedNanos: UInt64 = 0
    /// Client side, for every request line: "TLSv1.3", "TLS_AES_128_GCM_SHA256".
    var clientTLSVersion: String?
    var clientCipher: String?
    /// The `tunnel` line was written (a refusal writes it early).
    var audited = false
    var requests = 0
    /// HTTP/2: the client speaks h2 and this target serves one of its streams, bridged as
    /// HTTP/1.1 over a socket pair by ``HTTP2InterceptSession`` (no TLS on this side; the h2
    /// session writes the CONNECT's tunnel line).
    var bridgedHTTP2 = false
    /// `sni`, `client_tls_version`, `client_cipher` (and `http_version`, `upstream_http_version`
    /// for HTTP/2 streams) for request lines (made once).
    private(set) lazy var auditFields: [(String, AuditValue)] = [
        ("sni", record.sni.map { .string($0) } ?? .null),
        ("client_tls_version", clientTLSVersion.map { .string($0) } ?? .null),
        ("client_cipher", clientCipher.map { .string($0) } ?? .null),
    ] + (bridgedHTTP2 ? [("http_version", .string("2")), ("upstream_http_version", .string("1.1"))] : [])

    init(host: String, port: Int, record: TunnelRecord) {
        self.host = host
        self.port = port
        self.record = record
    }

    /// The Host header (or absolute-form authority) must name the CONNECT host.
    var hostMismatchReason: String { "Host header names another host than the CONNECT host and SNI \(host)" }
}
