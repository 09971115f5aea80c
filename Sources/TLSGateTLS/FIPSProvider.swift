import COpenSSL

/// The OpenSSL 3 FIPS provider: loaded when installed, reported either way.
///
/// tlsgate never claims FIPS 140 validation by itself: only an installed and active FIPS
/// provider (a validated module) is reported as such. Debian's OpenSSL does not ship one.
public enum FIPSProvider {
    public enum Status: Sendable, Equatable, CustomStringConvertible {
        /// The provider loaded and is available.
        case active
        /// No FIPS provider module is installed (or it failed its self-test); the reason follows.
        case unavailable(String)

        public var description: String {
            switch self {
            case .active: return "active (OpenSSL FIPS provider loaded)"
            case .unavailable(let why): return "not available: \(why)"
            }
        }

        public var isActive: Bool { self == .active }
    }

    /// Tries to load the FIPS provider (idempotent) alongside the default one.
    public static func load() -> Status {
        ERR_clear_error()
        if OSSL_PROVIDER_available(nil, "fips") == 1 { return .active }
        guard OSSL_PROVIDER_load(nil, "fips") != nil else {
            _ = OpenSSLErrorStack.capture()
            return .unavailable("OpenSSL could not load the \"fips\" provider (no FIPS module is installed and configured)")
        }
        // Keep the default provider for non-approved needs; FIPS algorithms come from "fips".
        _ = OSSL_PROVIDER_load(nil, "default")
        _ = EVP_default_properties_enable_fips(nil, 1)
        return OSSL_PROVIDER_available(nil, "fips") == 1 ? .active : .unavailable("loaded but not available")
    }
}
