/// A TLS failure, classified for policy and audit, with OpenSSL's evidence attached.
public struct TLSError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The chain did not verify against the trust store (unknown issuer, self-signed, expired...).
        case certificateUntrusted
        /// The certificate is valid but not for the requested host name.
        case certificateNameMismatch
        /// The peer would only speak a TLS version below our minimum (alert 70 or "unsupported protocol").
        case protocolVersion
        /// Any other handshake failure (no shared cipher, handshake_failure alert, bad record...).
        case handshakeFailed
        /// The peer closed the connection or the socket failed.
        case connectionClosed
        /// Setting up OpenSSL objects failed.
        case setup
    }

    public let kind: Kind
    /// A one-line human explanation (used in 502 bodies and the audit `reason`).
    public let message: String
    /// `SSL_get_verify_result` when it was not `X509_V_OK`.
    public let verifyResult: Int?
    /// The whole OpenSSL error stack captured at the failure.
    public let errors: [OpenSSLErrorEntry]

    public init(kind: Kind, message: String, verifyResult: Int? = nil, errors: [OpenSSLErrorEntry] = []) {
        self.kind = kind
        self.message = message
        self.verifyResult = verifyResult
        self.errors = errors
    }

    public var description: String {
        var text = message
        if !errors.isEmpty { text += " [" + errors.map(\.text).joined(separator: "; ") + "]" }
        return text
    }
}
