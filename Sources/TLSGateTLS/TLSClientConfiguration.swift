/// How tlsgate speaks TLS to upstream servers. Built once at start-up into a ``TLSContext``.
public struct TLSClientConfiguration: Sendable, Equatable {
    /// Where trusted roots come from.
    public enum TrustStore: Sendable, Equatable {
        /// OpenSSL's default verify paths (Debian: /etc/ssl/certs).
        case system
        /// A PEM bundle file.
        case file(String)
    }

    /// Lowest protocol version accepted; TLS 1.2 unless configured to 1.3.
    public var minimumVersion: TLSProtocolVersion
    public var trustStore: TrustStore
    /// TLS 1.2 cipher list (OpenSSL syntax): ECDHE with AEAD ciphers only.
    public var cipherList: String
    /// TLS 1.3 cipher suites (all AEAD).
    public var cipherSuites: String

    public static let defaultCipherList =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" +
        "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" +
        "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
    public static let defaultCipherSuites =
        "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

    public init(minimumVersion: TLSProtocolVersion = .tls12,
                trustStore: TrustStore = .system,
                cipherList: String = TLSClientConfiguration.defaultCipherList,
                cipherSuites: String = TLSClientConfiguration.defaultCipherSuites) {
        self.minimumVersion = minimumVersion
        self.trustStore = trustStore
        self.cipherList = cipherList
        self.cipherSuites = cipherSuites
    }
}
