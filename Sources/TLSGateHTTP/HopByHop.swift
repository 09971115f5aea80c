/// Which header fields are hop-by-hop (RFC 9110 §7.6.1) and so never forwarded.
enum HopByHop {
    /// A per-field keep/drop mask for `headers`: the fixed hop-by-hop names (Connection,
    /// Proxy-Connection, Keep-Alive, Proxy-Authorization, Proxy-Authenticate, TE, Trailer, Upgrade),
    /// plus names listed in Connection, except Content-Length, Transfer-Encoding and Host (the body
    /// is forwarded verbatim, so its framing fields must stay; Host is signed and routes the request).
    static func forwardMask(_ headers: HTTPHeaders) -> FieldMask {
        var keep = FieldMask(count: headers.fields.count)
        let present = headers.present
        // No fixed hop-by-hop name (so no Connection either): everything is forwarded.
        guard present & KnownHeader.hopByHop != 0 else { return keep }
        let fields = headers.fields
        for index in fields.indices where fields[index].known.bit & KnownHeader.hopByHop != 0 {
            keep[index] = false
        }
        guard present & KnownHeader.connection.bit != 0 else { return keep }
        headers.raw.withUnsafeBufferPointer { bytes in
            // Connection tokens as byte ranges (usually 0–2 of them: kept inline, no allocation).
            // Tokens naming fixed hop-by-hop or protected fields change nothing: left out.
            var tokens = SmallRanges()
            for f in fields where f.known == .connection {
                forEachListElement(bytes, Int(f.valueStart), Int(f.valueEnd)) { s, e in
                    let known = KnownHeader.classify(UnsafeBufferPointer(rebasing: bytes[s..<e]))
                    if known.bit & (KnownHeader.hopByHop | KnownHeader.protected) == 0 { tokens.append(s, e) }
                }
            }
            guard tokens.count > 0 else { return }
            // Many tokens (a hostile `Connection: a,a,a,…`): hash them so the cost stays linear.
            let tokenSet: Set<[UInt8]>? = tokens.count > 8 ? Set(tokens.map { lowered(bytes, $0.0, $0.1) }) : nil
            for (index, f) in fields.enumerated() {
                if f.known.bit & (KnownHeader.hopByHop | KnownHeader.protected) != 0 { continue }
                let s = Int(f.nameStart), e = Int(f.nameEnd)
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
        }
        return keep
    }

    private static func lowered(_ bytes: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> [UInt8] {
        bytes[s..<e].map(ByteClass.lower)
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
