import COpenSSL
import TLSGateTLS

/// Owns one `X509_EXTENSION` (freed in `deinit`), made once and added to many certificates
/// (`X509_add_ext` copies it): the extensions every leaf of an issuer shares.
final class CertificateExtension: @unchecked Sendable {
    let pointer: OpaquePointer

    /// The extension `nid` from OpenSSL configuration syntax (e.g. `critical,CA:FALSE`).
    /// `subject` and `issuer` supply the keys for the key identifier extensions.
    init(nid: Int32, value: String, subject: X509Certificate?, issuer: X509Certificate?) throws(CAError) {
        OpenSSLErrorStack.clear()
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuer?.pointer, subject?.pointer, nil, nil, 0)
        guard let ext = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
            throw CAError("cannot make the \(String(cString: OBJ_nid2sn(nid))) extension \"\(value)\"", errors: OpenSSLErrorStack.capture())
        }
        pointer = ext
    }

    deinit { X509_EXTENSION_free(pointer) }
}
