/// Parses the first bytes a server sends back through a tunnel: its ServerHello, or an alert.
///
/// Same calling convention as `ClientHelloParser`: call with the whole buffer after every read
/// until the result is not `.needMoreData`. Parsing stops at the end of the ServerHello message;
/// the rest of the server's flight (in the same record or later ones) is not examined.
public enum ServerHelloParser {
    /// The most a caller needs to buffer: one full record (2^14) plus its header.
    public static let maxBufferedBytes = TLSRecord.maxPlaintextLength + TLSRecord.headerLength

    /// SHA-256("HelloRetryRequest"), the random of a HelloRetryRequest (RFC 8446 §4.1.3).
    public static let helloRetryRequestRandom: [UInt8] = [
        0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
        0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
    ]

    /// The first 7 bytes of both downgrade sentinels: "DOWNGRD".
    static let sentinelPrefix: [UInt8] = [0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44]

    /// Parses `bytes` (everything received from the server so far).
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> ServerHelloParse {
        let outcome = HandshakeAssembler.withFirstMessage(
            in: bytes, expectedType: TLSRecord.handshakeServerHello, role: .server,
            maxBytes: maxBufferedBytes, parse: parseBody)
        switch outcome {
        case .needMoreData: return .needMoreData
        case .tooLarge: return .tooLarge
        case .notTLS(let reason): return .notTLS(reason)
        case .malformed(let reason): return .malformed(reason)
        case .alert(let alert): return .alert(alert)
        case .message(let result): return result
        }
    }

    /// `parse` over an array.
    public static func parse(_ bytes: [UInt8]) -> ServerHelloParse {
        bytes.withUnsafeBytes { parse($0) }
    }

    /// The downgrade sentinel in a 32-byte random, if any.
    public static func downgradeSentinel(in random: [UInt8]) -> DowngradeSentinel? {
        guard random.count == 32, random[24..<31].elementsEqual(sentinelPrefix) else { return nil }
        switch random[31] {
        case 0x01: return .tls12
        case 0x00: return .tls11OrBelow
        default: return nil
        }
    }

    /// Parses a complete ServerHello body (after the 4-byte handshake header).
    static func parseBody(_ body: UnsafeRawBufferPointer) -> ServerHelloParse {
        var reader = ByteReader(body)
        guard let legacyVersion = reader.u16(), let random = reader.bytes(32) else {
            return .malformed("ServerHello truncated")
        }
        guard legacyVersion >> 8 == 3 else {
            return .malformed("ServerHello legacy_version \(Hex.word(legacyVersion)) is not 3.x")
        }
        guard let sessionID = reader.vector8() else { return .malformed("ServerHello truncated in session_id") }
        guard sessionID.remaining <= 32 else { return .malformed("session_id longer than 32 bytes") }
        guard let cipherSuite = reader.u16(), let compressionMethod = reader.u8() else {
            return .malformed("ServerHello truncated in cipher_suite")
        }

        var types: [UInt16] = []
        var selectedVersion: UInt16?
        var alpn: String?
        if !reader.isAtEnd {
            guard var block = reader.vector16(), reader.isAtEnd else {
                return .malformed("extensions length does not match the ServerHello length")
            }
            while !block.isAtEnd {
                guard let type = block.u16(), var data = block.vector16() else {
                    return .malformed("extension overruns the extensions block")
                }
                types.append(type)
                switch type {
                case TLSRecord.extSupportedVersions:
                    // ServerHello form: a single selected_version.
                    guard let version = data.u16(), data.isAtEnd else {
                        return .malformed("supported_versions extension malformed")
                    }
                    selectedVersion = version
                case TLSRecord.extALPN:
                    // Exactly one protocol name (RFC 7301 §3.1).
                    guard var list = data.vector16(), data.isAtEnd,
                          let name = list.vector8(), list.isAtEnd, !name.isAtEnd else {
                        return .malformed("ALPN extension malformed")
                    }
                    alpn = String(decoding: name.rest, as: UTF8.self)
                default:
                    break
                }
            }
            if let duplicate = InspectionChecks.duplicateExtension(types) { return .malformed(duplicate) }
        }

        return .complete(ServerHelloInfo(
            legacyVersion: legacyVersion,
            selectedVersion: selectedVersion ?? legacyVersion,
            cipherSuite: cipherSuite,
            random: random,
            downgradeSentinel: downgradeSentinel(in: random),
            isHelloRetryRequest: random == helloRetryRequestRandom,
            alpn: alpn,
            compressionMethod: compressionMethod,
            extensionTypes: types))
    }
}
