/// Why an HTTP message (head, framing or body) was refused. Each case maps to a status to answer with.
public enum HTTPParseError: Error, Sendable, Equatable, Hashable {
    // Start line.
    /// The request line is not `method SP request-target SP HTTP-version`.
    case invalidRequestLine
    /// The method is empty or holds a non-token byte.
    case invalidMethod
    /// The request-target is empty or holds a byte outside visible US-ASCII.
    case invalidTarget
    /// The HTTP-version is missing or not `HTTP/DIGIT.DIGIT`.
    case invalidVersion
    /// A well-formed version other than HTTP/1.x (answered with 505).
    case unsupportedVersion
    /// The status line is not `HTTP-version SP 3DIGIT SP reason`.
    case invalidStatusLine

    // Header section.
    /// A field name is empty or holds a non-token byte.
    case invalidHeaderName
    /// Whitespace between a field name and its colon (RFC 9112 §5.1: must be rejected).
    case whitespaceBeforeColon
    /// A line starting with whitespace: obsolete line folding (RFC 9112 §5.2).
    case obsoleteLineFolding
    /// A field value holds NUL, a bare CR or another control byte.
    case invalidHeaderValue
    /// A CR not followed by LF where a line ends.
    case bareCR
    /// The head exceeds the configured byte limit (answered with 431).
    case headTooLarge
    /// The head has more fields than the configured limit (answered with 431).
    case tooManyHeaders
    /// More than one Host field in a request.
    case duplicateHost

    // Framing.
    /// A Content-Length value is not a decimal number or overflows.
    case invalidContentLength
    /// Several Content-Length values that differ.
    case conflictingContentLength
    /// Both Transfer-Encoding and Content-Length in a request (request smuggling).
    case transferEncodingWithContentLength
    /// Transfer-Encoding whose final coding is not chunked, or chunked applied twice, or malformed.
    case invalidTransferEncoding
    /// A transfer coding this proxy does not know (answered with 501).
    case unsupportedTransferCoding
    /// Transfer-Encoding in an HTTP/1.0 message (faulty framing, RFC 9112 §6.1).
    case transferEncodingInHTTP10

    // Chunked body.
    /// A chunk-size line without hex digits, or with invalid bytes.
    case invalidChunkSize
    /// A chunk size that does not fit in 64 bits.
    case chunkSizeOverflow
    /// A chunk-size line (with extensions) longer than the limit.
    case chunkLineTooLong
    /// Chunk data not followed by CRLF, or a bare LF in chunked framing.
    case invalidChunkFraming
    /// The trailer section exceeds its limit.
    case trailersTooLarge
    /// A malformed trailer field line.
    case invalidTrailer

    /// The HTTP status a server answers this refusal with.
    public var status: Int {
        switch self {
        case .headTooLarge, .tooManyHeaders: return 431
        case .unsupportedTransferCoding: return 501
        case .unsupportedVersion: return 505
        default: return 400
        }
    }

    /// A short human-readable reason (safe to log: holds no message bytes).
    public var reason: String {
        switch self {
        case .invalidRequestLine: return "malformed request line"
        case .invalidMethod: return "invalid method"
        case .invalidTarget: return "invalid request target"
        case .invalidVersion: return "invalid HTTP version"
        case .unsupportedVersion: return "unsupported HTTP version"
        case .invalidStatusLine: return "malformed status line"
        case .invalidHeaderName: return "invalid header field name"
        case .whitespaceBeforeColon: return "whitespace between header name and colon"
        case .obsoleteLineFolding: return "obsolete line folding"
        case .invalidHeaderValue: return "invalid byte in header field value"
        case .bareCR: return "bare CR in message head"
        case .headTooLarge: return "message head too large"
        case .tooManyHeaders: return "too many header fields"
        case .duplicateHost: return "duplicate Host header"
        case .invalidContentLength: return "invalid Content-Length"
        case .conflictingContentLength: return "conflicting Content-Length values"
        case .transferEncodingWithContentLength: return "both Transfer-Encoding and Content-Length"
        case .invalidTransferEncoding: return "invalid Transfer-Encoding"
        case .unsupportedTransferCoding: return "unsupported transfer coding"
        case .transferEncodingInHTTP10: return "Transfer-Encoding in an HTTP/1.0 message"
        case .invalidChunkSize: return "invalid chunk size"
        case .chunkSizeOverflow: return "chunk size overflow"
        case .chunkLineTooLong: return "chunk size line too long"
        case .invalidChunkFraming: return "invalid chunked framing"
        case .trailersTooLarge: return "trailer section too large"
        case .invalidTrailer: return "invalid trailer field"
        }
    }
}
