/// Which header fields are hop-by-hop (RFC 9110 §7.6.1) and so never forwarded.
enum HopByHop {
    /// Always hop-by-hop (lowercase).
    private static let fixed: [StaticString] = [
        "connection", "proxy-connection", "keep-alive", "proxy-authorization",
        "proxy-authenticate", "te", "trailer", "upgrade",
    ]
    /// Never removed because a Connection token names them: the body is forwarded verbatim, so its
    /// framing fields must stay, and Host is signed (SigV4) and routes the request.
    private static let protected: [StaticString] = ["content-length", "transfer-encoding", "host"]

    /// A per-field keep/drop mask for `headers`: fixed hop-by-hop names, plus names listed in Connection.
    static func forwardMask(_ headers: HTTPHeaders) -> [Bool] {
        headers.raw.withUnsafeBufferPointer { bytes in
            // Connection tokens as byte ranges (usually 0–2 of them).
            var tokens: [(Int, Int)] = []
            for f in headers.fields where matches(bytes, f, "connection") {
                forEachListElement(bytes, Int(f.valueStart), Int(f.valueEnd)) { s, e in tokens.append((s, e)) }
            }
            // Many tokens (a hostile `Connection: a,a,a,…`): hash them so the cost stays linear.
            let tokenSet: Set<[UInt8]>? = tokens.count > 8 ? Set(tokens.map { lowered(bytes, $0.0, $0.1) }) : nil
            var keep = [Bool](repeating: true, count: headers.fields.count)
            for (index, f) in headers.fields.enumerated() {
                let s = Int(f.nameStart), e = Int(f.nameEnd)
                if fixed.contains(where: { matches(bytes, s, e, $0) }) {
                    keep[index] = false
                    continue
                }
                if tokens.isEmpty || protected.contains(where: { matches(bytes, s, e, $0) }) { continue }
                if let tokenSet {
                    if tokenSet.contains(lowered(bytes, s, e)) { keep[index] = false }
                    continue
                }
                for (ts, te) in tokens where te - ts == e - s {
                    var same = true
                    for k in 0..<(e - s) where ByteClass.lower(bytes[s + k]) != ByteClass.lower(bytes[ts + k]) {
                        same = false
                        break
                    }
                    if same { keep[index] = false; break }
                }
            }
            return keep
        }
    }

    private static func lowered(_ bytes: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> [UInt8] {
        bytes[s..<e].map(ByteClass.lower)
    }

    @inline(__always)
    private static func matches(_ bytes: UnsafeBufferPointer<UInt8>, _ f: HTTPHeaders.Field, _ name: StaticString) -> Bool {
        matches(bytes, Int(f.nameStart), Int(f.nameEnd), name)
    }

    @inline(__always)
    private static func matches(_ bytes: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, _ name: StaticString) -> Bool {
        asciiCaseInsensitiveEquals(bytes, s, e, UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
    }
}
