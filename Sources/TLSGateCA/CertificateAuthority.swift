import COpenSSL
import Glibc
import TLSGateIO
import TLSGatePolicy
import TLSGateTLS

/// The local CA that signs interception leaves: its certificate, its key and its name
/// constraints. Made by `tlsgate ca init` (`create` + `write`), loaded by `run` and
/// `check-config` (`load`), which refuse a CA that clients would not accept or that is unsafe.
/// Immutable, so one instance serves every event loop.
public final class CertificateAuthority: @unchecked Sendable {
    public let certificate: X509Certificate
    /// The CA's signing key. Secret.
    let key: PrivateKey
    /// The nameConstraints extension, parsed.
    public let constraints: NameConstraints
    /// Permitted DNS subtrees from the nameConstraints extension (empty = unconstrained).
    public let permittedDNSSubtrees: [String]

    /// Validates the pair: the key belongs to the certificate, the certificate is a CA
    /// (basicConstraints CA:TRUE) that may sign certificates (keyUsage keyCertSign) and is
    /// within its validity.
    init(certificate: X509Certificate, key: PrivateKey, certificatePath: String, keyPath: String) throws(CAError) {
        let recreate = "create a new CA with `tlsgate ca init --force` (then trust the new ca.pem in the clients)"
        guard certificate.matches(key: key) else {
            throw CAError("CA key \(keyPath) does not belong to the certificate \(certificatePath); "
                          + "point intercept.ca_key at the key written with it, or \(recreate)")
        }
        let flags = X509_get_extension_flags(certificate.pointer)
        guard flags & UInt32(EXFLAG_BCONS) != 0, flags & UInt32(EXFLAG_CA) != 0 else {
            throw CAError("\(certificatePath) is not a CA certificate (no basicConstraints CA:TRUE); \(recreate)")
        }
        guard flags & UInt32(EXFLAG_KUSAGE) != 0, X509_get_key_usage(certificate.pointer) & UInt32(KU_KEY_CERT_SIGN) != 0 else {
            throw CAError("\(certificatePath) has no keyUsage keyCertSign, so clients reject every leaf it signs; \(recreate)")
        }
        let now = Int(time(nil))
        guard certificate.notAfter > now else {
            throw CAError("\(certificatePath) expired at \(Self.utc(certificate.notAfter)); \(recreate)")
        }
        guard certificate.notBefore <= now else {
            throw CAError("\(certificatePath) is not valid before \(Self.utc(certificate.notBefore)); check the clock, or \(recreate)")
        }
        self.certificate = certificate
        self.key = key
        constraints = NameConstraints(of: certificate)
        permittedDNSSubtrees = constraints.permittedDNS
    }

    /// Loads and validates: the key file is not accessible by group or others (else: `chmod 600
    /// PATH`), the key matches the certificate, CA:TRUE, keyCertSign, within validity.
    public static func load(certificatePath: String, keyPath: String) throws(CAError) -> CertificateAuthority {
        let certificate = try loadCertificate(path: certificatePath)
        switch Posix.fileMode(keyPath) {
        case .failure(let error):
            throw CAError("cannot read the CA key \(keyPath): \(String(cString: strerror(error.errno))); "
                          + "create the CA with `tlsgate ca init`, or set intercept.ca_key")
        case .success(let mode):
            guard mode & S_IFMT == S_IFREG else { throw CAError("CA key \(keyPath) is not a regular file; set intercept.ca_key to the key file") }
            guard mode & 0o077 == 0 else {
                throw CAError("CA key \(keyPath) is accessible by group or others (mode \(String(mode & 0o777, radix: 8))); "
                              + "run `chmod 600 \(keyPath)` (and keep it owned by the user running tlsgate)")
            }
        }
        let key: PrivateKey
        do {
            key = try PrivateKey(pemFile: keyPath)
        } catch {
            throw CAError("cannot load the CA key \(keyPath): \(error.message); it must be an unencrypted PEM key (as `tlsgate ca init` writes)",
                          errors: error.errors)
        }
        return try CertificateAuthority(certificate: certificate, key: key, certificatePath: certificatePath, keyPath: keyPath)
    }

    /// The CA certificate alone (for `ca show` / `ca export`, which need no key).
    public static func loadCertificate(path: String) throws(CAError) -> X509Certificate {
        do {
            return try X509Certificate(pemFile: path)
        } catch {
            throw CAError("cannot load the CA certificate: \(error.message); create the CA with `tlsgate ca init`", errors: error.errors)
        }
    }

    /// Whether a leaf for `host` would verify under the name constraints.
    public func permits(host: String) -> Bool { constraints.permits(host: host) }

    /// `2026-12-04 03:10:35 UTC`.
    public static func utc(_ seconds: Int) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S UTC", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
