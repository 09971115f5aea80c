/// A machine-readable reason traffic breaks policy. The raw value is what audit records,
/// 403/502 bodies and the README show.
public enum ViolationCode: String, Sendable, Hashable, CaseIterable {
    case hostNotAllowed = "host_not_allowed"
    case portNotAllowed = "port_not_allowed"
    case privateAddress = "private_address"
    case certUntrusted = "cert_untrusted"
    case certNameMismatch = "cert_name_mismatch"
    case legacyTLSNegotiated = "legacy_tls_negotiated"
    case legacyTLSOffered = "legacy_tls_offered"
    case upstreamUnreachable = "upstream_unreachable"
    case tlsFallbackSCSV = "tls_fallback_scsv"
    case sniMismatch = "sni_mismatch"
    case sniMissing = "sni_missing"
    case sniIPLiteral = "sni_ip_literal"
    case notTLS = "not_tls"
    case downgradeSentinel = "downgrade_sentinel"
    case weakCipher = "weak_cipher"
    case handshakeAlert = "handshake_alert"
    case nonFIPSEndpoint = "non_fips_endpoint"
    case unknownAWSEndpoint = "unknown_aws_endpoint"
    case sigv4ScopeMismatch = "sigv4_scope_mismatch"
    case clientNotAllowed = "client_not_allowed"
    case proxyAuthRequired = "proxy_auth_required"
    // TLS interception.
    case insecureRedirect = "insecure_redirect"
    case hostHeaderMismatch = "host_header_mismatch"

    /// One human-readable line describing the violation (README, 403/502 bodies, logs).
    public var summary: String {
        switch self {
        case .hostNotAllowed:
            return "the destination host is not in policy.allow_hosts"
        case .portNotAllowed:
            return "the CONNECT port is not in policy.connect_ports"
        case .privateAddress:
            return "the destination resolved to a private, loopback, link-local or metadata address"
        case .certUntrusted:
            return "the upstream certificate chain is not trusted by the configured CA bundle"
        case .certNameMismatch:
            return "the upstream certificate does not match the requested host name"
        case .legacyTLSNegotiated:
            return "the connection negotiated a TLS version below tls.min_version"
        case .legacyTLSOffered:
            return "the client offered no TLS version at or above tls.min_version"
        case .upstreamUnreachable:
            return "the upstream could not be resolved, connected to, or completed no TLS handshake in time"
        case .tlsFallbackSCSV:
            return "the client signalled a version fallback retry (TLS_FALLBACK_SCSV)"
        case .sniMismatch:
            return "the TLS server name (SNI) differs from the CONNECT host"
        case .sniMissing:
            return "the TLS ClientHello carries no server name (SNI)"
        case .sniIPLiteral:
            return "the TLS server name (SNI) is an IP address literal"
        case .notTLS:
            return "the tunnel did not start with a TLS handshake"
        case .downgradeSentinel:
            return "the ServerHello random carries a TLS 1.3 downgrade sentinel"
        case .weakCipher:
            return "the negotiated cipher suite is not allowed (no forward secrecy or no AEAD)"
        case .handshakeAlert:
            return "the TLS handshake ended with an alert"
        case .nonFIPSEndpoint:
            return "the AWS endpoint is not a FIPS endpoint although FIPS endpoints are required"
        case .unknownAWSEndpoint:
            return "the host is not a recognised AWS service endpoint"
        case .clientNotAllowed:
            return "the client address is not in allow_clients"
        case .proxyAuthRequired:
            return "the client sent no valid Proxy-Authorization credentials"
        case .sigv4ScopeMismatch:
            return "the SigV4 credential scope (region/service) does not match the endpoint"
        case .insecureRedirect:
            return "an intercepted https origin redirected to an http:// URL"
        case .hostHeaderMismatch:
            return "the Host header names another host than the intercepted CONNECT host and SNI"
        }
    }
}
