/// Parses the first bytes a client sends into a tunnel: its ClientHello.
///
/// The caller buffers the client's bytes and calls `parse` with the whole buffer after every
/// read; `.needMoreData` means "read more and call again". The ClientHello may arrive split
/// at any byte and fragmented over several handshake records. Work is linear in the input, and
/// the result is `.tooLarge` rather than `.needMoreData` once `maxBufferedBytes` are buffered,
/// so a caller that caps its buffer there never waits forever.
public enum ClientHelloParser {
    /// The most a caller needs to buffer: one full record (2^14) plus its header.
    public static let maxBufferedBytes = TLSRecord.maxPlaintextLength + TLSRecord.headerLength

    /// Parses `bytes` (everything received so far).
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> ClientHelloParse {
        let outcome = HandshakeAssembler.withFirstMessage(
            in: bytes, expectedType: TLSRecord.handshakeClientHello, role: .client,
            maxBytes: maxBufferedBytes, parse: parseBody)
        switch outcome {
        case .needMoreData: return .needMoreData
        case .tooLarge: return .tooLarge
        case .notTLS(let reason): return .notTLS(reason)
        case .malformed(let reason): return .malformed(reason)
        case .alert(let alert): return .malformed("alert record (\(alert.name)) instead of a ClientHello")
        case .message(let result): return result
        }
    }

    /// `parse` over an array.
    public static func parse(_ bytes: [UInt8]) -> ClientHelloParse {
        bytes.withUnsafeBytes { parse($0) }
    }

    /// Parses a complete ClientHello body (after the 4-byte handshake header).
    static func parseBody(_ body: UnsafeRawBufferPointer) -> ClientHelloParse {
        var reader = ByteReader(body)
        guard let legacyVersion = reader.u16(), let random = reader.bytes(32) else {
            return .malformed("ClientHello truncated")
        }
        guard legacyVersion >> 8 == 3 else {
            return .malformed("ClientHello legacy_version \(Hex.word(legacyVersion)) is not 3.x")
        }
        guard let sessionID = reader.vector8() else { return .malformed("ClientHello truncated in session_id") }
        guard sessionID.remaining <= 32 else { return .malformed("session_id longer than 32 bytes") }

        guard var suites = reader.vector16() else { return .malformed("ClientHello truncated in cipher_suites") }
        guard suites.remaining >= 2, suites.remaining % 2 == 0 else {
            return .malformed("cipher_suites length \(suites.remaining) is not a positive even number")
        }
        var cipherSuites: [UInt16] = []
        cipherSuites.reserveCapacity(suites.remaining / 2)
        var hasFallbackSCSV = false
        while let suite = suites.u16() {
            if suite == CipherSuiteInfo.fallbackSCSV { hasFallbackSCSV = true }
            if !GREASE.isGREASE(suite) { cipherSuites.append(suite) }
        }

        guard let compression = reader.vector8() else {
            return .malformed("ClientHello truncated in compression_methods")
        }
        guard compression.remaining >= 1 else { return .malformed("empty compression_methods") }

        var extensions = Extensions()
        if !reader.isAtEnd {
            guard let block = reader.vector16(), reader.isAtEnd else {
                return .malformed("extensions length does not match the ClientHello length")
            }
            if let failure = extensions.parse(block) { return .malformed(failure) }
        }

        return .complete(ClientHelloInfo(
            legacyVersion: legacyVersion,
            random: random,
            cipherSuites: cipherSuites,
            hasFallbackSCSV: hasFallbackSCSV,
            serverName: extensions.serverName?.normalized,
            rawServerName: extensions.serverName?.raw,
            alpn: extensions.alpn,
            supportedVersions: extensions.supportedVersions,
            extensionTypes: extensions.types))
    }

    /// The ClientHello extensions tlsgate reads.
    private struct Extensions {
        var types: [UInt16] = []
        var serverName: ServerNameValidation.Names?
        var alpn: [String] = []
        var supportedVersions: [UInt16] = []

        /// Bits for the extensions interpreted above, so a duplicate of one is reported as such
        /// rather than as a conflict inside it.
        private var seenInterpreted: UInt8 = 0

        private mutating func seen(_ bit: UInt8) -> Bool {
            defer { seenInterpreted |= 1 << bit }
            return seenInterpreted & (1 << bit) != 0
        }

        /// Walks the extensions block; returns a reason on failure.
        mutating func parse(_ block: ByteReader) -> String? {
            var block = block
            var allTypes: [UInt16] = []
            while !block.isAtEnd {
                guard let type = block.u16(), let data = block.vector16() else {
                    return "extension overruns the extensions block"
                }
                allTypes.append(type)
                if !GREASE.isGREASE(type) { types.append(type) }
                let failure: String?
                switch type {
                case TLSRecord.extServerName:
                    failure = seen(0) ? "duplicate extension 0x0000" : parseServerName(data)
                case TLSRecord.extALPN:
                    failure = seen(1) ? "duplicate extension 0x0010" : parseALPN(data)
                case TLSRecord.extSupportedVersions:
                    failure = seen(2) ? "duplicate extension 0x002b" : parseSupportedVersions(data)
                default:
                    failure = nil
                }
                if let failure { return failure }
            }
            return InspectionChecks.duplicateExtension(allTypes)
        }

        /// server_name (RFC 6066 §3): a list of (name_type, opaque name); one host_name at most.
        private mutating func parseServerName(_ data: ByteReader) -> String? {
            var data = data
            guard var list = data.vector16(), data.isAtEnd, !list.isAtEnd else {
                return "server_name extension malformed"
            }
            while !list.isAtEnd {
                guard let nameType = list.u8(), let name = list.vector16() else {
                    return "server_name list malformed"
                }
                guard nameType == 0 else { continue }  // unknown name types are skipped
                guard serverName == nil else { return "more than one SNI host_name" }
                switch ServerNameValidation.check(name.rest) {
                case .valid(let names): serverName = names
                case .invalid(let reason): return reason
                }
            }
            return nil
        }

        /// application_layer_protocol_negotiation (RFC 7301): non-empty list of non-empty names.
        private mutating func parseALPN(_ data: ByteReader) -> String? {
            var data = data
            guard var list = data.vector16(), data.isAtEnd, !list.isAtEnd else {
                return "ALPN extension malformed"
            }
            while !list.isAtEnd {
                guard let name = list.vector8(), !name.isAtEnd else { return "ALPN protocol name empty or truncated" }
                alpn.append(String(decoding: name.rest, as: UTF8.self))
            }
            return nil
        }

        /// supported_versions, ClientHello form (RFC 8446 §4.2.1): versions<2..254>.
        private mutating func parseSupportedVersions(_ data: ByteReader) -> String? {
            var data = data
            guard var list = data.vector8(), data.isAtEnd, list.remaining >= 2, list.remaining % 2 == 0 else {
                return "supported_versions extension malformed"
            }
            while let version = list.u16() {
                if !GREASE.isGREASE(version) { supportedVersions.append(version) }
            }
            return nil
        }
    }
}
