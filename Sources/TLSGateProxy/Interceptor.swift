import TLSGatePolicy
import TLSGateTLS

/// What an intercepted connection's client handshake needs: which CONNECT hosts are intercepted
/// (`intercept.hosts`), a leaf credential per host (minted by the local CA, cached), and the server
/// contexts (the client-side TLS profile, rotating ticket keys). Built once per configuration.
public final class Interceptor: Sendable {
    /// A leaf certificate, its key and the chain sent after it.
    public struct Credential: Sendable {
        public let certificate: X509Certificate
        public let key: PrivateKey
        public let chain: [X509Certificate]

        public init(certificate: X509Certificate, key: PrivateKey, chain: [X509Certificate]) {
            self.certificate = certificate
            self.key = key
            self.chain = chain
        }
    }

    /// `intercept.hosts`: CONNECT hosts whose traffic is decrypted.
    public let hosts: [HostPattern]
    /// Client-side TLS contexts (the session-ticket key rotates with them).
    public let contexts: TLSTicketKeyRotation
    private let issue: @Sendable (String) throws -> Credential

    /// `issue` must be thread-safe (every loop calls it) and should cache: it runs once per client
    /// handshake. `profile` is the client-side TLS profile (the FIPS one when `policy.fips` is on).
    public init(hosts: [HostPattern], profile: TLSClientConfiguration,
                issue: @escaping @Sendable (String) throws -> Credential) throws(TLSError) {
        self.hosts = hosts
        self.issue = issue
        self.contexts = try TLSTicketKeyRotation(configuration: profile)
    }

    /// Whether CONNECTs to `host` (normalized) are intercepted.
    public func intercepts(_ host: String) -> Bool { hosts.contains { $0.matches(host) } }

    /// The leaf for `host`, or why there is none.
    func credential(for host: String) -> Result<Credential, any Error> {
        Result { try issue(host) }
    }
}
