/// Names and policy classes of TLS cipher suites, by IANA id.
///
/// Backed by a static sorted table (`CipherSuiteTable`, ~220 suites): a lookup is a binary
/// search, nothing is built per call.
public enum CipherSuiteInfo {
    /// OpenSSL's name ("TLS_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "RC4-SHA", ...),
    /// the IANA name for the signaling values ("TLS_FALLBACK_SCSV"), or "0x%04x" when unknown.
    public static func name(_ id: UInt16) -> String {
        CipherSuiteTable.entry(id)?.name ?? Hex.word(id)
    }

    /// True when the suite should not be negotiated.
    ///
    /// Weak: no AEAD (CBC + MAC, RC4, NULL), DES/3DES/RC2, EXPORT grade, anonymous (no server
    /// authentication), AES-CCM_8 (truncated tag), and any id this table does not know.
    /// With `minVersion13`, everything that is not a TLS 1.3 suite is weak (and CCM_8 still is).
    /// Signaling values (TLS_EMPTY_RENEGOTIATION_INFO_SCSV, TLS_FALLBACK_SCSV) and GREASE are
    /// not ciphers and are never weak: skip them with `isSignalingValue` when classifying offers.
    /// Static-RSA/ECDH key exchange with AES-GCM is *not* counted weak here: see `isForwardSecret`.
    public static func isWeak(_ id: UInt16, minVersion13: Bool) -> Bool {
        guard let entry = CipherSuiteTable.entry(id) else { return !GREASE.isGREASE(id) }
        let traits = entry.traits
        if traits.contains(.signaling) { return false }
        if traits.contains(.ccm8) { return true }
        if minVersion13 { return !traits.contains(.tls13) }
        if !traits.contains(.aead) { return true }
        let bad: CipherSuiteTable.Traits = [.anonymous, .nullCipher, .rc4, .legacyBlockCipher, .export, .cbc]
        return !traits.isDisjoint(with: bad)
    }

    /// FIPS 140 approved for this proxy's purposes: the TLS 1.3 AES-GCM suites
    /// (0x1301, 0x1302) and TLS 1.2 ECDHE with AES-GCM (0xc02b, 0xc02c, 0xc02f, 0xc030).
    public static func isFIPSApproved(_ id: UInt16) -> Bool {
        CipherSuiteTable.entry(id)?.traits.contains(.fipsApproved) ?? false
    }

    /// A TLS 1.3 suite (0x1301...0x1305).
    public static func isTLS13(_ id: UInt16) -> Bool {
        CipherSuiteTable.entry(id)?.traits.contains(.tls13) ?? false
    }

    /// Ephemeral key exchange: ECDHE, DHE, or any TLS 1.3 suite. False for static RSA/ECDH,
    /// plain PSK, SRP, signaling values and unknown ids.
    public static func isForwardSecret(_ id: UInt16) -> Bool {
        CipherSuiteTable.entry(id)?.traits.contains(.forwardSecret) ?? false
    }

    /// Not a real cipher suite: the two SCSVs (0x00ff, 0x5600) or a GREASE value.
    public static func isSignalingValue(_ id: UInt16) -> Bool {
        id == 0x00ff || id == 0x5600 || GREASE.isGREASE(id)
    }

    /// TLS_FALLBACK_SCSV (RFC 7507).
    public static let fallbackSCSV: UInt16 = 0x5600
    /// TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746).
    public static let emptyRenegotiationInfoSCSV: UInt16 = 0x00ff
}
