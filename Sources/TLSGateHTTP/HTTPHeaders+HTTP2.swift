/// The field-level half of the HTTP/2 <-> HTTP/1.1 mapping (the head-level half is
/// `TLSGateHTTP2.HTTP2HeadMapping`): which fields an HTTP/2 header block carries, and headers built
/// from a received header block. Kept here so the hop-by-hop rules stay in one place (`HopByHop`).
extension HTTPHeaders {
    /// Calls `body(name, value)` for every field an HTTP/2 header block made from these headers
    /// carries: the end-to-end fields HTTP/1.1 forwarding keeps (``HopByHop``: Connection and the
    /// names it lists, Keep-Alive, Proxy-*, TE, Trailer, Upgrade are dropped), minus Host (it becomes
    /// `:authority`) and Transfer-Encoding (HTTP/2 frames its own bodies; RFC 9113 §8.2.2).
    /// Names are passed as received; the caller lowercases them.
    public func forEachHTTP2Field(_ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Void) {
        let keep = HopByHop.forwardMask(self)
        raw.withUnsafeBufferPointer { bytes in
            for (index, f) in fields.enumerated() where keep[index] {
                if f.known == .host || f.known == .transferEncoding { continue }
                body(UnsafeBufferPointer(rebasing: bytes[Int(f.nameStart)..<Int(f.nameEnd)]),
                     UnsafeBufferPointer(rebasing: bytes[Int(f.valueStart)..<Int(f.valueEnd)]))
            }
        }
    }

    /// Builds headers field by field from bytes (an HTTP/2 header block mapped to HTTP/1.1), without
    /// a String per field. Names and values are copied as given (nghttp2 has validated them).
    public struct Builder: Sendable {
        private var raw: [UInt8] = []
        private var fields: [Field] = []
        private var present: KnownHeader.Set = 0

        public init() {}

        /// The number of fields appended so far.
        public var count: Int { fields.count }

        /// Appends `name: value`.
        public mutating func append(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
            let nameStart = UInt32(raw.count)
            raw.append(contentsOf: name)
            let nameEnd = UInt32(raw.count)
            raw.append(ByteClass.colon)
            raw.append(ByteClass.sp)
            let valueStart = UInt32(raw.count)
            raw.append(contentsOf: value)
            let valueEnd = UInt32(raw.count)
            let known = KnownHeader.classify(name)
            present |= known.bit
            fields.append(Field(nameStart: nameStart, nameEnd: nameEnd, valueStart: valueStart,
                                valueEnd: valueEnd, lineEnd: valueEnd, known: known))
            raw.append(ByteClass.cr)
            raw.append(ByteClass.lf)
        }

        /// Appends `name: value` from Strings.
        public mutating func append(name: String, value: String) {
            var n = name, v = value
            n.withUTF8 { nb in v.withUTF8 { vb in append(name: nb, value: vb) } }
        }

        /// The headers built so far.
        public func build() -> HTTPHeaders { HTTPHeaders(raw: raw, fields: fields, present: present) }
    }
}
