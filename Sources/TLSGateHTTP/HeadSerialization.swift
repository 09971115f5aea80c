/// The request head to send upstream:
/// `METHOD SP originForm SP HTTP/1.x CRLF`, then every received field line byte for byte and in order
/// except hop-by-hop ones (Connection, Proxy-Connection, Keep-Alive, Proxy-Authorization,
/// Proxy-Authenticate, TE, Trailer, Upgrade, and any field a Connection token names — except Host,
/// Content-Length and Transfer-Encoding, which always stay). Host is kept verbatim when present,
/// otherwise `Host: hostIfMissing` is added first. With `closeUpstream`, `Connection: close` is
/// appended. Ends with the empty line. Line endings are normalized to CRLF; line contents are untouched.
///
/// The version is the client's: an HTTP/1.0 client's request goes upstream as HTTP/1.0, so the
/// origin does not answer with chunked coding the client cannot read.
public func upstreamRequestHead(
    _ head: HTTPRequestHead, originForm: String, hostIfMissing: String, closeUpstream: Bool = false
) -> [UInt8] {
    let headers = head.headers
    var out: [UInt8] = []
    out.reserveCapacity(headers.raw.count + originForm.utf8.count + 64)
    appendUTF8(head.method, to: &out)
    out.append(ByteClass.sp)
    appendUTF8(originForm, to: &out)
    out.append(ByteClass.sp)
    out.append(contentsOf: head.version.bytes)
    appendCRLF(&out)
    if !headers.contains("Host") {
        appendUTF8("Host: ", to: &out)
        appendUTF8(hostIfMissing, to: &out)
        appendCRLF(&out)
    }
    appendEndToEnd(headers, to: &out)
    if closeUpstream {
        appendUTF8("Connection: close", to: &out)
        appendCRLF(&out)
    }
    appendCRLF(&out)
    return out
}

/// The response head to send the client: `HTTP/1.1 <status> <reason>` (reason verbatim), the
/// end-to-end field lines byte for byte and in order (hop-by-hop ones stripped as for requests), then
/// `Connection: close` when `!keepAlive`, or `Connection: keep-alive` when `keepAlive` and the client
/// speaks HTTP/1.0. Informational (1xx) heads get no Connection field.
public func clientResponseHead(_ head: HTTPResponseHead, keepAlive: Bool, clientVersion: HTTPVersion) -> [UInt8] {
    let headers = head.headers
    var out: [UInt8] = []
    out.reserveCapacity(headers.raw.count + 48)
    appendUTF8("HTTP/1.1 ", to: &out)
    appendStatusCode(head.status, to: &out)
    out.append(ByteClass.sp)
    if !head.reasonRange.isEmpty, head.reasonRange.upperBound <= headers.raw.count {
        out.append(contentsOf: headers.raw[head.reasonRange])
    } else {
        for b in head.reason.utf8 where ByteClass.isFieldValueByte(b) { out.append(b) }
    }
    appendCRLF(&out)
    appendEndToEnd(headers, to: &out)
    if !head.isInformational {
        if !keepAlive {
            appendUTF8("Connection: close", to: &out)
            appendCRLF(&out)
        } else if clientVersion == .http10 {
            appendUTF8("Connection: keep-alive", to: &out)
            appendCRLF(&out)
        }
    }
    appendCRLF(&out)
    return out
}

/// Copies every end-to-end field line verbatim (`name: value` exactly as received, then CRLF).
private func appendEndToEnd(_ headers: HTTPHeaders, to out: inout [UInt8]) {
    let keep = HopByHop.forwardMask(headers)
    headers.raw.withUnsafeBufferPointer { bytes in
        for (index, f) in headers.fields.enumerated() where keep[index] {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[Int(f.nameStart)..<Int(f.lineEnd)]))
            appendCRLF(&out)
        }
    }
}

/// Appends a String's bytes straight from its storage (`append(contentsOf: s.utf8)` may first
/// copy them into a temporary array).
@inline(__always)
func appendUTF8(_ string: String, to out: inout [UInt8]) {
    var string = string
    string.withUTF8 { out.append(contentsOf: $0) }
}

@inline(__always)
private func appendCRLF(_ out: inout [UInt8]) {
    out.append(ByteClass.cr)
    out.append(ByteClass.lf)
}

/// Appends a status code as three digits (clamped to 100...999).
func appendStatusCode(_ status: Int, to out: inout [UInt8]) {
    let s = min(max(status, 100), 999)
    out.append(UInt8(0x30 + s / 100))
    out.append(UInt8(0x30 + (s / 10) % 10))
    out.append(UInt8(0x30 + s % 10))
}
