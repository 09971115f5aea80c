import COpenSSL
import CShims
import Glibc
import TLSGateTLS

/// What goes into one certificate: subject, validity, extensions (OpenSSL configuration syntax,
/// e.g. `critical,CA:TRUE,pathlen:0`).
struct CertificateSpec {
    /// Subject attributes in order, e.g. `[("O", "tlsgate"), ("CN", "example")]`.
    var subject: [(String, String)]
    /// Unix seconds.
    var notBefore: Int
    /// Unix seconds.
    var notAfter: Int
    /// Extensions by NID, in order (made for this certificate).
    var extensions: [(nid: Int32, value: String)]
    /// Extensions made once and shared, added after `extensions`.
    var sharedExtensions: [CertificateExtension] = []
}

/// Makes X.509 v3 certificates: a random 128-bit serial, SHA-256 signature.
enum CertificateBuilder {
    /// Signs `spec` for `subjectKey` with `signingKey`; `issuer` nil means self-signed. A legacy
    /// copy of a provider key (`tg_EVP_PKEY_legacy_ec_copy`) as `subjectKey` saves OpenSSL 3.0's
    /// encoder lookup (~300 µs) in `X509_set_pubkey`.
    static func issue(_ spec: CertificateSpec, subjectKey: PrivateKey, issuer: X509Certificate?,
                      signingKey: PrivateKey) throws(CAError) -> X509Certificate {
        OpenSSLErrorStack.clear()
        guard let x509 = X509_new() else { throw failure("cannot allocate a certificate") }
        let certificate = X509Certificate(owning: x509)
        guard X509_set_version(x509, 2) == 1 else { throw failure("cannot set the certificate version") }
        try setRandomSerial(x509)
        guard ASN1_TIME_set(X509_getm_notBefore(x509), time_t(spec.notBefore)) != nil,
              ASN1_TIME_set(X509_getm_notAfter(x509), time_t(spec.notAfter)) != nil else {
            throw failure("cannot set the validity")
        }
        guard let subject = X509_get_subject_name(x509) else { throw failure("cannot set the subject") }
        for (field, value) in spec.subject {
            guard X509_NAME_add_entry_by_txt(subject, field, MBSTRING_UTF8, value, -1, -1, 0) == 1 else {
                throw failure("cannot set subject \(field)=\(value)")
            }
        }
        let issuerName = issuer.map { X509_get_subject_name($0.pointer) } ?? subject
        guard X509_set_issuer_name(x509, issuerName) == 1,
              X509_set_pubkey(x509, subjectKey.pointer) == 1 else { throw failure("cannot set the issuer or public key") }
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuer?.pointer ?? x509, x509, nil, nil, 0)
        for (nid, value) in spec.extensions {
            guard let ext = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
                throw failure("cannot make the \(String(cString: OBJ_nid2sn(nid))) extension \"\(value)\"")
            }
            defer { X509_EXTENSION_free(ext) }
            guard X509_add_ext(x509, ext, -1) == 1 else { throw failure("cannot add an extension") }
        }
        for shared in spec.sharedExtensions {
            guard X509_add_ext(x509, shared.pointer, -1) == 1 else { throw failure("cannot add an extension") }
        }
        guard X509_sign(x509, signingKey.pointer, EVP_sha256()) > 0 else { throw failure("cannot sign the certificate") }
        return certificate
    }

    /// 16 random bytes as a positive integer (RFC 5280: positive, at most 20 octets).
    private static func setRandomSerial(_ x509: OpaquePointer) throws(CAError) {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard RAND_bytes(&bytes, Int32(bytes.count)) == 1 else { throw failure("no random bytes for the serial number") }
        if bytes.allSatisfy({ $0 == 0 }) { bytes[15] = 1 }
        guard let bn = BN_bin2bn(bytes, Int32(bytes.count), nil) else { throw failure("cannot make the serial number") }
        defer { BN_free(bn) }
        guard BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x509)) != nil else { throw failure("cannot set the serial number") }
    }

    private static func failure(_ message: String) -> CAError {
        CAError(message, errors: OpenSSLErrorStack.capture())
    }
}
