import COpenSSL
import CShims
import Glibc

/// Owns one `X509` certificate (freed in `deinit`). Immutable once made, so it may be shared
/// across event loops (OpenSSL reference-counts it when an `SSL` or `SSL_CTX` uses it).
public final class X509Certificate: @unchecked Sendable {
    /// The owned `X509 *`.
    package let pointer: OpaquePointer

    /// Takes ownership of `pointer` (the caller gives up its reference).
    package init(owning pointer: OpaquePointer) { self.pointer = pointer }

    /// The first certificate of a PEM text.
    public convenience init(pem: String) throws(TLSError) {
        OpenSSLErrorStack.clear()
        let bio: OpaquePointer? = pem.withCString { BIO_new_mem_buf($0, Int32(strlen($0))) }
        guard let bio else { throw TLSError(kind: .setup, message: "cannot read PEM", errors: OpenSSLErrorStack.capture()) }
        defer { BIO_free(bio) }
        guard let x509 = PEM_read_bio_X509(bio, nil, nil, nil) else {
            throw TLSError(kind: .setup, message: "no PEM certificate found", errors: OpenSSLErrorStack.capture())
        }
        self.init(owning: x509)
    }

    /// The first certificate of a PEM file.
    public convenience init(pemFile path: String) throws(TLSError) {
        OpenSSLErrorStack.clear()
        guard let file = fopen(path, "r") else {
            throw TLSError(kind: .setup, message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        guard let x509 = PEM_read_X509(file, nil, nil, nil) else {
            throw TLSError(kind: .setup, message: "\(path) holds no PEM certificate", errors: OpenSSLErrorStack.capture())
        }
        self.init(owning: x509)
    }

    deinit { X509_free(pointer) }

    /// Every certificate of a PEM text, in order (a trust bundle held in memory). Throws when
    /// there is none or one does not parse.
    public static func all(pem: String) throws(TLSError) -> [X509Certificate] {
        OpenSSLErrorStack.clear()
        let bytes = Array(pem.utf8)
        let bio: OpaquePointer? = bytes.withUnsafeBytes { BIO_new_mem_buf($0.baseAddress, Int32($0.count)) }
        guard let bio else { throw TLSError(kind: .setup, message: "cannot read PEM", errors: OpenSSLErrorStack.capture()) }
        defer { BIO_free(bio) }
        var certificates: [X509Certificate] = []
        // BIO_new_mem_buf does not copy: `bytes` must outlive the reads.
        try withExtendedLifetime(bytes) { () throws(TLSError) in
            while let x509 = PEM_read_bio_X509(bio, nil, nil, nil) { certificates.append(X509Certificate(owning: x509)) }
        }
        // The loop ends at "no start line" after the last certificate; anything else is an error.
        let errors = OpenSSLErrorStack.capture()
        let clean = errors.allSatisfy { $0.library == ERR_LIB_PEM && $0.reason == PEM_R_NO_START_LINE }
        guard !certificates.isEmpty, clean else {
            throw TLSError(kind: .setup, message: certificates.isEmpty ? "no PEM certificate found" : "a PEM certificate does not parse", errors: errors)
        }
        return certificates
    }

    /// The certificate as PEM text.
    public var pem: String {
        guard let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        guard PEM_write_bio_X509(bio, pointer) == 1 else { return "" }
        var data: UnsafeMutablePointer<CChar>?
        let length = tg_BIO_get_mem_data(bio, &data)
        guard let data, length > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }
}
