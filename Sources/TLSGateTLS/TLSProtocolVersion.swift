import CShims

/// TLS protocol versions tlsgate can require as a minimum.
public enum TLSProtocolVersion: Sendable, Equatable, Comparable {
    case tls12
    case tls13

    /// The OpenSSL constant (`TLS1_2_VERSION`...), which is also the wire value (0x0303...).
    public var openSSLValue: Int32 {
        switch self {
        case .tls12: return tg_TLS1_2_VERSION()
        case .tls13: return tg_TLS1_3_VERSION()
        }
    }

    public var wireValue: UInt16 { UInt16(openSSLValue) }

    /// OpenSSL's spelling, as in audit lines: "TLSv1.2".
    public var name: String {
        switch self {
        case .tls12: return "TLSv1.2"
        case .tls13: return "TLSv1.3"
        }
    }
}
