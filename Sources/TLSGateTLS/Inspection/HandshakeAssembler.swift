/// Finds the first handshake message in a byte stream of TLS records, across any number of
/// records (handshake fragmentation) and any TCP split, without copying in the common case
/// where the message sits in the first record.
///
/// Work is linear in the input and memory bounded by `maxBytes`: pass 1 walks only record
/// headers (and the 4-byte handshake header); the message is copied (pass 2) only when it is
/// complete and spans several records.
enum HandshakeAssembler {
    /// Which side's first flight is being read; only changes the wording of reasons.
    enum Role {
        case client
        case server
    }

    enum Outcome<Parsed> {
        case needMoreData
        case tooLarge
        /// An alert record came before the message was complete.
        case alert(TLSAlert)
        case notTLS(String)
        case malformed(String)
        /// The message body (after the 4-byte handshake header) was handed to the parser.
        case message(Parsed)
    }

    /// Locates the first handshake message, checks it is `expectedType`, and calls `parse` with
    /// its body once complete.
    static func withFirstMessage<Parsed>(
        in bytes: UnsafeRawBufferPointer,
        expectedType: UInt8,
        role: Role,
        maxBytes: Int,
        parse: (UnsafeRawBufferPointer) -> Parsed
    ) -> Outcome<Parsed> {
        let count = bytes.count
        guard count > 0 else { return .needMoreData }
        if bytes[0] != TLSRecord.contentHandshake {
            return classifyFirstByte(bytes, role: role)
        }

        var offset = 0            // start of the current record
        var recordIndex = 0
        var streamSeen = 0        // handshake bytes available so far (across records)
        var header: UInt32 = 0    // the first 4 handshake bytes, big-endian
        var messageLength = -1    // body length once the 4-byte header is known
        var firstRecordPayload = 0

        // Each iteration either returns or moves `offset` forward by at least 6 bytes.
        while true {
            guard offset < count else { return incomplete(count, maxBytes) }
            let type = bytes[offset]
            if type != TLSRecord.contentHandshake {
                if type == TLSRecord.contentAlert {
                    return alertRecord(rebase(bytes, from: offset), count: count, maxBytes: maxBytes)
                }
                return .malformed("unexpected \(TLSRecord.contentTypeName(type)) record inside the \(helloName(role))")
            }
            if offset + 1 < count, bytes[offset + 1] != 3 {
                return recordIndex == 0
                    ? .notTLS("not a TLS record (record version major \(bytes[offset + 1]))")
                    : .malformed("record version major \(bytes[offset + 1]) inside the \(helloName(role))")
            }
            guard offset + TLSRecord.headerLength <= count else { return incomplete(count, maxBytes) }
            let length = Int(bytes[offset + 3]) << 8 | Int(bytes[offset + 4])
            if length == 0 { return .malformed("empty handshake record") }
            if length > TLSRecord.maxPlaintextLength {
                return .malformed("record length \(length) exceeds 16384")
            }
            let payloadStart = offset + TLSRecord.headerLength
            let available = min(length, count - payloadStart)
            if recordIndex == 0 { firstRecordPayload = length }

            // Collect the 4-byte handshake header, which may itself be fragmented.
            var i = 0
            while streamSeen < TLSRecord.handshakeHeaderLength, i < available {
                if streamSeen == 0, bytes[payloadStart + i] != expectedType {
                    return .malformed("expected handshake type \(expectedType) (\(helloName(role))), got \(bytes[payloadStart + i])")
                }
                header = header << 8 | UInt32(bytes[payloadStart + i])
                streamSeen += 1
                i += 1
            }
            streamSeen += available - i
            if messageLength < 0, streamSeen >= TLSRecord.handshakeHeaderLength {
                messageLength = Int(header & 0x00ff_ffff)
                if minimumWireSize(messageLength) > maxBytes { return .tooLarge }
            }
            if messageLength >= 0, streamSeen >= TLSRecord.handshakeHeaderLength + messageLength {
                let total = TLSRecord.handshakeHeaderLength + messageLength
                if recordIndex == 0, total <= firstRecordPayload {
                    let start = TLSRecord.headerLength + TLSRecord.handshakeHeaderLength
                    return .message(parse(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + messageLength)])))
                }
                let message = gather(bytes, total: total)
                return .message(message.withUnsafeBytes {
                    parse(UnsafeRawBufferPointer(rebasing: $0[TLSRecord.handshakeHeaderLength...]))
                })
            }
            if available < length { return incomplete(count, maxBytes) }
            offset = payloadStart + length
            recordIndex += 1
        }
    }

    /// Concatenates handshake payloads until `total` bytes (already known to be present and
    /// all in handshake records, as pass 1 checked).
    private static func gather(_ bytes: UnsafeRawBufferPointer, total: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(total)
        var offset = 0
        while out.count < total, offset + TLSRecord.headerLength <= bytes.count {
            let length = Int(bytes[offset + 3]) << 8 | Int(bytes[offset + 4])
            let start = offset + TLSRecord.headerLength
            let take = min(length, total - out.count, bytes.count - start)
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + take)]))
            offset = start + length
        }
        return out
    }

    /// Fewest bytes a handshake message of this body length needs on the wire (records of 2^14).
    static func minimumWireSize(_ messageLength: Int) -> Int {
        let stream = TLSRecord.handshakeHeaderLength + messageLength
        let records = (stream + TLSRecord.maxPlaintextLength - 1) / TLSRecord.maxPlaintextLength
        return stream + records * TLSRecord.headerLength
    }

    private static func incomplete<Parsed>(_ count: Int, _ maxBytes: Int) -> Outcome<Parsed> {
        count >= maxBytes ? .tooLarge : .needMoreData
    }

    /// An alert record at the start of `record`: its first alert as soon as the 7 bytes holding
    /// it are there (the rest of the record is not needed).
    private static func alertRecord<Parsed>(_ record: UnsafeRawBufferPointer, count: Int, maxBytes: Int) -> Outcome<Parsed> {
        if record.count >= 2, record[1] != 3 { return .malformed("alert record version major \(record[1])") }
        guard record.count >= TLSRecord.headerLength + 2 else { return incomplete(count, maxBytes) }
        let length = Int(record[3]) << 8 | Int(record[4])
        guard length >= 2, length <= TLSRecord.maxPlaintextLength else {
            return .malformed("alert record of length \(length)")
        }
        return .alert(TLSAlert(level: record[5], description: record[6]))
    }

    private static func rebase(_ bytes: UnsafeRawBufferPointer, from offset: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[offset...])
    }

    private static func helloName(_ role: Role) -> String {
        role == .client ? "ClientHello" : "ServerHello"
    }

    /// The stream does not start with a handshake record: say what it looks like.
    private static func classifyFirstByte<Parsed>(_ bytes: UnsafeRawBufferPointer, role: Role) -> Outcome<Parsed> {
        let first = bytes[0]
        switch first {
        case TLSRecord.contentAlert:
            // One byte cannot tell a TLS record from other bytes: wait for the version byte, so
            // the verdict does not depend on how TCP split the stream.
            if bytes.count < 2 { return .needMoreData }
            if bytes[1] != 3 { return .notTLS("not a TLS record (first byte \(Hex.byte(first)))") }
            return alertRecord(bytes, count: bytes.count, maxBytes: Int.max)
        case TLSRecord.contentChangeCipherSpec, TLSRecord.contentApplicationData, TLSRecord.contentHeartbeat:
            if bytes.count < 2 { return .needMoreData }
            if bytes[1] != 3 { return .notTLS("not a TLS record (first byte \(Hex.byte(first)))") }
            return .malformed("first record is \(TLSRecord.contentTypeName(first)), not handshake")
        case 0x80...0xff:
            return .notTLS(role == .client ? "SSLv2-compatible hello" : "SSLv2 record")
        case UInt8(ascii: "A")...UInt8(ascii: "Z"):
            return .notTLS("plaintext (looks like HTTP)")
        case 0x20...0x7e, UInt8(ascii: "\r"), UInt8(ascii: "\n"), UInt8(ascii: "\t"):
            return .notTLS("plaintext data")
        default:
            return .notTLS("not a TLS record (first byte \(Hex.byte(first)))")
        }
    }
}
