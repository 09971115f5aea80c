/// Keeps secrets out of audit records and logs.
public enum Redaction {
    /// The replacement for a secret value.
    public static let placeholder = "REDACTED"

    /// Query parameter names whose values are secrets (lowercase): SigV4 presigned URL
    /// parameters plus the SigV2 presigned equivalents.
    static let sensitiveQueryNames: [[UInt8]] = [
        "x-amz-signature", "x-amz-credential", "x-amz-security-token", "signature", "awsaccesskeyid",
    ].map { Array($0.utf8) }

    /// Header names whose values are secrets (lowercase).
    static let sensitiveHeaderNames: [[UInt8]] = [
        "authorization", "proxy-authorization", "cookie", "set-cookie",
        "x-amz-security-token", "x-amz-signature", "x-amz-credential", "x-amz-s3session-token",
        "x-amz-server-side-encryption-customer-key",
        "x-amz-copy-source-server-side-encryption-customer-key",
        "x-api-key", "x-auth-token",
    ].map { Array($0.utf8) }

    /// Replaces the values of X-Amz-Signature, X-Amz-Credential and X-Amz-Security-Token (and the
    /// SigV2 Signature / AWSAccessKeyId) query parameters with `REDACTED`. Names match
    /// case-insensitively, also when percent-encoded; every other byte is left intact. Empty values
    /// stay empty. Returns the input itself when nothing needed redacting.
    public static func redactTarget(_ pathAndQuery: String) -> String {
        // Most targets have no query: answer without copying.
        guard pathAndQuery.utf8.contains(0x3F) else { return pathAndQuery }
        let bytes = Array(pathAndQuery.utf8)
        guard let question = bytes.firstIndex(of: 0x3F) else { return pathAndQuery }
        let queryEnd = bytes[question...].firstIndex(of: 0x23) ?? bytes.count  // '#'
        var out: [UInt8] = []
        var copiedUpTo = 0
        var start = question + 1
        while start <= queryEnd {
            let end = bytes[start..<queryEnd].firstIndex(of: 0x26) ?? queryEnd  // '&'
            if let equals = bytes[start..<end].firstIndex(of: 0x3D), equals + 1 < end,
               isSensitiveQueryName(bytes[start..<equals]) {
                if out.isEmpty { out.reserveCapacity(bytes.count) }
                out.append(contentsOf: bytes[copiedUpTo...equals])
                out.append(contentsOf: placeholder.utf8)
                copiedUpTo = end
            }
            start = end + 1
        }
        guard copiedUpTo > 0 else { return pathAndQuery }
        out.append(contentsOf: bytes[copiedUpTo...])
        return String(decoding: out, as: UTF8.self)
    }

    /// Removes `user[:password]@` from the authority of a URL (`http://u:p@host/x` ->
    /// `http://host/x`); also from a scheme-less authority (`u:p@host:443`).
    public static func stripUserInfo(_ url: String) -> String {
        let bytes = Array(url.utf8)
        var authorityStart = 0
        if let colon = bytes.firstIndex(of: 0x3A), colon + 2 < bytes.count,
           bytes[colon + 1] == 0x2F, bytes[colon + 2] == 0x2F,
           bytes[..<colon].allSatisfy({ isSchemeByte($0) }) {
            authorityStart = colon + 3
        } else if bytes.first == 0x2F {
            return url  // origin-form: no authority
        }
        let authorityEnd = bytes[authorityStart...].firstIndex { $0 == 0x2F || $0 == 0x3F || $0 == 0x23 } ?? bytes.count
        guard let at = bytes[authorityStart..<authorityEnd].lastIndex(of: 0x40) else { return url }
        return String(decoding: bytes[..<authorityStart] + bytes[(at + 1)...], as: UTF8.self)
    }

    /// True for headers whose values must never be logged (authorization, proxy-authorization,
    /// cookie, set-cookie, x-amz-security-token, x-amz-signature, SSE-C keys, ...). Case-insensitive.
    public static func isSensitiveHeader(_ name: String) -> Bool {
        var copy = name
        return copy.withUTF8 { raw in
            sensitiveHeaderNames.contains { equalsLowercased(raw, $0) }
        }
    }

    // MARK: - Helpers

    private static func isSchemeByte(_ b: UInt8) -> Bool {
        (b | 0x20) &- 0x61 < 26 || b &- 0x30 < 10 || b == 0x2B || b == 0x2D || b == 0x2E
    }

    /// Compares a raw (possibly percent-encoded) name with the lowercase candidates.
    private static func isSensitiveQueryName(_ raw: ArraySlice<UInt8>) -> Bool {
        guard !raw.isEmpty, raw.count <= 96 else { return false }
        var name: [UInt8] = []
        name.reserveCapacity(raw.count)
        var i = raw.startIndex
        while i < raw.endIndex {
            var byte = raw[i]
            if byte == 0x25, i + 2 < raw.endIndex, let hi = hexValue(raw[i + 1]), let lo = hexValue(raw[i + 2]) {
                byte = hi << 4 | lo
                i += 3
            } else {
                i += 1
            }
            name.append(byte &- 0x41 < 26 ? byte | 0x20 : byte)
        }
        return sensitiveQueryNames.contains(name)
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        if b &- 0x30 < 10 { return b - 0x30 }
        let lower = b | 0x20
        if lower &- 0x61 < 6 { return lower - 0x61 + 10 }
        return nil
    }

    private static func equalsLowercased(_ raw: UnsafeBufferPointer<UInt8>, _ lower: [UInt8]) -> Bool {
        guard raw.count == lower.count else { return false }
        for i in 0..<raw.count {
            let b = raw[i]
            if (b &- 0x41 < 26 ? b | 0x20 : b) != lower[i] { return false }
        }
        return true
    }
}
