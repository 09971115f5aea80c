/// The path and query of a request target (origin-form `/p?q` or absolute-form `http://h/p?q`),
/// as slices of the original string. No copies, no decoding.
struct RequestTarget {
    /// The path, `/` when the target has none.
    let path: Substring
    /// The query after `?` (without the fragment), empty when there is none.
    let query: QueryString

    init(_ target: String) {
        var rest = target[...]
        if let hash = rest.utf8.firstIndex(of: 0x23) { rest = rest[..<hash] }  // '#'
        if rest.utf8.first != 0x2F, let authorityStart = RequestTarget.afterScheme(rest) {  // absolute-form
            let authority = rest[authorityStart...]
            let end = authority.utf8.firstIndex(where: { $0 == 0x2F || $0 == 0x3F }) ?? authority.endIndex
            rest = rest[end...]
        }
        if let mark = rest.utf8.firstIndex(of: 0x3F) {  // '?'
            path = rest[..<mark].isEmpty ? "/" : rest[..<mark]
            query = QueryString(rest[rest.utf8.index(after: mark)...])
        } else {
            path = rest.isEmpty ? "/" : rest
            query = QueryString(""[...])
        }
    }

    /// The index after `scheme://` when `text` starts with a scheme.
    private static func afterScheme(_ text: Substring) -> Substring.Index? {
        let utf8 = text.utf8
        var index = utf8.startIndex
        var count = 0
        while index < utf8.endIndex, count < 16 {
            let byte = utf8[index]
            if byte == 0x3A {  // ':'
                let rest = utf8[utf8.index(after: index)...]
                guard count > 0, rest.starts(with: [0x2F, 0x2F]) else { return nil }
                return utf8.index(index, offsetBy: 3)
            }
            guard isAlphanumeric(byte) || byte == 0x2B || byte == 0x2D || byte == 0x2E else { return nil }
            index = utf8.index(after: index)
            count += 1
        }
        return nil
    }
}

/// An `application/x-www-form-urlencoded` parameter list (`a=1&b&c=3`) read in place.
struct QueryString {
    let text: Substring

    init(_ text: Substring) { self.text = text }

    /// True when a parameter named `key` is present (with or without a value).
    func contains(_ key: String) -> Bool { value(of: key) != nil }

    /// The raw (still percent-encoded) value of the first parameter named `key`; empty when it has
    /// no `=`; nil when absent.
    func value(of key: String) -> Substring? {
        var start = text.startIndex
        let utf8 = text.utf8
        while start < text.endIndex {
            let end = utf8[start...].firstIndex(of: 0x26) ?? text.endIndex  // '&'
            let parameter = text[start..<end]
            let equals = parameter.utf8.firstIndex(of: 0x3D)  // '='
            let name = parameter[..<(equals ?? parameter.endIndex)]
            if name.utf8.elementsEqual(key.utf8) {
                return equals.map { parameter[parameter.utf8.index(after: $0)...] } ?? parameter[parameter.endIndex...]
            }
            start = end < text.endIndex ? utf8.index(after: end) : end
        }
        return nil
    }
}
