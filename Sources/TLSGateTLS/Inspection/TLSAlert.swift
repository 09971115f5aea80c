/// A TLS alert (RFC 8446 §6): what a server sends instead of a ServerHello when it refuses a
/// handshake, and what tlsgate sends to a client it refuses inside a tunnel.
public struct TLSAlert: Sendable, Equatable {
    /// 1 = warning, 2 = fatal.
    public let level: UInt8
    /// The AlertDescription code (see the constants below).
    public let description: UInt8

    public init(level: UInt8, description: UInt8) {
        self.level = level
        self.description = description
    }

    /// A fatal alert with this description.
    public static func fatal(_ description: UInt8) -> TLSAlert {
        TLSAlert(level: levelFatal, description: description)
    }

    public var isFatal: Bool { level == TLSAlert.levelFatal }

    /// The RFC name of the description ("protocol_version", "handshake_failure",
    /// "inappropriate_fallback", ...), or "unknown_alert_N".
    public var name: String { TLSAlert.name(description) }

    // MARK: Levels

    public static let levelWarning: UInt8 = 1
    public static let levelFatal: UInt8 = 2

    // MARK: Descriptions (RFC 5246, 8446, 7507, 6066, 7301)

    public static let closeNotify: UInt8 = 0
    public static let unexpectedMessage: UInt8 = 10
    public static let badRecordMAC: UInt8 = 20
    public static let recordOverflow: UInt8 = 22
    public static let handshakeFailure: UInt8 = 40
    public static let badCertificate: UInt8 = 42
    public static let unsupportedCertificate: UInt8 = 43
    public static let certificateRevoked: UInt8 = 44
    public static let certificateExpired: UInt8 = 45
    public static let certificateUnknown: UInt8 = 46
    public static let illegalParameter: UInt8 = 47
    public static let unknownCA: UInt8 = 48
    public static let accessDenied: UInt8 = 49
    public static let decodeError: UInt8 = 50
    public static let decryptError: UInt8 = 51
    public static let protocolVersion: UInt8 = 70
    public static let insufficientSecurity: UInt8 = 71
    public static let internalError: UInt8 = 80
    public static let inappropriateFallback: UInt8 = 86
    public static let userCanceled: UInt8 = 90
    public static let noRenegotiation: UInt8 = 100
    public static let missingExtension: UInt8 = 109
    public static let unsupportedExtension: UInt8 = 110
    public static let unrecognizedName: UInt8 = 112
    public static let badCertificateStatusResponse: UInt8 = 113
    public static let unknownPSKIdentity: UInt8 = 115
    public static let certificateRequired: UInt8 = 116
    public static let noApplicationProtocol: UInt8 = 120

    /// The RFC name of an alert description, or "unknown_alert_N".
    public static func name(_ description: UInt8) -> String {
        switch description {
        case 0: return "close_notify"
        case 10: return "unexpected_message"
        case 20: return "bad_record_mac"
        case 21: return "decryption_failed"
        case 22: return "record_overflow"
        case 30: return "decompression_failure"
        case 40: return "handshake_failure"
        case 41: return "no_certificate"
        case 42: return "bad_certificate"
        case 43: return "unsupported_certificate"
        case 44: return "certificate_revoked"
        case 45: return "certificate_expired"
        case 46: return "certificate_unknown"
        case 47: return "illegal_parameter"
        case 48: return "unknown_ca"
        case 49: return "access_denied"
        case 50: return "decode_error"
        case 51: return "decrypt_error"
        case 60: return "export_restriction"
        case 70: return "protocol_version"
        case 71: return "insufficient_security"
        case 80: return "internal_error"
        case 86: return "inappropriate_fallback"
        case 90: return "user_canceled"
        case 100: return "no_renegotiation"
        case 109: return "missing_extension"
        case 110: return "unsupported_extension"
        case 111: return "certificate_unobtainable"
        case 112: return "unrecognized_name"
        case 113: return "bad_certificate_status_response"
        case 114: return "bad_certificate_hash_value"
        case 115: return "unknown_psk_identity"
        case 116: return "certificate_required"
        case 120: return "no_application_protocol"
        default: return "unknown_alert_\(description)"
        }
    }

    // MARK: Wire format

    /// The 7 bytes of a plaintext fatal alert record: 15 VV VV 00 02 02 DD
    /// (e.g. `record(TLSAlert.protocolVersion)` = 15 03 03 00 02 02 46).
    /// Use the record version the peer used (0x0301 for a TLS 1.0 client, else 0x0303).
    public static func record(_ description: UInt8, version: UInt16 = 0x0303) -> [UInt8] {
        [TLSRecord.contentAlert, UInt8(version >> 8), UInt8(version & 0xff), 0x00, 0x02,
         levelFatal, description]
    }

    /// The record bytes for this alert (its own level), with the given record version.
    public func record(version: UInt16 = 0x0303) -> [UInt8] {
        [TLSRecord.contentAlert, UInt8(version >> 8), UInt8(version & 0xff), 0x00, 0x02,
         level, description]
    }

    /// The first alert of a plaintext alert record at the start of `bytes`
    /// (type 21, version 3.x, length ≥ 2, the record complete); nil otherwise.
    public static func parseRecord(_ bytes: UnsafeRawBufferPointer) -> TLSAlert? {
        guard bytes.count >= 7, bytes[0] == TLSRecord.contentAlert, bytes[1] == 3 else { return nil }
        let length = Int(bytes[3]) << 8 | Int(bytes[4])
        guard length >= 2, length <= TLSRecord.maxPlaintextLength, bytes.count >= 5 + length else {
            return nil
        }
        return TLSAlert(level: bytes[5], description: bytes[6])
    }

    /// `parseRecord` over an array.
    public static func parseRecord(_ bytes: [UInt8]) -> TLSAlert? {
        bytes.withUnsafeBytes { parseRecord($0) }
    }
}
