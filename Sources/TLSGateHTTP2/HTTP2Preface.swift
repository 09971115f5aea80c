/// Detects the HTTP/2 client connection preface (`PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`, RFC 9113 §3.4)
/// at the start of a connection: prior-knowledge HTTP/2 when ALPN said nothing.
public enum HTTP2Preface {
    /// The 24 preface bytes.
    public static let bytes: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    /// What the first bytes of a connection say.
    public enum Verdict: Sendable, Equatable {
        /// They are the preface (all 24 bytes present).
        case http2
        /// They cannot start the preface: HTTP/1.x (or something else).
        case notHTTP2
        /// A prefix of the preface: read more before deciding.
        case needMore
    }

    /// Classifies `prefix`, the first bytes received on a connection.
    public static func classify(_ prefix: some Collection<UInt8>) -> Verdict {
        var i = 0
        for byte in prefix {
            if i == bytes.count { break }
            if byte != bytes[i] { return .notHTTP2 }
            i += 1
        }
        return i == bytes.count ? .http2 : .needMore
    }
}
