import COpenSSL
import CShims

/// Text written into an OpenSSL memory BIO (PEM output, printed names).
package enum MemoryBIO {
    /// Runs `write` on a fresh memory BIO and returns what it wrote; "" when the BIO cannot be made
    /// or `write` returns false.
    package static func text(_ write: (OpaquePointer) -> Bool) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        guard write(bio) else { return "" }
        var data: UnsafeMutablePointer<CChar>?
        let length = tg_BIO_get_mem_data(bio, &data)
        guard let data, length > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }
}
