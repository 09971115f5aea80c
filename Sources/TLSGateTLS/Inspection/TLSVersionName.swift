/// Protocol version numbers as they appear on the wire, and OpenSSL's names for them.
public enum TLSVersionName {
    /// SSL 2.0 as carried in an SSLv2-compatible hello.
    public static let ssl2: UInt16 = 0x0002
    public static let ssl3: UInt16 = 0x0300
    public static let tls10: UInt16 = 0x0301
    public static let tls11: UInt16 = 0x0302
    public static let tls12: UInt16 = 0x0303
    public static let tls13: UInt16 = 0x0304

    /// OpenSSL's spelling ("SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"; "SSLv2"),
    /// or "0x%04x" for anything else (GREASE, drafts, garbage).
    public static func name(_ version: UInt16) -> String {
        switch version {
        case ssl2: return "SSLv2"
        case ssl3: return "SSLv3"
        case tls10: return "TLSv1"
        case tls11: return "TLSv1.1"
        case tls12: return "TLSv1.2"
        case tls13: return "TLSv1.3"
        default: return Hex.word(version)
        }
    }
}
