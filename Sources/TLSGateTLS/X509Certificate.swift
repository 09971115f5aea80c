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

    /// The certificate as PEM text.
    public var pem: String {
        MemoryBIO.text { PEM_write_bio_X509($0, pointer) == 1 }
    }

    /// The SHA-256 fingerprint of the DER encoding, as `openssl x509 -fingerprint -sha256` prints
    /// it: uppercase hex pairs joined by colons.
    public var sha256Fingerprint: String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(pointer, EVP_sha256(), &digest, &length) == 1 else { return "" }
        return digest.prefix(Int(length)).map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return byte < 16 ? "0" + hex : hex
        }.joined(separator: ":")
    }

    /// The subject as `O=tlsgate, CN=name` (short attribute names, in certificate order).
    public var subjectText: String { Self.text(of: X509_get_subject_name(pointer)) }

    /// The issuer, spelled like `subjectText`.
    public var issuerText: String { Self.text(of: X509_get_issuer_name(pointer)) }

    /// The serial number in uppercase hex (no leading zeros).
    public var serialHex: String {
        guard let serial = X509_get0_serialNumber(pointer), let bn = ASN1_INTEGER_to_BN(serial, nil) else { return "" }
        defer { BN_free(bn) }
        guard let hex = BN_bn2hex(bn) else { return "" }
        defer { CRYPTO_free(hex, #fileID, #line) }
        return String(cString: hex)
    }

    /// notBefore in Unix seconds.
    public var notBefore: Int { Self.unixSeconds(X509_get0_notBefore(pointer)) }

    /// notAfter in Unix seconds.
    public var notAfter: Int { Self.unixSeconds(X509_get0_notAfter(pointer)) }

    /// True when `key` is the private half of this certificate's public key.
    public func matches(key: PrivateKey) -> Bool {
        OpenSSLErrorStack.clear()
        defer { OpenSSLErrorStack.clear() }
        return X509_check_private_key(pointer, key.pointer) == 1
    }

    package static func unixSeconds(_ time: UnsafePointer<ASN1_TIME>?) -> Int {
        guard let time else { return 0 }
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return 0 }
        return Int(timegm(&parts))
    }

    private static func text(of name: OpaquePointer?) -> String {
        guard let name else { return "" }
        var parts: [String] = []
        for index in 0..<X509_NAME_entry_count(name) {
            guard let entry = X509_NAME_get_entry(name, index),
                  let data = X509_NAME_ENTRY_get_data(entry) else { continue }
            let nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry))
            let short = OBJ_nid2sn(nid).map { String(cString: $0) } ?? "?"
            var utf8: UnsafeMutablePointer<UInt8>?
            let length = ASN1_STRING_to_UTF8(&utf8, data)
            guard length >= 0, let utf8 else { continue }
            defer { CRYPTO_free(utf8, #fileID, #line) }
            parts.append(short + "=" + String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self))
        }
        return parts.joined(separator: ", ")
    }
}
