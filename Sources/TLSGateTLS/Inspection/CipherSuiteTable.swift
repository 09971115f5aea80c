/// The cipher-suite table behind `CipherSuiteInfo`: IANA id, OpenSSL name, traits.
///
/// Generated once from `openssl ciphers -V 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'` (OpenSSL 3.0) plus
/// the legacy suites OpenSSL 3 no longer builds (RC4, DES, 3DES, EXPORT, static ECDH, SEED, IDEA)
/// under their OpenSSL 1.x names, the TLS 1.3 CCM suites and the two signaling values.
/// Sorted by id, ids unique (a test checks both): `CipherSuiteInfo` binary-searches it.
enum CipherSuiteTable {
    /// What a suite is made of, as far as the policy cares.
    struct Traits: OptionSet, Sendable {
        let rawValue: UInt16
        /// A TLS 1.3 suite (0x13xx).
        static let tls13 = Traits(rawValue: 1 << 0)
        /// Authenticated encryption (GCM, CCM, ChaCha20-Poly1305).
        static let aead = Traits(rawValue: 1 << 1)
        /// Ephemeral key exchange (DHE, ECDHE, or any TLS 1.3 suite).
        static let forwardSecret = Traits(rawValue: 1 << 2)
        /// No server authentication (ADH, AECDH).
        static let anonymous = Traits(rawValue: 1 << 3)
        /// No encryption at all.
        static let nullCipher = Traits(rawValue: 1 << 4)
        static let rc4 = Traits(rawValue: 1 << 5)
        /// DES, 3DES or RC2.
        static let legacyBlockCipher = Traits(rawValue: 1 << 6)
        /// 40/56-bit export grade.
        static let export = Traits(rawValue: 1 << 7)
        /// A block cipher in CBC mode with a separate MAC.
        static let cbc = Traits(rawValue: 1 << 8)
        /// AES-CCM with a truncated 8-byte tag.
        static let ccm8 = Traits(rawValue: 1 << 9)
        /// Pre-shared-key or SRP key exchange.
        static let pskOrSRP = Traits(rawValue: 1 << 10)
        /// TLS 1.3 AES-GCM or TLS 1.2 ECDHE + AES-GCM.
        static let fipsApproved = Traits(rawValue: 1 << 11)
        /// Not a cipher: TLS_EMPTY_RENEGOTIATION_INFO_SCSV or TLS_FALLBACK_SCSV.
        static let signaling = Traits(rawValue: 1 << 12)
    }

    struct Entry: Sendable {
        let id: UInt16
        let name: String
        let traits: Traits

        init(_ id: UInt16, _ name: String, _ traits: Traits) {
            self.id = id
            self.name = name
            self.traits = traits
        }
    }

    /// Binary search; nil for ids not in the table.
    static func entry(_ id: UInt16) -> Entry? {
        var low = 0
        var high = entries.count - 1
        while low <= high {
            let mid = (low + high) / 2
            let candidate = entries[mid]
            if candidate.id == id { return candidate }
            if candidate.id < id { low = mid + 1 } else { high = mid - 1 }
        }
        return nil
    }

    static let entries: [Entry] = [
        .init(0x0001, "NULL-MD5", [.nullCipher]),
        .init(0x0002, "NULL-SHA", [.nullCipher]),
        .init(0x0003, "EXP-RC4-MD5", [.rc4, .export]),
        .init(0x0004, "RC4-MD5", [.rc4]),
        .init(0x0005, "RC4-SHA", [.rc4]),
        .init(0x0006, "EXP-RC2-CBC-MD5", [.legacyBlockCipher, .export, .cbc]),
        .init(0x0007, "IDEA-CBC-SHA", [.cbc]),
        .init(0x0008, "EXP-DES-CBC-SHA", [.legacyBlockCipher, .export, .cbc]),
        .init(0x0009, "DES-CBC-SHA", [.legacyBlockCipher, .cbc]),
        .init(0x000A, "DES-CBC3-SHA", [.legacyBlockCipher, .cbc]),
        .init(0x0011, "EXP-EDH-DSS-DES-CBC-SHA", [.forwardSecret, .legacyBlockCipher, .export, .cbc]),
        .init(0x0012, "EDH-DSS-DES-CBC-SHA", [.forwardSecret, .legacyBlockCipher, .cbc]),
        .init(0x0013, "DHE-DSS-DES-CBC3-SHA", [.forwardSecret, .legacyBlockCipher, .cbc]),
        .init(0x0014, "EXP-EDH-RSA-DES-CBC-SHA", [.forwardSecret, .legacyBlockCipher, .export, .cbc]),
        .init(0x0015, "EDH-RSA-DES-CBC-SHA", [.forwardSecret, .legacyBlockCipher, .cbc]),
        .init(0x0016, "DHE-RSA-DES-CBC3-SHA", [.forwardSecret, .legacyBlockCipher, .cbc]),
        .init(0x0017, "EXP-ADH-RC4-MD5", [.forwardSecret, .anonymous, .rc4, .export]),
        .init(0x0018, "ADH-RC4-MD5", [.forwardSecret, .anonymous, .rc4]),
        .init(0x0019, "EXP-ADH-DES-CBC-SHA", [.forwardSecret, .anonymous, .legacyBlockCipher, .export, .cbc]),
        .init(0x001A, "ADH-DES-CBC-SHA", [.forwardSecret, .anonymous, .legacyBlockCipher, .cbc]),
        .init(0x001B, "ADH-DES-CBC3-SHA", [.forwardSecret, .anonymous, .legacyBlockCipher, .cbc]),
        .init(0x002C, "PSK-NULL-SHA", [.nullCipher, .pskOrSRP]),
        .init(0x002D, "DHE-PSK-NULL-SHA", [.forwardSecret, .nullCipher, .pskOrSRP]),
        .init(0x002E, "RSA-PSK-NULL-SHA", [.nullCipher, .pskOrSRP]),
        .init(0x002F, "AES128-SHA", [.cbc]),
        .init(0x0032, "DHE-DSS-AES128-SHA", [.forwardSecret, .cbc]),
        .init(0x0033, "DHE-RSA-AES128-SHA", [.forwardSecret, .cbc]),
        .init(0x0034, "ADH-AES128-SHA", [.forwardSecret, .anonymous, .cbc]),
        .init(0x0035, "AES256-SHA", [.cbc]),
        .init(0x0038, "DHE-DSS-AES256-SHA", [.forwardSecret, .cbc]),
        .init(0x0039, "DHE-RSA-AES256-SHA", [.forwardSecret, .cbc]),
        .init(0x003A, "ADH-AES256-SHA", [.forwardSecret, .anonymous, .cbc]),
        .init(0x003B, "NULL-SHA256", [.nullCipher]),
        .init(0x003C, "AES128-SHA256", [.cbc]),
        .init(0x003D, "AES256-SHA256", [.cbc]),
        .init(0x0040, "DHE-DSS-AES128-SHA256", [.forwardSecret, .cbc]),
        .init(0x0041, "CAMELLIA128-SHA", [.cbc]),
        .init(0x0044, "DHE-DSS-CAMELLIA128-SHA", [.forwardSecret, .cbc]),
        .init(0x0045, "DHE-RSA-CAMELLIA128-SHA", [.forwardSecret, .cbc]),
        .init(0x0046, "ADH-CAMELLIA128-SHA", [.forwardSecret, .anonymous, .cbc]),
        .init(0x0067, "DHE-RSA-AES128-SHA256", [.forwardSecret, .cbc]),
        .init(0x006A, "DHE-DSS-AES256-SHA256", [.forwardSecret, .cbc]),
        .init(0x006B, "DHE-RSA-AES256-SHA256", [.forwardSecret, .cbc]),
        .init(0x006C, "ADH-AES128-SHA256", [.forwardSecret, .anonymous, .cbc]),
        .init(0x006D, "ADH-AES256-SHA256", [.forwardSecret, .anonymous, .cbc]),
        .init(0x0084, "CAMELLIA256-SHA", [.cbc]),
        .init(0x0087, "DHE-DSS-CAMELLIA256-SHA", [.forwardSecret, .cbc]),
        .init(0x0088, "DHE-RSA-CAMELLIA256-SHA", [.forwardSecret, .cbc]),
        .init(0x0089, "ADH-CAMELLIA256-SHA", [.forwardSecret, .anonymous, .cbc]),
        .init(0x008A, "PSK-RC4-SHA", [.rc4, .pskOrSRP]),
        .init(0x008B, "PSK-3DES-EDE-CBC-SHA", [.legacyBlockCipher, .cbc, .pskOrSRP]),
        .init(0x008C, "PSK-AES128-CBC-SHA", [.cbc, .pskOrSRP]),
        .init(0x008D, "PSK-AES256-CBC-SHA", [.cbc, .pskOrSRP]),
        .init(0x008E, "DHE-PSK-RC4-SHA", [.forwardSecret, .rc4, .pskOrSRP]),
        .init(0x008F, "DHE-PSK-3DES-EDE-CBC-SHA", [.forwardSecret, .legacyBlockCipher, .cbc, .pskOrSRP]),
        .init(0x0090, "DHE-PSK-AES128-CBC-SHA", [.forwardSecret, .cbc, .pskOrSRP]),
        .init(0x0091, "DHE-PSK-AES256-CBC-SHA", [.forwardSecret, .cbc, .pskOrSRP]),
        .init(0x0092, "RSA-PSK-RC4-SHA", [.rc4, .pskOrSRP]),
        .init(0x0093, "RSA-PSK-3DES-EDE-CBC-SHA", [.legacyBlockCipher, .cbc, .pskOrSRP]),
        .init(0x0094, "RSA-PSK-AES128-CBC-SHA", [.cbc, .pskOrSRP]),
        .init(0x0095, "RSA-PSK-AES256-CBC-SHA", [.cbc, .pskOrSRP]),
        .init(0x0096, "SEED-SHA", [.cbc]),
        .init(0x0099, "DHE-DSS-SEED-SHA", [.forwardSecret, .cbc]),
        .init(0x009A, "DHE-RSA-SEED-SHA", [.forwardSecret, .cbc]),
        .init(0x009B, "ADH-SEED-SHA", [.forwardSecret, .anonymous, .cbc]),
        .init(0x009C, "AES128-GCM-SHA256", [.aead]),
        .init(0x009D, "AES256-GCM-SHA384", [.aead]),
        .init(0x009E, "DHE-RSA-AES128-GCM-SHA256", [.aead, .forwardSecret]),
        .init(0x009F, "DHE-RSA-AES256-GCM-SHA384", [.aead, .forwardSecret]),
        .init(0x00A2, "DHE-DSS-AES128-GCM-SHA256", [.aead, .forwardSecret]),
        .init(0x00A3, "DHE-DSS-AES256-GCM-SHA384", [.aead, .forwardSecret]),
        .init(0x00A6, "ADH-AES128-GCM-SHA256", [.aead, .forwardSecret, .anonymous]),
        .init(0x00A7, "ADH-AES256-GCM-SHA384", [.aead, .forwardSecret, .anonymous]),
        .init(0x00A8, "PSK-AES128-GCM-SHA256", [.aead, .pskOrSRP]),
        .init(0x00A9, "PSK-AES256-GCM-SHA384", [.aead, .pskOrSRP]),
        .init(0x00AA, "DHE-PSK-AES128-GCM-SHA256", [.aead, .forwardSecret, .pskOrSRP]),
        .init(0x00AB, "DHE-PSK-AES256-GCM-SHA384", [.aead, .forwardSecret, .pskOrSRP]),
        .init(0x00AC, "RSA-PSK-AES128-GCM-SHA256", [.aead, .pskOrSRP]),
        .init(0x00AD, "RSA-PSK-AES256-GCM-SHA384", [.aead, .pskOrSRP]),
        .init(0x00AE, "PSK-AES128-CBC-SHA256", [.cbc, .pskOrSRP]),
        .init(0x00AF, "PSK-AES256-CBC-SHA384", [.cbc, .pskOrSRP]),
        .init(0x00B0, "PSK-NULL-SHA256", [.nullCipher, .pskOrSRP]),
        .init(0x00B1, "PSK-NULL-SHA384", [.nullCipher, .pskOrSRP]),
        .init(0x00B2, "DHE-PSK-AES128-CBC-SHA256", [.forwardSecret, .cbc, .pskOrSRP]),
        .init(0x00B3, "DHE-PSK-AES256-CBC-SHA384", [.forwardSecret, .cbc, .pskOrSRP]),
        .init(0x00B4, "DHE-PSK-NULL-SHA256", [.forwardSecret, .nullCipher, .pskOrSRP]),
        .init(0x00B5, "DHE-PSK-NULL-SHA384", [.forwardSecret, .nullCipher, .pskOrSRP]),
        .init(0x00B6, "RSA-PSK-AES128-CBC-SHA256", [.cbc, .pskOrSRP]),
        .init(0x00B7, "RSA-PSK-AES256-CBC-SHA384", [.cbc, .pskOrSRP]),
        .init(0x00B8, "RSA-PSK-NULL-SHA256", [.nullCipher, .pskOrSRP]),
        .init(0x00B9, "RSA-PSK-NULL-SHA384", [.nullCipher, .pskOrSRP]),
        .init(0x00BA, "CAMELLIA128-SHA256", [.cbc]),
        .init(0x00BD, "DHE-DSS-CAMELLIA128-SHA256", [.forwardSecret, .cbc]),
        .init(0x00BE, "DHE-RSA-CAMELLIA128-SHA256", [.forwardSecret, .cbc]),
        .init(0x00BF, "ADH-CAMELLIA128-SHA256", [.forwardSecret, .anonymous, .cbc]),
        .init(0x00C0, "CAMELLIA256-SHA256", [.cbc]),
        .init(0x00C3, "DHE-DSS-CAMELLIA256-SHA256", [.forwardSecret, .cbc]),
        .init(0x00C4, "DHE-RSA-CAMELLIA256-SHA256", [.forwardSecret, .cbc]),
        .init(0x00C5, "ADH-CAMELLIA256-SHA256", [.forwardSecret, .anonymous, .cbc]),
        .init(0x00FF, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV", [.signaling]),
        .init(0x1301, "TLS_AES_128_GCM_SHA256", [.tls13, .aead, .forwardSecret, .fipsApproved]),
        .init(0x1302, "TLS_AES_256_GCM_SHA384", [.tls13, .aead, .forwardSecret, .fipsApproved]),
        .init(0x1303, "TLS_CHACHA20_POLY1305_SHA256", [.tls13, .aead, .forwardSecret]),
        .init(0x1304, "TLS_AES_128_CCM_SHA256", [.tls13, .aead, .forwardSecret]),
        .init(0x1305, "TLS_AES_128_CCM_8_SHA256", [.tls13, .aead, .forwardSecret, .ccm8]),
        .init(0x5600, "TLS_FALLBACK_SCSV", [.signaling]),
        .init(0xC001, "ECDH-ECDSA-NULL-SHA", [.nullCipher]),
        .init(0xC002, "ECDH-ECDSA-RC4-SHA", [.rc4]),
        .init(0xC003, "ECDH-ECDSA-DES-CBC3-SHA", [.legacyBlockCipher, .cbc]),
        .init(0xC004, "ECDH-ECDSA-AES128-SHA", [.cbc]),
        .init(0xC005, "ECDH-ECDSA-AES256-SHA", [.cbc]),
        .init(0xC006, "ECDHE-ECDSA-NULL-SHA", [.forwardSecret, .nullCipher]),
        .init(0xC007, "ECDHE-ECDSA-RC4-SHA", [.forwardSecret, .rc4]),
        .init(0xC008, "ECDHE-ECDSA-DES-CBC3-SHA", [.forwardSecret, .legacyBlockCipher, .cbc]),
        .init(0xC009, "ECDHE-ECDSA-AES128-SHA", [.forwardSecret, .cbc]),
        .init(0xC00A, "ECDHE-ECDSA-AES256-SHA", [.forwardSecret, .cbc]),
        .init(0xC00B, "ECDH-RSA-NULL-SHA", [.nullCipher]),
        .init(0xC00C, "ECDH-RSA-RC4-SHA", [.rc4]),
        .init(0xC00D, "ECDH-RSA-DES-CBC3-SHA", [.legacyBlockCipher, .cbc]),
        .init(0xC00E, "ECDH-RSA-AES128-SHA", [.cbc]),
        .init(0xC00F, "ECDH-RSA-AES256-SHA", [.cbc]),
        .init(0xC010, "ECDHE-RSA-NULL-SHA", [.forwardSecret, .nullCipher]),
        .init(0xC011, "ECDHE-RSA-RC4-SHA", [.forwardSecret, .rc4]),
        .init(0xC012, "ECDHE-RSA-DES-CBC3-SHA", [.forwardSecret, .legacyBlockCipher, .cbc]),
        .init(0xC013, "ECDHE-RSA-AES128-SHA", [.forwardSecret, .cbc]),
        .init(0xC014, "ECDHE-RSA-AES256-SHA", [.forwardSecret, .cbc]),
        .init(0xC015, "AECDH-NULL-SHA", [.forwardSecret, .anonymous, .nullCipher]),
        .init(0xC016, "AECDH-RC4-SHA", [.forwardSecret, .anonymous, .rc4]),
        .init(0xC017, "AECDH-DES-CBC3-SHA", [.forwardSecret, .anonymous, .legacyBlockCipher, .cbc]),
        .init(0xC018, "AECDH-AES128-SHA", [.forwardSecret, .anonymous, .cbc]),
        .init(0xC019, "AECDH-AES256-SHA", [.forwardSecret, .anonymous, .cbc]),
        .init(0xC01A, "SRP-3DES-EDE-CBC-SHA", [.legacyBlockCipher, .cbc, .pskOrSRP]),
        .init(0xC01B, "SRP-RSA-3DES-EDE-CBC-SHA", [.legacyBlockCipher, .cbc, .pskOrSRP]),
        .init(0xC01C, "SRP-DSS-3DES-EDE-CBC-SHA", [.legacyBlockCipher, .cbc, .pskOrSRP]),
        .init(0xC01D, "SRP-AES-128-CBC-SHA", [.cbc, .pskOrSRP]),
        .init(0xC01E, "SRP-RSA-AES-128-CBC-SHA", [.cbc, .pskOrSRP]),
        .init(0xC01F, "SRP-DSS-AES-128-CBC-SHA", [.cbc, .pskOrSRP]),
        .init(0xC020, "SRP-AES-256-CBC-SHA", [.cbc, .pskOrSRP]),
        .init(0xC021, "SRP-RSA-AES-256-CBC-SHA", [.cbc, .pskOrSRP]),
        .init(0xC022, "SRP-DSS-AES-256-CBC-SHA", [.cbc, .pskOrSRP]),
        .init(0xC023, "ECDHE-ECDSA-AES128-SHA256", [.forwardSecret, .cbc]),
        .init(0xC024, "ECDHE-ECDSA-AES256-SHA384", [.forwardSecret, .cbc]),
        .init(0xC025, "ECDH-ECDSA-AES128-SHA256", [.cbc]),
        .init(0xC026, "ECDH-ECDSA-AES256-SHA384", [.cbc]),
        .init(0xC027, "ECDHE-RSA-AES128-SHA256", [.forwardSecret, .cbc]),
        .init(0xC028, "ECDHE-RSA-AES256-SHA384", [.forwardSecret, .cbc]),
        .init(0xC029, "ECDH-RSA-AES128-SHA256", [.cbc]),
        .init(0xC02A, "ECDH-RSA-AES256-SHA384", [.cbc]),
        .init(0xC02B, "ECDHE-ECDSA-AES128-GCM-SHA256", [.aead, .forwardSecret, .fipsApproved]),
        .init(0xC02C, "ECDHE-ECDSA-AES256-GCM-SHA384", [.aead, .forwardSecret, .fipsApproved]),
        .init(0xC02D, "ECDH-ECDSA-AES128-GCM-SHA256", [.aead]),
        .init(0xC02E, "ECDH-ECDSA-AES256-GCM-SHA384", [.aead]),
        .init(0xC02F, "ECDHE-RSA-AES128-GCM-SHA256", [.aead, .forwardSecret, .fipsApproved]),
        .init(0xC030, "ECDHE-RSA-AES256-GCM-SHA384", [.aead, .forwardSecret, .fipsApproved]),
        .init(0xC031, "ECDH-RSA-AES128-GCM-SHA256", [.aead]),
        .init(0xC032, "ECDH-RSA-AES256-GCM-SHA384", [.aead]),
        .init(0xC033, "ECDHE-PSK-RC4-SHA", [.forwardSecret, .rc4, .pskOrSRP]),
        .init(0xC034, "ECDHE-PSK-3DES-EDE-CBC-SHA", [.forwardSecret, .legacyBlockCipher, .cbc, .pskOrSRP]),
        .init(0xC035, "ECDHE-PSK-AES128-CBC-SHA", [.forwardSecret, .cbc, .pskOrSRP]),
        .init(0xC036, "ECDHE-PSK-AES256-CBC-SHA", [.forwardSecret, .cbc, .pskOrSRP]),
        .init(0xC037, "ECDHE-PSK-AES128-CBC-SHA256", [.forwardSecret, .cbc, .pskOrSRP]),
        .init(0xC038, "ECDHE-PSK-AES256-CBC-SHA384", [.forwardSecret, .cbc, .pskOrSRP]),
        .init(0xC039, "ECDHE-PSK-NULL-SHA", [.forwardSecret, .nullCipher, .pskOrSRP]),
        .init(0xC03A, "ECDHE-PSK-NULL-SHA256", [.forwardSecret, .nullCipher, .pskOrSRP]),
        .init(0xC03B, "ECDHE-PSK-NULL-SHA384", [.forwardSecret, .nullCipher, .pskOrSRP]),
        .init(0xC050, "ARIA128-GCM-SHA256", [.aead]),
        .init(0xC051, "ARIA256-GCM-SHA384", [.aead]),
        .init(0xC052, "DHE-RSA-ARIA128-GCM-SHA256", [.aead, .forwardSecret]),
        .init(0xC053, "DHE-RSA-ARIA256-GCM-SHA384", [.aead, .forwardSecret]),
        .init(0xC056, "DHE-DSS-ARIA128-GCM-SHA256", [.aead, .forwardSecret]),
        .init(0xC057, "DHE-DSS-ARIA256-GCM-SHA384", [.aead, .forwardSecret]),
        .init(0xC05C, "ECDHE-ECDSA-ARIA128-GCM-SHA256", [.aead, .forwardSecret]),
        .init(0xC05D, "ECDHE-ECDSA-ARIA256-GCM-SHA384", [.aead, .forwardSecret]),
        .init(0xC060, "ECDHE-ARIA128-GCM-SHA256", [.aead, .forwardSecret]),
        .init(0xC061, "ECDHE-ARIA256-GCM-SHA384", [.aead, .forwardSecret]),
        .init(0xC06A, "PSK-ARIA128-GCM-SHA256", [.aead, .pskOrSRP]),
        .init(0xC06B, "PSK-ARIA256-GCM-SHA384", [.aead, .pskOrSRP]),
        .init(0xC06C, "DHE-PSK-ARIA128-GCM-SHA256", [.aead, .forwardSecret, .pskOrSRP]),
        .init(0xC06D, "DHE-PSK-ARIA256-GCM-SHA384", [.aead, .forwardSecret, .pskOrSRP]),
        .init(0xC06E, "RSA-PSK-ARIA128-GCM-SHA256", [.aead, .pskOrSRP]),
        .init(0xC06F, "RSA-PSK-ARIA256-GCM-SHA384", [.aead, .pskOrSRP]),
        .init(0xC072, "ECDHE-ECDSA-CAMELLIA128-SHA256", [.forwardSecret, .cbc]),
        .init(0xC073, "ECDHE-ECDSA-CAMELLIA256-SHA384", [.forwardSecret, .cbc]),
        .init(0xC076, "ECDHE-RSA-CAMELLIA128-SHA256", [.forwardSecret, .cbc]),
        .init(0xC077, "ECDHE-RSA-CAMELLIA256-SHA384", [.forwardSecret, .cbc]),
        .init(0xC094, "PSK-CAMELLIA128-SHA256", [.cbc, .pskOrSRP]),
        .init(0xC095, "PSK-CAMELLIA256-SHA384", [.cbc, .pskOrSRP]),
        .init(0xC096, "DHE-PSK-CAMELLIA128-SHA256", [.forwardSecret, .cbc, .pskOrSRP]),
        .init(0xC097, "DHE-PSK-CAMELLIA256-SHA384", [.forwardSecret, .cbc, .pskOrSRP]),
        .init(0xC098, "RSA-PSK-CAMELLIA128-SHA256", [.cbc, .pskOrSRP]),
        .init(0xC099, "RSA-PSK-CAMELLIA256-SHA384", [.cbc, .pskOrSRP]),
        .init(0xC09A, "ECDHE-PSK-CAMELLIA128-SHA256", [.forwardSecret, .cbc, .pskOrSRP]),
        .init(0xC09B, "ECDHE-PSK-CAMELLIA256-SHA384", [.forwardSecret, .cbc, .pskOrSRP]),
        .init(0xC09C, "AES128-CCM", [.aead]),
        .init(0xC09D, "AES256-CCM", [.aead]),
        .init(0xC09E, "DHE-RSA-AES128-CCM", [.aead, .forwardSecret]),
        .init(0xC09F, "DHE-RSA-AES256-CCM", [.aead, .forwardSecret]),
        .init(0xC0A0, "AES128-CCM8", [.aead, .ccm8]),
        .init(0xC0A1, "AES256-CCM8", [.aead, .ccm8]),
        .init(0xC0A2, "DHE-RSA-AES128-CCM8", [.aead, .forwardSecret, .ccm8]),
        .init(0xC0A3, "DHE-RSA-AES256-CCM8", [.aead, .forwardSecret, .ccm8]),
        .init(0xC0A4, "PSK-AES128-CCM", [.aead, .pskOrSRP]),
        .init(0xC0A5, "PSK-AES256-CCM", [.aead, .pskOrSRP]),
        .init(0xC0A6, "DHE-PSK-AES128-CCM", [.aead, .forwardSecret, .pskOrSRP]),
        .init(0xC0A7, "DHE-PSK-AES256-CCM", [.aead, .forwardSecret, .pskOrSRP]),
        .init(0xC0A8, "PSK-AES128-CCM8", [.aead, .ccm8, .pskOrSRP]),
        .init(0xC0A9, "PSK-AES256-CCM8", [.aead, .ccm8, .pskOrSRP]),
        .init(0xC0AA, "DHE-PSK-AES128-CCM8", [.aead, .forwardSecret, .ccm8, .pskOrSRP]),
        .init(0xC0AB, "DHE-PSK-AES256-CCM8", [.aead, .forwardSecret, .ccm8, .pskOrSRP]),
        .init(0xC0AC, "ECDHE-ECDSA-AES128-CCM", [.aead, .forwardSecret]),
        .init(0xC0AD, "ECDHE-ECDSA-AES256-CCM", [.aead, .forwardSecret]),
        .init(0xC0AE, "ECDHE-ECDSA-AES128-CCM8", [.aead, .forwardSecret, .ccm8]),
        .init(0xC0AF, "ECDHE-ECDSA-AES256-CCM8", [.aead, .forwardSecret, .ccm8]),
        .init(0xCCA8, "ECDHE-RSA-CHACHA20-POLY1305", [.aead, .forwardSecret]),
        .init(0xCCA9, "ECDHE-ECDSA-CHACHA20-POLY1305", [.aead, .forwardSecret]),
        .init(0xCCAA, "DHE-RSA-CHACHA20-POLY1305", [.aead, .forwardSecret]),
        .init(0xCCAB, "PSK-CHACHA20-POLY1305", [.aead, .pskOrSRP]),
        .init(0xCCAC, "ECDHE-PSK-CHACHA20-POLY1305", [.aead, .forwardSecret, .pskOrSRP]),
        .init(0xCCAD, "DHE-PSK-CHACHA20-POLY1305", [.aead, .forwardSecret, .pskOrSRP]),
        .init(0xCCAE, "RSA-PSK-CHACHA20-POLY1305", [.aead, .pskOrSRP]),
    ]
}
