/// How tlsgate speaks TLS to upstream servers. Built once at start-up into a ``TLSContext``.
public struct TLSClientConfiguration: Sendable, Equatable {
    /// Where trusted roots come from.
    public enum TrustStore: Sendable, Equatable {
        /// OpenSSL's default verify paths (Debian: /etc/ssl/certs).
        case system
        /// A PEM bundle file.
        case file(String)
        /// PEM certificates held in memory (the built-in Amazon roots): no file is read. `name`
        /// only labels them in errors.
        case pem(name: String, text: String)
    }

    /// Lowest protocol version accepted; TLS 1.2 unless configured to 1.3.
    public var minimumVersion: TLSProtocolVersion
    public var trustStore: TrustStore
    /// TLS 1.2 cipher list (OpenSSL syntax): ECDHE with AEAD ciphers only.
    public var cipherList: String
    /// TLS 1.3 cipher suites (all AEAD).
    public var cipherSuites: String
    /// Key-exchange groups (nil = OpenSSL's defaults).
    public var groups: String?
    /// Signature algorithms (nil = OpenSSL's defaults).
    public var signatureAlgorithms: String?

    public static let defaultCipherList =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" +
        "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" +
        "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
    public static let defaultCipherSuites =
        "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

    public init(minimumVersion: TLSProtocolVersion = .tls12,
                trustStore: TrustStore = .system,
                cipherList: String = TLSClientConfiguration.defaultCipherList,
                cipherSuites: String = TLSClientConfiguration.defaultCipherSuites,
                groups: String? = nil,
                signatureAlgorithms: String? = nil) {
        self.minimumVersion = minimumVersion
        self.trustStore = trustStore
        self.cipherList = cipherList
        self.cipherSuites = cipherSuites
        self.groups = groups
        self.signatureAlgorithms = signatureAlgorithms
    }

    /// The FIPS profile (`policy.fips` audit/require): TLS 1.2 ECDHE with AES-GCM and TLS 1.3
    /// AES-GCM suites only (no ChaCha20), groups P-256/P-384, signatures ECDSA/RSA-PSS/RSA with
    /// SHA-256 or stronger. This restricts algorithms; it is not a FIPS 140 validation claim.
    public static func fips(minimumVersion: TLSProtocolVersion, trustStore: TrustStore) -> TLSClientConfiguration {
        TLSClientConfiguration(
            minimumVersion: minimumVersion,
            trustStore: trustStore,
            cipherList: "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                + "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384",
            cipherSuites: "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384",
            groups: "P-256:P-384",
            signatureAlgorithms: "ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512:rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:"
                + "rsa_pss_rsae_sha512:rsa_pss_pss_sha256:rsa_pss_pss_sha384:rsa_pss_pss_sha512:RSA+SHA256:RSA+SHA384:RSA+SHA512"
        )
    }
}
