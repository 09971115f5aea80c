import TLSGateCA
import TLSGateTLS

/// What an intercepted connection's client handshake needs: the intercept setup (which CONNECT
/// hosts, the leaf issuer of the local CA) and the server contexts (the client-side TLS profile,
/// rotating session-ticket keys). One per configuration (``ProxyEnvironment``).
final class Interceptor: Sendable {
    let setup: InterceptSetup
    /// Client-side TLS contexts (the session-ticket key rotates with them).
    let contexts: TLSTicketKeyRotation

    /// `profile` is the client-side TLS profile: the upstream one (the FIPS profile when
    /// `policy.fips` is on).
    /// `http2`: clients may pick `h2` by ALPN (served by ``HTTP2InterceptSession``).
    init(setup: InterceptSetup, profile: TLSClientConfiguration, http2: Bool = false) throws(TLSError) {
        self.setup = setup
        self.contexts = try TLSTicketKeyRotation(configuration: profile, http2: http2)
    }

    /// Whether CONNECTs to `host` (normalized) are intercepted.
    func intercepts(_ host: String) -> Bool { setup.intercepts(host) }

    /// The leaf for `host` (minted once, then cached by the issuer), or why there is none.
    func credential(for host: String) -> Result<LeafCredential, CAError> {
        do throws(CAError) { return .success(try setup.issuer.leaf(for: host)) } catch { return .failure(error) }
    }
}
