import COpenSSL
import CShims
import Glibc

/// Owns one `EVP_PKEY` (freed in `deinit`). Immutable once made, so it may be shared across
/// event loops.
public final class PrivateKey: @unchecked Sendable {
    /// The owned `EVP_PKEY *`.
    package let pointer: OpaquePointer

    /// Takes ownership of `pointer` (the caller gives up its reference).
    package init(owning pointer: OpaquePointer) { self.pointer = pointer }

    /// The first private key of an unencrypted PEM file (PKCS#8 or traditional).
    public convenience init(pemFile path: String) throws(TLSError) {
        OpenSSLErrorStack.clear()
        guard let file = fopen(path, "r") else {
            throw TLSError(kind: .setup, message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        guard let key = PEM_read_PrivateKey(file, nil, nil, nil) else {
            throw TLSError(kind: .setup, message: "\(path) holds no unencrypted PEM private key", errors: OpenSSLErrorStack.capture())
        }
        self.init(owning: key)
    }

    deinit { EVP_PKEY_free(pointer) }

    /// A fresh ECDSA P-256 key.
    public static func generateP256() throws(TLSError) -> PrivateKey {
        OpenSSLErrorStack.clear()
        guard let key = tg_EVP_EC_gen_p256() else {
            throw TLSError(kind: .setup, message: "cannot generate an ECDSA P-256 key", errors: OpenSSLErrorStack.capture())
        }
        return PrivateKey(owning: key)
    }

    /// The key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). Secret: write it only
    /// to a file created with mode 0600.
    public var pkcs8PEM: String {
        MemoryBIO.text { PEM_write_bio_PrivateKey($0, pointer, nil, nil, 0, nil, nil) == 1 }
    }
}
