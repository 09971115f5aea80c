import COpenSSL
import CShims
import Glibc

/// Ed25519 keys for signing (the audit log's checkpoints): generate, sign, write as PEM.
extension PrivateKey {
    /// A fresh Ed25519 key from OpenSSL's CSPRNG.
    public static func generateEd25519() throws(TLSError) -> PrivateKey {
        OpenSSLErrorStack.clear()
        guard let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil) else {
            throw TLSError(kind: .setup, message: "cannot create an Ed25519 key context", errors: OpenSSLErrorStack.capture())
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_keygen(ctx, &key) == 1, let key else {
            throw TLSError(kind: .setup, message: "Ed25519 key generation failed", errors: OpenSSLErrorStack.capture())
        }
        return PrivateKey(owning: key)
    }

    /// Whether this is an Ed25519 key.
    public var isEd25519: Bool { EVP_PKEY_get_id(pointer) == EVP_PKEY_ED25519 }

    /// The Ed25519 signature (64 bytes) of `message` (EVP_DigestSign with no digest: Ed25519 is
    /// a one-shot scheme that hashes internally).
    public func signEd25519(_ message: [UInt8]) throws(TLSError) -> [UInt8] {
        OpenSSLErrorStack.clear()
        guard let ctx = EVP_MD_CTX_new() else { throw TLSError(kind: .setup, message: "EVP_MD_CTX_new failed") }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestSignInit(ctx, nil, nil, nil, pointer) == 1 else {
            throw TLSError(kind: .setup, message: "cannot sign with this key (Ed25519 expected)", errors: OpenSSLErrorStack.capture())
        }
        var signature = [UInt8](repeating: 0, count: 64)
        var length = signature.count
        let ok = message.withUnsafeBufferPointer { m in
            EVP_DigestSign(ctx, &signature, &length, m.baseAddress, m.count)
        }
        guard ok == 1 else { throw TLSError(kind: .setup, message: "Ed25519 signing failed", errors: OpenSSLErrorStack.capture()) }
        return Array(signature.prefix(length))
    }

    /// The public half.
    public func publicKey() throws(TLSError) -> PublicKey {
        OpenSSLErrorStack.clear()
        var raw = [UInt8](repeating: 0, count: 32)
        var length = raw.count
        guard EVP_PKEY_get_raw_public_key(pointer, &raw, &length) == 1,
              let pub = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, raw, length) else {
            throw TLSError(kind: .setup, message: "cannot derive the Ed25519 public key", errors: OpenSSLErrorStack.capture())
        }
        return PublicKey(owning: pub)
    }

    /// Writes the key as unencrypted PKCS#8 PEM to a new file with mode 0600 (fails if it exists).
    public func writePEM(toNewFile path: String) throws(TLSError) {
        try PEMFile.writeNew(path, mode: 0o600) { file in PEM_write_PrivateKey(file, pointer, nil, nil, 0, nil, nil) == 1 }
    }
}

/// Writing PEM files through a FILE* opened on a freshly created descriptor.
enum PEMFile {
    /// Creates `path` (O_EXCL, `mode`), runs `write`, closes; removes the file on failure.
    static func writeNew(_ path: String, mode: mode_t, _ write: (UnsafeMutablePointer<FILE>) -> Bool) throws(TLSError) {
        OpenSSLErrorStack.clear()
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw TLSError(kind: .setup, message: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        _ = fchmod(fd, mode)  // the umask must not widen or narrow what was asked
        guard let file = fdopen(fd, "w") else {
            close(fd)
            unlink(path)
            throw TLSError(kind: .setup, message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        let ok = write(file)
        let flushed = fflush(file) == 0 && fsync(fd) == 0
        fclose(file)
        guard ok, flushed else {
            unlink(path)
            throw TLSError(kind: .setup, message: "cannot write \(path)", errors: OpenSSLErrorStack.capture())
        }
    }
}
