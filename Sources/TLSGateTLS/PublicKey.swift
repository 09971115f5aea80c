import COpenSSL
import CShims
import Glibc

/// Owns one public-only `EVP_PKEY` (freed in `deinit`): verifies Ed25519 signatures.
public final class PublicKey: @unchecked Sendable {
    /// The owned `EVP_PKEY *`.
    package let pointer: OpaquePointer

    /// Takes ownership of `pointer`.
    package init(owning pointer: OpaquePointer) { self.pointer = pointer }

    deinit { EVP_PKEY_free(pointer) }

    /// The first public key (SubjectPublicKeyInfo PEM, `-----BEGIN PUBLIC KEY-----`) of a file.
    public convenience init(pemFile path: String) throws(TLSError) {
        OpenSSLErrorStack.clear()
        guard let file = fopen(path, "r") else {
            throw TLSError(kind: .setup, message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        guard let key = PEM_read_PUBKEY(file, nil, nil, nil) else {
            throw TLSError(kind: .setup, message: "\(path) holds no PEM public key", errors: OpenSSLErrorStack.capture())
        }
        self.init(owning: key)
    }

    /// Whether this is an Ed25519 key.
    public var isEd25519: Bool { EVP_PKEY_get_id(pointer) == EVP_PKEY_ED25519 }

    /// The raw key bytes (32 for Ed25519), or empty.
    public var rawBytes: [UInt8] {
        var raw = [UInt8](repeating: 0, count: 64)
        var length = raw.count
        guard EVP_PKEY_get_raw_public_key(pointer, &raw, &length) == 1 else {
            OpenSSLErrorStack.clear()
            return []
        }
        return Array(raw.prefix(length))
    }

    /// Whether `signature` is this key's Ed25519 signature of `message`.
    public func verifyEd25519(_ signature: [UInt8], of message: [UInt8]) -> Bool {
        OpenSSLErrorStack.clear()
        guard let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestVerifyInit(ctx, nil, nil, nil, pointer) == 1 else {
            OpenSSLErrorStack.clear()
            return false
        }
        let ok = signature.withUnsafeBufferPointer { s in
            message.withUnsafeBufferPointer { m in EVP_DigestVerify(ctx, s.baseAddress, s.count, m.baseAddress, m.count) }
        }
        OpenSSLErrorStack.clear()
        return ok == 1
    }

    /// Writes the key as PEM to a new file with `mode` (fails if it exists).
    public func writePEM(toNewFile path: String, mode: mode_t = 0o644) throws(TLSError) {
        try PEMFile.writeNew(path, mode: mode) { file in PEM_write_PUBKEY(file, pointer) == 1 }
    }
}
