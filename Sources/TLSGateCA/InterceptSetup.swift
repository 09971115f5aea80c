import TLSGatePolicy

/// The intercept settings validated together. `check-config` and `run`'s start-up (and reload)
/// both build it, so both refuse the same things: an unsafe or mismatched CA key, a certificate
/// that is not a signing CA, an intercept host outside the CA's name constraints.
public struct InterceptSetup: Sendable {
    /// Mints and caches the leaves.
    public let issuer: LeafIssuer
    /// The host patterns to intercept (`intercept.hosts`, or `policy.allow_hosts` by default).
    public let hosts: [HostPattern]
    /// `hosts` as an O(labels) matcher.
    public let allowlist: HostAllowlist

    /// Whether connections to `host` are intercepted.
    public func intercepts(_ host: String) -> Bool { allowlist.allows(host) }

    /// Loads the CA, checks every host pattern against its name constraints and makes the issuer.
    /// - Parameters:
    ///   - hostsSource: the configuration key the patterns came from, for messages
    ///     (`intercept.hosts` or `policy.allow_hosts`).
    ///   - configPath: the configuration file, for the `ca init --config` hint.
    ///   - reusing: an issuer to keep (with its cached leaves) when it has the same CA certificate,
    ///     validity and cache size; the CA files are loaded and checked again either way.
    public static func build(certificatePath: String, keyPath: String, hosts: [HostPattern], hostsSource: String = "intercept.hosts",
                             leafValidity: Double, maxCachedLeaves: Int, configPath: String? = nil,
                             reusing: LeafIssuer? = nil) throws(CAError) -> InterceptSetup {
        let authority: CertificateAuthority
        do {
            authority = try CertificateAuthority.load(certificatePath: certificatePath, keyPath: keyPath)
        } catch {
            throw error.prefixed("intercept: ")
        }
        guard !hosts.isEmpty else {
            throw CAError("intercept: \(hostsSource) is empty, so nothing would be intercepted; list host patterns in intercept.hosts or set intercept.enabled: false")
        }
        let outside = hosts.filter { !authority.constraints.covers($0) }
        if !outside.isEmpty {
            let names = outside.map { "'\($0)'" }.joined(separator: ", ")
            let config = configPath.map { " --config \($0)" } ?? ""
            throw CAError("intercept: \(hostsSource): \(names) \(outside.count == 1 ? "is" : "are") outside the name constraints of "
                          + "\(certificatePath) (\(authority.constraints.lines.joined(separator: "; "))), so clients would reject the leaves; "
                          + "remove \(outside.count == 1 ? "it" : "them") from \(hostsSource), or create a CA that covers them with "
                          + "`tlsgate ca init --force\(config)` and trust the new ca.pem in the clients")
        }
        if let reusing, reusing.validity == leafValidity, reusing.maxCachedLeaves == maxCachedLeaves,
           reusing.authority.certificate.sha256Fingerprint == authority.certificate.sha256Fingerprint {
            return InterceptSetup(issuer: reusing, hosts: hosts, allowlist: HostAllowlist(hosts))
        }
        let issuer: LeafIssuer
        do {
            issuer = try LeafIssuer(authority: authority, validity: leafValidity, maxCachedLeaves: maxCachedLeaves)
        } catch {
            throw error.prefixed("intercept: ")
        }
        return InterceptSetup(issuer: issuer, hosts: hosts, allowlist: HostAllowlist(hosts))
    }
}
