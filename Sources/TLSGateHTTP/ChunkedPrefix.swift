/// The data at the start of a chunked body, without the chunk framing: used to look at the first
/// bytes of a form-encoded body (the AWS `Action=`), never to forward anything.
public enum ChunkedPrefix {
    /// Decodes as many whole or partial chunks as `raw` holds; stops quietly at anything malformed.
    public static func decode(_ raw: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < raw.count {
            var size = 0
            var digits = 0
            while index < raw.count, let value = ByteClass.hexValue(raw[index]) {
                guard digits < 8 else { return out }
                size = size << 4 | Int(value)
                digits += 1
                index += 1
            }
            guard digits > 0 else { return out }
            // Skip chunk extensions up to the line end.
            while index < raw.count, raw[index] != ByteClass.lf { index += 1 }
            index += 1
            guard size > 0, index < raw.count else { return out }
            let end = min(raw.count, index + size)
            out.append(contentsOf: raw[index..<end])
            index = end + 2   // CRLF after the data
        }
        return out
    }
}
