import COpenSSL
import CShims

/// One entry of OpenSSL's thread-local error queue.
public struct OpenSSLErrorEntry: Sendable, Equatable, CustomStringConvertible {
    public let code: UInt
    public let library: Int32
    public let reason: Int32
    public let text: String

    public var description: String { text }
}

/// Helpers around OpenSSL's error queue: clear it before a call, capture all of it after a failure.
package enum OpenSSLErrorStack {
    /// Empties the queue before a call, so a failure afterwards reports only its own errors.
    /// `ERR_clear_error` walks and resets all 16 slots of the queue every time (~800
    /// instructions in OpenSSL 3, twice per proxied request); peeking first is much cheaper, and
    /// the queue is almost always empty already.
    @inline(__always)
    package static func clear() { if ERR_peek_error() != 0 { ERR_clear_error() } }

    /// Drains the error queue (bounded) into entries.
    package static func capture() -> [OpenSSLErrorEntry] {
        var entries: [OpenSSLErrorEntry] = []
        var buffer = [CChar](repeating: 0, count: 256)
        for _ in 0..<16 {
            let code = ERR_get_error()
            if code == 0 { break }
            ERR_error_string_n(code, &buffer, buffer.count)
            let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            entries.append(OpenSSLErrorEntry(code: code, library: tg_ERR_GET_LIB(code), reason: tg_ERR_GET_REASON(code), text: text))
        }
        ERR_clear_error()
        return entries
    }
}
