import COpenSSL

/// Owns one `EVP_MD_CTX` and the fetched SHA-256 implementation (both freed in `deinit`), reused
/// for every digest: fetching the algorithm per call (as `EVP_sha256()` implicitly does in
/// OpenSSL 3) would cost more than hashing a 400-byte audit line. Not thread-safe; one per user.
public final class SHA256Hasher {
    private let ctx: OpaquePointer
    private let md: OpaquePointer

    public init() {
        // Both only fail when out of memory or when no provider offers SHA-256 (a broken install).
        md = EVP_MD_fetch(nil, "SHA2-256", nil)!
        ctx = EVP_MD_CTX_new()!
    }

    deinit {
        EVP_MD_CTX_free(ctx)
        EVP_MD_free(md)
    }

    /// Starts a digest.
    @inline(__always)
    public func begin() { _ = EVP_DigestInit_ex2(ctx, md, nil) }

    /// Adds bytes.
    @inline(__always)
    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        _ = EVP_DigestUpdate(ctx, bytes.baseAddress, bytes.count)
    }

    /// Finishes the digest into 32 bytes at `out`.
    @inline(__always)
    public func finish(into out: UnsafeMutableRawPointer) {
        var length: UInt32 = 32
        _ = EVP_DigestFinal_ex(ctx, out.assumingMemoryBound(to: UInt8.self), &length)
    }

    /// The digest of `bytes` (32 bytes).
    public func digest(_ bytes: [UInt8]) -> [UInt8] {
        begin()
        bytes.withUnsafeBytes { update($0) }
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBytes { finish(into: $0.baseAddress!) }
        return out
    }
}
