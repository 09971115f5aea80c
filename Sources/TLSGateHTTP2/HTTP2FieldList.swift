import CNghttp2

/// A header block to send: name/value pairs in one byte array, handed to nghttp2 as `nghttp2_nv`s
/// (nghttp2 copies them during the submit call).
public struct HTTP2FieldList: Sendable {
    private var bytes: [UInt8] = []
    /// (name start, name length, value length) per field; the value follows the name.
    private var spans: [(Int, Int, Int)] = []

    public init() {}

    /// The number of fields.
    public var count: Int { spans.count }

    /// The fields as Strings (tests, logging).
    public var pairs: [(name: String, value: String)] {
        spans.map { s in
            (String(decoding: bytes[s.0..<(s.0 + s.1)], as: UTF8.self),
             String(decoding: bytes[(s.0 + s.1)..<(s.0 + s.1 + s.2)], as: UTF8.self))
        }
    }

    mutating func append(_ name: String, _ value: String) {
        let start = bytes.count
        bytes.append(contentsOf: name.utf8)
        bytes.append(contentsOf: value.utf8)
        spans.append((start, name.utf8.count, value.utf8.count))
    }

    /// Appends a field whose name is lowercased (HTTP/2 requires lowercase names, RFC 9113 §8.2.1).
    mutating func append(lowercasing name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        let start = bytes.count
        for b in name { bytes.append(b >= 0x41 && b <= 0x5A ? b | 0x20 : b) }
        bytes.append(contentsOf: value)
        spans.append((start, name.count, value.count))
    }

    /// Calls `body` with the fields as an `nghttp2_nv` array valid only during the call.
    func withNV<R>(_ body: (UnsafePointer<nghttp2_nv>?, Int) -> R) -> R {
        if spans.isEmpty { return body(nil, 0) }
        var storage = bytes
        if storage.isEmpty { storage.append(0) } // all names and values empty: still a valid base
        return storage.withUnsafeMutableBufferPointer { raw in
            let base = raw.baseAddress!
            var nvs: [nghttp2_nv] = spans.map { s in
                nghttp2_nv(name: base + s.0, value: base + s.0 + s.1, namelen: s.1, valuelen: s.2,
                           flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
            }
            return nvs.withUnsafeMutableBufferPointer { nv in
                body(UnsafePointer(nv.baseAddress), nv.count)
            }
        }
    }
}
