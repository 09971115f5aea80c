import TLSGateHTTP

/// One received header block (HEADERS + CONTINUATION) as it is decoded, field by field: the
/// pseudo-headers apart, the regular fields into an `HTTPHeaders.Builder`, split `cookie` fields
/// joined. Counts the RFC 9113 §6.5.2 size and stops storing past `limit` (an HPACK bomb decodes
/// into nothing). The first rule broken is kept in `problem`.
struct HTTP2HeaderBlock {
    var method: String?
    var scheme: String?
    var authority: String?
    var path: String?
    var status: String?
    var `protocol`: String?
    var fields = HTTPHeaders.Builder()
    var cookies: [UInt8] = []
    /// Host field value (used when `:authority` is absent).
    var host: String?
    /// Whether `te` listed `trailers` (nghttp2 refuses any other TE value).
    var teTrailers = false
    /// Header-list size so far (name + value + 32 per field).
    private(set) var size = 0
    /// Past `limit`: nothing more is stored.
    private(set) var oversized = false
    /// The first rule the block broke (malformed: the stream is refused).
    private(set) var problem: String?
    private var sawRegular = false
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Adds one decoded field. Names arrive lowercase and validated by nghttp2 (HTTP messaging on).
    mutating func add(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        size += name.count + value.count + 32
        if size > limit { oversized = true }
        if oversized || problem != nil { return }
        if name.first == UInt8(ascii: ":") {
            if sawRegular { problem = "pseudo-header after a regular field"; return }
            let v = String(decoding: value, as: UTF8.self)
            switch String(decoding: name, as: UTF8.self) {
            case ":method": if method == nil { method = v } else { duplicate(":method") }
            case ":scheme": if scheme == nil { scheme = v } else { duplicate(":scheme") }
            case ":authority": if authority == nil { authority = v } else { duplicate(":authority") }
            case ":path": if path == nil { path = v } else { duplicate(":path") }
            case ":status": if status == nil { status = v } else { duplicate(":status") }
            case ":protocol": if `protocol` == nil { `protocol` = v } else { duplicate(":protocol") }
            default: problem = "unknown pseudo-header \(String(decoding: name, as: UTF8.self))"
            }
            return
        }
        if !sawRegular { beginRegularFields() }
        if equals(name, "cookie") {
            if !cookies.isEmpty { cookies.append(contentsOf: "; ".utf8) }
            cookies.append(contentsOf: value)
            return
        }
        if equals(name, "host") {
            if host != nil { problem = "more than one host field"; return }
            let v = String(decoding: value, as: UTF8.self)
            host = v
            if let authority {
                if authority != v { problem = "host differs from :authority" }
                return // already written from :authority
            }
        }
        // TE is hop-by-hop in HTTP/1.1: kept as a flag (nghttp2 allows only `trailers`), not a field.
        if equals(name, "te") { teTrailers = true; return }
        fields.append(name: name, value: value)
    }

    /// The pseudo-headers are complete: a request's `:authority` becomes the first field, `host`
    /// (RFC 9113 §8.3.1), so the HTTP/1.1 head reads as one would.
    private mutating func beginRegularFields() {
        sawRegular = true
        if let authority, method != nil { fields.append(name: "host", value: authority) }
    }

    /// The regular fields as HTTP/1.1 headers (host from `:authority`, cookies joined last).
    mutating func finishFields() -> HTTPHeaders {
        if !sawRegular { beginRegularFields() }
        if !cookies.isEmpty {
            let value = cookies
            value.withUnsafeBufferPointer { v in
                var name = "cookie"
                name.withUTF8 { fields.append(name: $0, value: v) }
            }
        }
        return fields.build()
    }

    private mutating func duplicate(_ name: String) { problem = "duplicate \(name)" }

    private func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
        bytes.count == text.utf8CodeUnitCount && memcmp(bytes.baseAddress!, text.utf8Start, bytes.count) == 0
    }
}

#if canImport(Glibc)
import Glibc
#endif
