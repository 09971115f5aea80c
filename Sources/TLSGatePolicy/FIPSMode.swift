/// `policy.fips`: whether AWS traffic must use FIPS endpoints.
public enum FIPSMode: String, Sendable, Hashable, CaseIterable {
    /// No FIPS checks; the default TLS profile.
    case off
    /// FIPS checks are made and violations logged (`decision: report`); the FIPS TLS profile applies.
    case audit
    /// Requests and tunnels to non-FIPS AWS endpoints are refused; the FIPS TLS profile applies.
    case require
}
