@testable import TLSGateTLS

/// Builders for synthetic handshakes and record re-framing, used with the captured fixtures.
enum Wire {
    static func u16(_ v: Int) -> [UInt8] { [UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }
    static func u24(_ v: Int) -> [UInt8] { [UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }
    static func vec8(_ b: [UInt8]) -> [UInt8] { [UInt8(b.count)] + b }
    static func vec16(_ b: [UInt8]) -> [UInt8] { u16(b.count) + b }

    /// One extension: type, length, data.
    static func ext(_ type: UInt16, _ data: [UInt8]) -> [UInt8] { u16(Int(type)) + vec16(data) }

    static func sni(_ name: [UInt8], type: UInt8 = 0) -> [UInt8] {
        ext(0, vec16([type] + vec16(name)))
    }
    static func sni(_ name: String) -> [UInt8] { sni(Array(name.utf8)) }

    static func alpn(_ names: [String]) -> [UInt8] {
        ext(16, vec16(names.flatMap { vec8(Array($0.utf8)) }))
    }

    static func supportedVersions(_ versions: [UInt16]) -> [UInt8] {
        ext(43, vec8(versions.flatMap { u16(Int($0)) }))
    }

    /// A ClientHello handshake message (type 1 + 24-bit length + body).
    static func clientHello(
        legacy: UInt16 = 0x0303,
        sessionID: [UInt8] = Array(repeating: 7, count: 32),
        suites: [UInt16] = [0x1301, 0xc02f],
        compression: [UInt8] = [0],
        extensions: [[UInt8]]? = [sni("example.test")]
    ) -> [UInt8] {
        var body = u16(Int(legacy)) + Array(repeating: 0x11, count: 32) + vec8(sessionID)
        body += vec16(suites.flatMap { u16(Int($0)) }) + vec8(compression)
        if let extensions { body += vec16(extensions.flatMap { $0 }) }
        return [1] + u24(body.count) + body
    }

    /// A ServerHello handshake message.
    static func serverHello(
        legacy: UInt16 = 0x0303,
        random: [UInt8] = Array(repeating: 0x22, count: 32),
        suite: UInt16 = 0x1301,
        extensions: [[UInt8]]? = [ext(43, u16(0x0304))]
    ) -> [UInt8] {
        var body = u16(Int(legacy)) + random + vec8(Array(repeating: 9, count: 32)) + u16(Int(suite)) + [0]
        if let extensions { body += vec16(extensions.flatMap { $0 }) }
        return [2] + u24(body.count) + body
    }

    /// Wraps a handshake byte stream in records of at most `size` bytes.
    static func records(_ stream: [UInt8], size: Int = 16384, type: UInt8 = 22, version: UInt16 = 0x0301) -> [UInt8] {
        var out: [UInt8] = []
        var start = 0
        while start < stream.count {
            let end = min(start + size, stream.count)
            out += [type] + u16(Int(version)) + u16(end - start) + stream[start..<end]
            start = end
        }
        return out
    }

    /// The handshake stream (record payloads) of a byte buffer of complete handshake records.
    static func handshakeStream(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var offset = 0
        while offset + 5 <= bytes.count, bytes[offset] == 22 {
            let length = Int(bytes[offset + 3]) << 8 | Int(bytes[offset + 4])
            out += bytes[(offset + 5)..<min(offset + 5 + length, bytes.count)]
            offset += 5 + length
        }
        return out
    }

    /// The length of the first record (header included).
    static func firstRecordLength(_ bytes: [UInt8]) -> Int {
        5 + (Int(bytes[3]) << 8 | Int(bytes[4]))
    }
}

/// A small deterministic PRNG (xorshift64*) so mutation tests are reproducible.
struct TestRNG: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed == 0 ? 0x9e37_79b9_7f4a_7c15 : seed }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_f491_4f6c_dd1d
    }
}

extension ClientHelloParse {
    var info: ClientHelloInfo? {
        if case .complete(let info) = self { return info }
        return nil
    }
    var isMalformed: Bool {
        if case .malformed = self { return true }
        return false
    }
    var isNotTLS: Bool {
        if case .notTLS = self { return true }
        return false
    }
}

extension ServerHelloParse {
    var info: ServerHelloInfo? {
        if case .complete(let info) = self { return info }
        return nil
    }
    var isMalformed: Bool {
        if case .malformed = self { return true }
        return false
    }
}
