/// How a message body is delimited on the wire (RFC 9112 §6).
public enum BodyFraming: Sendable, Equatable, Hashable {
    /// No body.
    case none
    /// Exactly this many bytes.
    case contentLength(UInt64)
    /// Chunked transfer coding (the final coding): ends after the last-chunk and trailer section.
    case chunked
    /// The body runs until the server closes the connection (responses only).
    case untilClose
}

/// The framing of a request body (RFC 9112 §6.1–6.3), refusing every ambiguous case:
/// - Transfer-Encoding in HTTP/1.0 → 400; Transfer-Encoding together with Content-Length → 400 (smuggling);
/// - an unknown transfer coding → 501; chunked not final, or applied twice → 400;
/// - Content-Length values that are not decimal or that differ → 400 (identical repeats, also as
///   `5, 5`, are accepted);
/// - neither → no body.
public func requestFraming(_ head: HTTPRequestHead) -> Result<BodyFraming, HTTPParseError> {
    let headers = head.headers
    let hasTE = headers.contains(.transferEncoding)
    let hasCL = headers.contains(.contentLength)
    if hasTE {
        if head.version == .http10 { return .failure(.transferEncodingInHTTP10) }
        if hasCL { return .failure(.transferEncodingWithContentLength) }
        switch transferCodings(headers) {
        case .failure(let e): return .failure(e)
        case .success(let codings):
            if codings.unknown { return .failure(.unsupportedTransferCoding) }
            guard codings.finalIsChunked, codings.chunkedCount == 1 else { return .failure(.invalidTransferEncoding) }
            return .success(.chunked)
        }
    }
    if hasCL {
        return contentLength(headers).map { .contentLength($0) }
    }
    return .success(.none)
}

/// The framing of a response body to a request with `requestMethod` (RFC 9112 §6.3):
/// HEAD, 1xx, 204 and 304 → none; a 2xx answer to CONNECT → none; Transfer-Encoding with chunked final
/// → chunked, other Transfer-Encoding → until close; Content-Length → that length; else until close.
/// Fails (answer 502) on Transfer-Encoding with Content-Length, Transfer-Encoding in HTTP/1.0,
/// malformed Transfer-Encoding, and invalid or differing Content-Length values.
public func responseFraming(_ head: HTTPResponseHead, requestMethod: String) -> Result<BodyFraming, HTTPParseError> {
    let status = head.status
    if requestMethod == "HEAD" || (100...199).contains(status) || status == 204 || status == 304 {
        return .success(.none)
    }
    if requestMethod == "CONNECT" && (200...299).contains(status) { return .success(.none) }
    let headers = head.headers
    let hasTE = headers.contains(.transferEncoding)
    let hasCL = headers.contains(.contentLength)
    if hasTE {
        if head.version == .http10 { return .failure(.transferEncodingInHTTP10) }
        if hasCL { return .failure(.transferEncodingWithContentLength) }
        switch transferCodings(headers) {
        case .failure(let e): return .failure(e)
        case .success(let codings):
            if codings.finalIsChunked {
                guard codings.chunkedCount == 1 else { return .failure(.invalidTransferEncoding) }
                return .success(.chunked)
            }
            return .success(.untilClose)
        }
    }
    if hasCL { return contentLength(headers).map { .contentLength($0) } }
    return .success(.untilClose)
}

/// What the Transfer-Encoding fields list.
private struct TransferCodings {
    var finalIsChunked = false
    var chunkedCount = 0
    var unknown = false
}

/// Scans every Transfer-Encoding field as one comma-separated list of codings.
private func transferCodings(_ headers: HTTPHeaders) -> Result<TransferCodings, HTTPParseError> {
    var result = TransferCodings()
    var any = false
    var malformed = false
    headers.raw.withUnsafeBufferPointer { bytes in
        headers.forEachIndex(.transferEncoding) { index in
            let f = headers.fields[index]
            forEachListElement(bytes, Int(f.valueStart), Int(f.valueEnd)) { s, e in
                any = true
                for i in s..<e where !ByteClass.isTchar(bytes[i]) { malformed = true; return }
                let isChunked = codingIs(bytes, s, e, "chunked")
                if isChunked { result.chunkedCount += 1 }
                else if !(codingIs(bytes, s, e, "gzip") || codingIs(bytes, s, e, "x-gzip")
                          || codingIs(bytes, s, e, "deflate") || codingIs(bytes, s, e, "compress")
                          || codingIs(bytes, s, e, "x-compress")) {
                    result.unknown = true
                }
                result.finalIsChunked = isChunked
            }
        }
    }
    if malformed || !any { return .failure(.invalidTransferEncoding) }
    return .success(result)
}

@inline(__always)
private func codingIs(_ bytes: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, _ name: StaticString) -> Bool {
    asciiCaseInsensitiveEquals(bytes, s, e, UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
}

/// The single Content-Length value of all Content-Length fields (each may be a list of equal values).
private func contentLength(_ headers: HTTPHeaders) -> Result<UInt64, HTTPParseError> {
    var value: UInt64?
    var error: HTTPParseError?
    headers.raw.withUnsafeBufferPointer { bytes in
        headers.forEachIndex(.contentLength) { index in
            guard error == nil else { return }
            let f = headers.fields[index]
            var i = Int(f.valueStart)
            let end = Int(f.valueEnd)
            if i == end { error = .invalidContentLength; return }
            while i <= end {
                // one element: OWS 1*DIGIT OWS, then ',' or the end
                while i < end && ByteClass.isWhitespace(bytes[i]) { i += 1 }
                var n: UInt64 = 0
                var digits = 0
                while i < end && ByteClass.isDigit(bytes[i]) {
                    let (m, o1) = n.multipliedReportingOverflow(by: 10)
                    let (a, o2) = m.addingReportingOverflow(UInt64(bytes[i] &- 0x30))
                    if o1 || o2 { error = .invalidContentLength; return }
                    n = a
                    digits += 1
                    i += 1
                }
                while i < end && ByteClass.isWhitespace(bytes[i]) { i += 1 }
                if digits == 0 || (i < end && bytes[i] != ByteClass.comma) { error = .invalidContentLength; return }
                if n > UInt64(Int64.max) { error = .invalidContentLength; return }
                if let v = value, v != n { error = .conflictingContentLength; return }
                value = n
                i += 1 // past ',' (or past the end, which ends the loop)
            }
        }
    }
    if let error { return .failure(error) }
    guard let value else { return .failure(.invalidContentLength) }
    return .success(value)
}
