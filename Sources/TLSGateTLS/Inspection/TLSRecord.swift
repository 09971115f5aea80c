/// TLS record-layer and handshake constants used by the inspection parsers.
enum TLSRecord {
    static let contentChangeCipherSpec: UInt8 = 20
    static let contentAlert: UInt8 = 21
    static let contentHandshake: UInt8 = 22
    static let contentApplicationData: UInt8 = 23
    static let contentHeartbeat: UInt8 = 24

    /// Record header: type(1) version(2) length(2).
    static let headerLength = 5
    /// Largest plaintext fragment (2^14).
    static let maxPlaintextLength = 16384

    static let handshakeClientHello: UInt8 = 1
    static let handshakeServerHello: UInt8 = 2
    /// Handshake header: type(1) length(3).
    static let handshakeHeaderLength = 4

    static let extServerName: UInt16 = 0
    static let extALPN: UInt16 = 16
    static let extSupportedVersions: UInt16 = 43

    static func contentTypeName(_ type: UInt8) -> String {
        switch type {
        case contentChangeCipherSpec: return "change_cipher_spec"
        case contentAlert: return "alert"
        case contentHandshake: return "handshake"
        case contentApplicationData: return "application_data"
        case contentHeartbeat: return "heartbeat"
        default: return Hex.byte(type)
        }
    }
}
