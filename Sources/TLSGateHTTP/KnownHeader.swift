/// Field names the proxy looks at on every message, tagged once while a head is parsed so that
/// framing, hop-by-hop filtering and lookups compare one byte per field instead of names.
///
/// Raw values are small (a bit index into `KnownHeader.Set`); 0 means "some other name".
enum KnownHeader: UInt8, Sendable, CaseIterable {
    case other = 0
    case host
    case contentLength
    case transferEncoding
    case connection
    case proxyConnection
    case keepAlive
    case proxyAuthorization
    case proxyAuthenticate
    case te
    case trailer
    case upgrade
    case expect
    case contentType
    case authorization

    /// This name's bit in a `KnownHeader.Set` (`other` has none: 0).
    @inline(__always)
    var bit: UInt32 { self == .other ? 0 : 1 << UInt32(rawValue) }

    /// Bits of known names (see `bit`).
    typealias Set = UInt32

    /// Always hop-by-hop (RFC 9110 §7.6.1): never forwarded.
    static var hopByHop: Set {
        connection.bit | proxyConnection.bit | keepAlive.bit | proxyAuthorization.bit
            | proxyAuthenticate.bit | te.bit | trailer.bit | upgrade.bit
    }
    /// Never removed because a Connection token names them: the body is forwarded verbatim, so its
    /// framing fields must stay, and Host is signed (SigV4) and routes the request.
    static var protected: Set { contentLength.bit | transferEncoding.bit | host.bit }

    /// The known name of `count` bytes at `p` (exact ASCII case-insensitive comparison: see `eq`).
    /// Compares a word at a time; reads only those `count` bytes.
    @inline(__always)
    static func classify(_ p: UnsafeRawPointer, _ count: Int) -> KnownHeader {
        switch count {
        case 2: return eq(p, 2, "te") ? .te : .other
        case 4: return eq(p, 4, "host") ? .host : .other
        case 6: return eq(p, 6, "expect") ? .expect : .other
        case 7:
            if eq(p, 7, "trailer") { return .trailer }
            return eq(p, 7, "upgrade") ? .upgrade : .other
        case 10:
            if eq(p, 10, "connection") { return .connection }
            return eq(p, 10, "keep-alive") ? .keepAlive : .other
        case 12: return eq(p, 12, "content-type") ? .contentType : .other
        case 13: return eq(p, 13, "authorization") ? .authorization : .other
        case 14: return eq(p, 14, "content-length") ? .contentLength : .other
        case 16: return eq(p, 16, "proxy-connection") ? .proxyConnection : .other
        case 17: return eq(p, 17, "transfer-encoding") ? .transferEncoding : .other
        case 18: return eq(p, 18, "proxy-authenticate") ? .proxyAuthenticate : .other
        case 19: return eq(p, 19, "proxy-authorization") ? .proxyAuthorization : .other
        default: return .other
        }
    }

    /// The known name of `bytes` (case-insensitive).
    static func classify(_ bytes: UnsafeBufferPointer<UInt8>) -> KnownHeader {
        guard let base = bytes.baseAddress else { return .other }
        return classify(UnsafeRawPointer(base), bytes.count)
    }

    /// The known name of `name` (case-insensitive).
    static func classify(_ name: String) -> KnownHeader {
        withUTF8Bytes(name) { classify($0) }
    }

    /// Whether the `count` bytes at `p` equal the lowercase `name` (`count` long, letters and `-`)
    /// ASCII case-insensitively. Per word, bit 0x20 is forced only where `name` has a letter (the
    /// needle's 0x40 bit, shifted), so the comparison is exact for any input bytes.
    /// Reads only the `count` bytes (overlapping loads).
    @inline(__always)
    private static func eq(_ p: UnsafeRawPointer, _ count: Int, _ name: StaticString) -> Bool {
        let q = UnsafeRawPointer(name.utf8Start)
        if count >= 8 {
            var k = 0
            while k + 8 < count {
                if !eq64(p, q, k) { return false }
                k += 8
            }
            return eq64(p, q, count - 8)
        }
        if count >= 4 {
            return eq32(p, q, 0) && eq32(p, q, count - 4)
        }
        let x0 = p.loadUnaligned(as: UInt16.self), y0 = q.loadUnaligned(as: UInt16.self)
        let x1 = p.loadUnaligned(fromByteOffset: count - 2, as: UInt16.self)
        let y1 = q.loadUnaligned(fromByteOffset: count - 2, as: UInt16.self)
        return x0 | ((y0 & 0x4040) >> 1) == y0 && x1 | ((y1 & 0x4040) >> 1) == y1
    }

    @inline(__always)
    private static func eq64(_ p: UnsafeRawPointer, _ q: UnsafeRawPointer, _ k: Int) -> Bool {
        let x = p.loadUnaligned(fromByteOffset: k, as: UInt64.self)
        let y = q.loadUnaligned(fromByteOffset: k, as: UInt64.self)
        return x | ((y & 0x4040_4040_4040_4040) >> 1) == y
    }

    @inline(__always)
    private static func eq32(_ p: UnsafeRawPointer, _ q: UnsafeRawPointer, _ k: Int) -> Bool {
        let x = p.loadUnaligned(fromByteOffset: k, as: UInt32.self)
        let y = q.loadUnaligned(fromByteOffset: k, as: UInt32.self)
        return x | ((y & 0x4040_4040) >> 1) == y
    }
}
