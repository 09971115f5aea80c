/// Which header fields are hop-by-hop (RFC 9110 §7.6.1) and so never forwarded.
enum HopByHop {
    /// Always hop-by-hop (lowercase).
    private static let fixed: [StaticString] = [
        "connection", "proxy-connection", "keep-alive", "proxy-authorization",
        "proxy-authenticate", "te", "trailer", "upgrade",
    ]
    /// The lengths of the `fixed` names, as bits: most fields are skipped on their length alone.
    private static let fixedLengths: UInt64 = fixed.reduce(0) { $0 | (1 << UInt64($1.utf8CodeUnitCount)) }
    /// Never removed because a Connection token names them: the body is forwarded verbatim, so its
    /// framing fields must stay, and Host is signed (SigV4) and routes the request.
    private static let protected: [StaticString] = ["content-length", "transfer-encoding", "host"]

    /// A per-field keep/drop mask for `headers`: fixed hop-by-hop names, plus names listed in Connection.
    static func forwardMask(_ headers: HTTPHeaders) -> FieldMask {
        headers.raw.withUnsafeBufferPointer { bytes in
            // Connection tokens as byte ranges (usually 0–2 of them: kept inline, no allocation).
            var tokens = SmallRanges()
            for f in headers.fields where matches(bytes, f, "connection") {
                forEachListElement(bytes, Int(f.valueStart), Int(f.valueEnd)) { s, e in tokens.append(s, e) }
            }
            // Many tokens (a hostile `Connection: a,a,a,…`): hash them so the cost stays linear.
            let tokenSet: Set<[UInt8]>? = tokens.count > 8 ? Set(tokens.map { lowered(bytes, $0.0, $0.1) }) : nil
            var keep = FieldMask(count: headers.fields.count)
            for (index, f) in headers.fields.enumerated() {
                let s = Int(f.nameStart), e = Int(f.nameEnd)
                if e - s < 64, fixedLengths & (1 << UInt64(e - s)) != 0, fixed.contains(where: { matches(bytes, s, e, $0) }) {
                    keep[index] = false
                    continue
                }
                if tokens.count == 0 || protected.contains(where: { matches(bytes, s, e, $0) }) { continue }
                if let tokenSet {
                    if tokenSet.contains(lowered(bytes, s, e)) { keep[index] = false }
                    continue
                }
                for t in 0..<tokens.count {
                    let (ts, te) = tokens[t]
                    guard te - ts == e - s else { continue }
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

/// Which header fields to forward: one bit per field, inline for up to 64 fields.
struct FieldMask {
    private var bits: UInt64 = ~0
    /// Fields past the 64th (rare).
    private var more: [Bool]?

    init(count: Int) {
        if count > 64 { more = [Bool](repeating: true, count: count - 64) }
    }

    subscript(index: Int) -> Bool {
        get { index < 64 ? bits & (1 << UInt64(index)) != 0 : more![index - 64] }
        set {
            if index < 64 {
                if newValue { bits |= 1 << UInt64(index) } else { bits &= ~(1 << UInt64(index)) }
            } else {
                more![index - 64] = newValue
            }
        }
    }
}

/// Byte ranges, the first four inline (no allocation for the usual one or two).
struct SmallRanges {
    private var inline: ((Int, Int), (Int, Int), (Int, Int), (Int, Int)) = ((0, 0), (0, 0), (0, 0), (0, 0))
    private var more: [(Int, Int)] = []
    private(set) var count = 0

    mutating func append(_ start: Int, _ end: Int) {
        switch count {
        case 0: inline.0 = (start, end)
        case 1: inline.1 = (start, end)
        case 2: inline.2 = (start, end)
        case 3: inline.3 = (start, end)
        default: more.append((start, end))
        }
        count += 1
    }

    subscript(index: Int) -> (Int, Int) {
        switch index {
        case 0: return inline.0
        case 1: return inline.1
        case 2: return inline.2
        case 3: return inline.3
        default: return more[index - 4]
        }
    }

    func map<T>(_ transform: ((Int, Int)) -> T) -> [T] {
        (0..<count).map { transform(self[$0]) }
    }
}
