import COpenSSL
import CShims
import Glibc
import TLSGateIO
import TLSGatePolicy
import TLSGateTLS

/// Mints and caches interception leaves; thread-safe (used from every event loop).
///
/// Every leaf carries the same per-process ECDSA P-256 key (`LeafIssuer.processKey`), so a miss
/// costs one ECDSA signature by the CA and no key generation. A hit takes the lock for a
/// dictionary lookup and an LRU update; a miss signs outside the lock, so other loops are never
/// held up by it, and the loop that misses is held for one signature.
public final class LeafIssuer: @unchecked Sendable {
    public let authority: CertificateAuthority
    /// Seconds a new leaf is valid (after being backdated an hour), capped at the CA's notAfter.
    public let validity: Double
    public let maxCachedLeaves: Int
    /// The key every leaf of this process carries.
    public let leafKey: PrivateKey
    /// The same key as a legacy EC key, for `X509_set_pubkey` only (see `CertificateBuilder`).
    private let certificateKey: PrivateKey
    /// basicConstraints, keyUsage, extendedKeyUsage and the key identifiers: the same for every
    /// leaf (one key, one CA), so made once.
    private let sharedExtensions: [CertificateExtension]
    private let lock = Lock()
    private var cache: LeafCache

    public init(authority: CertificateAuthority, validity: Double, maxCachedLeaves: Int) throws(CAError) {
        guard validity >= 1 else { throw CAError("intercept.leaf_validity must be at least 1s") }
        guard maxCachedLeaves >= 1 else { throw CAError("intercept.max_cached_leaves must be at least 1") }
        self.authority = authority
        self.validity = validity
        self.maxCachedLeaves = maxCachedLeaves
        let leafKey = try Self.processKey()
        self.leafKey = leafKey
        certificateKey = tg_EVP_PKEY_legacy_ec_copy(leafKey.pointer).map { PrivateKey(owning: $0) } ?? leafKey
        sharedExtensions = try Self.sharedExtensions(key: certificateKey, authority: authority)
        cache = LeafCache(capacity: maxCachedLeaves)
    }

    private static func sharedExtensions(key: PrivateKey, authority: CertificateAuthority) throws(CAError) -> [CertificateExtension] {
        // A throwaway certificate carrying the leaf key, for the subject key identifier.
        let holder = try CertificateBuilder.issue(
            CertificateSpec(subject: [("O", "tlsgate")], notBefore: 0, notAfter: 1, extensions: []),
            subjectKey: key, issuer: authority.certificate, signingKey: authority.key)
        let ca = authority.certificate
        return [
            try CertificateExtension(nid: NID_basic_constraints, value: "critical,CA:FALSE", subject: holder, issuer: ca),
            try CertificateExtension(nid: NID_key_usage, value: "critical,digitalSignature", subject: holder, issuer: ca),
            try CertificateExtension(nid: NID_ext_key_usage, value: "serverAuth", subject: holder, issuer: ca),
            try CertificateExtension(nid: NID_subject_key_identifier, value: "hash", subject: holder, issuer: ca),
            try CertificateExtension(nid: NID_authority_key_identifier, value: "keyid:always", subject: holder, issuer: ca),
        ]
    }

    /// Leaves cached now (at most `maxCachedLeaves`).
    public var cachedCount: Int { lock.withLock { cache.count } }

    /// A cached leaf for `host` (a normalized DNS name or an IP literal), minted on a miss and
    /// renewed when less than a quarter of its lifetime is left. Throws when the CA's name
    /// constraints do not permit `host` (clients would reject the leaf).
    public func leaf(for host: String) throws(CAError) -> LeafCredential {
        let now = Int(time(nil))
        if let cached = lock.withLock({ cache.get(host) }), now < cached.renewAfter { return cached }
        guard authority.permits(host: host) else {
            throw CAError("\(host) is outside the CA's name constraints (\(authority.constraints.lines.joined(separator: "; "))); "
                          + "clients would reject a leaf for it")
        }
        let minted = try mint(for: host, now: now)
        lock.withLock { cache.set(host, minted) }
        return minted
    }

    /// Signs a new leaf for `host` without consulting the cache or the name constraints.
    func mint(for host: String, now: Int = Int(time(nil))) throws(CAError) -> LeafCredential {
        let name = HostName.normalize(host)
        let ca = authority.certificate
        let notBefore = now - 3600
        let notAfter = min(now + Int(validity.rounded(.up)), ca.notAfter)
        let san: String
        var subject: [(String, String)] = [("O", "tlsgate")]
        if let address = IPAddress(parsing: name) {
            // No CN for an IP leaf: a CN that looks like a DNS name would be checked against the
            // CA's DNS constraints when the leaf has no DNS SAN.
            san = "IP:\(address)"
        } else {
            guard !name.contains("*"), let pattern = try? HostPattern(name), case .exact = pattern.kind else { throw CAError("'\(host)' is not a valid DNS host name or IP address") }
            san = "DNS:\(name)"
            subject.append(("CN", name))
        }
        let spec = CertificateSpec(subject: subject, notBefore: notBefore, notAfter: notAfter,
                                   extensions: [(NID_subject_alt_name, san)], sharedExtensions: sharedExtensions)
        let certificate = try CertificateBuilder.issue(spec, subjectKey: certificateKey, issuer: ca, signingKey: authority.key)
        let lifetime = max(1, notAfter - now)
        return LeafCredential(certificate: certificate, key: leafKey, chain: [ca], notAfter: notAfter,
                              renewAfter: notAfter - lifetime / 4, host: name)
    }

    // MARK: - The process key

    private static let keyLock = Lock()
    nonisolated(unsafe) private static var sharedKey: PrivateKey?

    /// The one ECDSA P-256 leaf key of this process, generated on first use.
    public static func processKey() throws(CAError) -> PrivateKey {
        let result: Result<PrivateKey, TLSError> = keyLock.withLock {
            if let sharedKey { return .success(sharedKey) }
            do throws(TLSError) {
                let key = try PrivateKey.generateP256()
                sharedKey = key
                return .success(key)
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let key): return key
        case .failure(let error): throw CAError(error.message, errors: error.errors)
        }
    }
}
