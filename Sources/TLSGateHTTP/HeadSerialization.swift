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
    upstreamRequestHead(head, originForm: originForm, hostIfMissing: { hostIfMissing }, closeUpstream: closeUpstream)
}

/// ``upstreamRequestHead(_:originForm:hostIfMissing:closeUpstream:)`` with the Host value built only
/// when the request has no Host field (the usual request has one: no String is made for it).
public func upstreamRequestHead(
    _ head: HTTPRequestHead, originForm: String, hostIfMissing: () -> String, closeUpstream: Bool = false
) -> [UInt8] {
    // The closures below capture these parts, not the whole head (copying it costs four retains).
    let headers = head.headers
    let version = head.version
    let missingHost: String? = headers.contains(.host) ? nil : hostIfMissing()
    return withUTF8Bytes(head.method) { method in
        withUTF8Bytes(originForm) { target in
            withUTF8Bytes(missingHost ?? "") { host in
                let capacity = method.count + target.count + host.count + headers.raw.count + headers.fields.count + 64
                return buildHead(capacity: capacity) { out in
                    out.append(method)
                    out.append(ByteClass.sp)
                    out.append(target)
                    out.append(ByteClass.sp)
                    out.append(version == .http10 ? "HTTP/1.0\r\n" : "HTTP/1.1\r\n")
                    if missingHost != nil {
                        out.append("Host: ")
                        out.append(host)
                        out.appendCRLF()
                    }
                    appendEndToEnd(headers, to: &out)
                    if closeUpstream { out.append("Connection: close\r\n") }
                    out.appendCRLF()
                }
            }
        }
    }
}

/// The response head to send the client: `HTTP/1.1 <status> <reason>` (reason verbatim), the
/// end-to-end field lines byte for byte and in order (hop-by-hop ones stripped as for requests), then
/// `Connection: close` when `!keepAlive`, or `Connection: keep-alive` when `keepAlive` and the client
/// speaks HTTP/1.0. Informational (1xx) heads get no Connection field.
public func clientResponseHead(_ head: HTTPResponseHead, keepAlive: Bool, clientVersion: HTTPVersion) -> [UInt8] {
    // The closure below captures these parts, not the whole head (copying it costs retains).
    let headers = head.headers
    let status = head.status
    let reasonRange = head.reasonRange
    let informational = head.isInformational
    let rawReason = !reasonRange.isEmpty && reasonRange.upperBound <= headers.raw.count
    let reason = rawReason ? "" : head.reason
    let capacity = headers.raw.count + headers.fields.count + 64 + reason.utf8.count
    return buildHead(capacity: capacity) { out in
        out.append("HTTP/1.1 ")
        out.appendStatusCode(status)
        out.append(ByteClass.sp)
        if rawReason {
            headers.raw.withUnsafeBufferPointer { out.append(UnsafeBufferPointer(rebasing: $0[reasonRange])) }
        } else {
            for b in reason.utf8 where ByteClass.isFieldValueByte(b) { out.append(b) }
        }
        out.appendCRLF()
        appendEndToEnd(headers, to: &out)
        if !informational {
            if !keepAlive {
                out.append("Connection: close\r\n")
            } else if clientVersion == .http10 {
                out.append("Connection: keep-alive\r\n")
            }
        }
        out.appendCRLF()
    }
}

/// A head written by `body` into scratch space of `capacity` bytes (an upper bound of its length),
/// then copied into an array of exactly its length. (`Array(unsafeUninitializedCapacity:)` would
/// save the copy but allocates through an unspecialized generic path that costs far more.)
private func buildHead(capacity: Int, _ body: (inout HeadWriter) -> Void) -> [UInt8] {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
        var out = HeadWriter(buffer)
        body(&out)
        return Array(UnsafeBufferPointer(rebasing: buffer[0..<out.count]))
    }
}

/// Copies every end-to-end field line verbatim (`name: value` exactly as received, then CRLF).
/// Consecutive kept lines already separated by CRLF go out in one copy.
private func appendEndToEnd(_ headers: HTTPHeaders, to out: inout HeadWriter) {
    let keep = HopByHop.forwardMask(headers)
    let fields = headers.fields
    headers.raw.withUnsafeBufferPointer { bytes in
        var runStart = 0
        var runEnd = -2 // no run yet: no field starts at runEnd + 2
        for index in fields.indices where keep[index] {
            let f = fields[index]
            let start = Int(f.nameStart)
            if start != runEnd + 2 {
                // Not the line right after the run (or not after a CRLF): flush the run.
                if runEnd >= 0 {
                    out.append(UnsafeBufferPointer(rebasing: bytes[runStart..<runEnd]))
                    out.appendCRLF()
                }
                runStart = start
            }
            runEnd = Int(f.lineEnd)
        }
        if runEnd >= 0 {
            out.append(UnsafeBufferPointer(rebasing: bytes[runStart..<runEnd]))
            out.appendCRLF()
        }
    }
}

/// Appends a status code as three digits (clamped to 100...999).
func appendStatusCode(_ status: Int, to out: inout [UInt8]) {
    let s = min(max(status, 100), 999)
    out.append(UInt8(0x30 + s / 100))
    out.append(UInt8(0x30 + (s / 10) % 10))
    out.append(UInt8(0x30 + s % 10))
}

/// Writes a head into an uninitialized buffer sized in advance (an upper bound of the head's
/// length): no capacity checks or reallocation per append.
struct HeadWriter {
    private let base: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    /// Bytes written so far.
    private(set) var count = 0

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        base = buffer.baseAddress ?? UnsafeMutablePointer(bitPattern: 1)!
        capacity = buffer.count
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        precondition(bytes.count <= capacity - count, "head larger than its computed bound")
        if let src = bytes.baseAddress { (base + count).update(from: src, count: bytes.count) }
        count += bytes.count
    }

    @inline(__always)
    mutating func append(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        precondition(count < capacity, "head larger than its computed bound")
        base[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func appendCRLF() {
        precondition(capacity - count >= 2, "head larger than its computed bound")
        base[count] = ByteClass.cr
        base[count + 1] = ByteClass.lf
        count += 2
    }

    /// A status code as three digits (clamped to 100...999).
    @inline(__always)
    mutating func appendStatusCode(_ status: Int) {
        let s = min(max(status, 100), 999)
        append(UInt8(0x30 + s / 100))
        append(UInt8(0x30 + (s / 10) % 10))
        append(UInt8(0x30 + s % 10))
    }
}
