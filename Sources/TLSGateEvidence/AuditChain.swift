/// The audit log's hash chain: its canonical form, in one place for the writer and the verifier.
///
/// Every line ends with `,"seq":N,"chain":"<64 lowercase hex>"` before its closing brace(s):
///
///     chain(n) = SHA-256( chain(n-1) as 64 hex ASCII bytes  ||  line(n) without `,"chain":"<hex>"` )
///
/// "Line without the field" is the line's exact bytes, newline excluded, with the last occurrence
/// of `,"chain":"` and the 64 hex digits and closing quote after it removed (nothing is parsed
/// or re-serialized, so any changed byte changes the digest). The first line of a chain hashes
/// with 64 `0`s as chain(0). A `restart` line, the first of a process, hashes with the previous
/// process's last chain when it names one (`prev_chain`), else with the 64 `0`s.
public enum AuditChain {
    /// chain(0): 64 ASCII zeros.
    public static let genesis = [UInt8](repeating: UInt8(ascii: "0"), count: 64)
    /// The key and opening quote of the chain field.
    public static let fieldPrefix = Array(#","chain":""#.utf8)
    /// `,"chain":"` + 64 hex + `"`.
    public static let fieldLength = fieldPrefix.count + 64 + 1

    /// Where the chain field starts in `line` (no newline), or nil when there is none.
    public static func fieldStart(in line: UnsafeRawBufferPointer) -> Int? {
        let n = line.count, p = fieldPrefix.count
        guard n >= fieldLength else { return nil }
        var i = n - fieldLength
        while i >= 0 {
            if line[i] == 0x2C && line[i + 1] == 0x22 && line[i + 2] == 0x63 {  // `,"c`: check the rest
                var match = true
                for k in 3..<p where line[i + k] != fieldPrefix[k] { match = false; break }
                if match && line[i + fieldLength - 1] == 0x22 { return i }
            }
            i -= 1
        }
        return nil
    }

    /// chain(n) as 64 hex bytes into `out`, given the previous chain (64 hex bytes) and the line's
    /// canonical form as up to three parts (so the writer hashes its output in place).
    @inline(__always)
    public static func link(previous: UnsafeRawBufferPointer, _ a: UnsafeRawBufferPointer,
                            _ b: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
                            _ c: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
                            hasher: SHA256Hasher, into out: UnsafeMutableRawPointer) {
        hasher.begin()
        hasher.update(previous)
        hasher.update(a)
        hasher.update(b)
        hasher.update(c)
        withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { digest in
            hasher.finish(into: digest.baseAddress!)
            Hex.encode(UnsafeRawBufferPointer(digest), into: out)
        }
    }
}

/// Lowercase hexadecimal.
public enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Writes 2 × `bytes.count` hex digits at `out`.
    @inline(__always)
    public static func encode(_ bytes: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer) {
        digits.withUnsafeBufferPointer { d in
            for (i, b) in bytes.enumerated() {
                out.storeBytes(of: d[Int(b >> 4)], toByteOffset: 2 * i, as: UInt8.self)
                out.storeBytes(of: d[Int(b & 15)], toByteOffset: 2 * i + 1, as: UInt8.self)
            }
        }
    }

    public static func string(_ bytes: [UInt8]) -> String {
        var out = [UInt8](repeating: 0, count: bytes.count * 2)
        bytes.withUnsafeBytes { b in out.withUnsafeMutableBytes { encode(b, into: $0.baseAddress!) } }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of an even-length hex string, or nil.
    public static func decode<S: Sequence>(_ text: S) -> [UInt8]? where S.Element == UInt8 {
        var out: [UInt8] = []
        var high: UInt8? = nil
        for c in text {
            let v: UInt8
            switch c {
            case 0x30...0x39: v = c - 0x30
            case 0x61...0x66: v = c - 0x61 + 10
            case 0x41...0x46: v = c - 0x41 + 10
            default: return nil
            }
            if let h = high { out.append(h << 4 | v); high = nil } else { high = v }
        }
        return high == nil ? out : nil
    }

    /// Whether `bytes` are exactly 64 lowercase hex digits.
    public static func isChain(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.count == 64 && bytes.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
}
