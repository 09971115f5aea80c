import TLSGateTLS

/// A minted leaf: what a TLS server context for one intercepted host needs.
public final class LeafCredential: Sendable {
    /// The leaf certificate (SAN = the host).
    public let certificate: X509Certificate
    /// The per-process leaf key (the same for every leaf).
    public let key: PrivateKey
    /// The chain to send after the leaf: `[CA certificate]`.
    public let chain: [X509Certificate]
    /// The leaf's notAfter, Unix seconds.
    public let notAfter: Int
    /// From this time (Unix seconds) on, `LeafIssuer` mints a replacement: less than a quarter of
    /// the leaf's lifetime is left.
    public let renewAfter: Int
    /// The host the leaf names.
    public let host: String

    init(certificate: X509Certificate, key: PrivateKey, chain: [X509Certificate], notAfter: Int, renewAfter: Int, host: String) {
        self.certificate = certificate
        self.key = key
        self.chain = chain
        self.notAfter = notAfter
        self.renewAfter = renewAfter
        self.host = host
    }
}
