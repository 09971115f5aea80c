/// What tlsgate needs to know from a client's ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2).
///
/// GREASE values (RFC 8701) are removed from every list.
public struct ClientHelloInfo: Sendable, Equatable {
    /// `legacy_version` (0x0303 for TLS 1.2 and 1.3 clients).
    public let legacyVersion: UInt16
    /// `random`, 32 bytes.
    public let random: [UInt8]
    /// The offered cipher suites in client order, including signaling values
    /// (TLS_FALLBACK_SCSV, TLS_EMPTY_RENEGOTIATION_INFO_SCSV).
    public let cipherSuites: [UInt16]
    /// TLS_FALLBACK_SCSV (0x5600, RFC 7507) is among the cipher suites: the client is retrying
    /// with a lower version after a failed attempt.
    public let hasFallbackSCSV: Bool
    /// The SNI host_name (extension 0), lower-cased and without a trailing dot; nil when absent.
    public let serverName: String?
    /// The SNI host_name exactly as sent (already checked to be a DNS name: letters, digits,
    /// '-', '_', '.'); nil when absent.
    public let rawServerName: String?
    /// ALPN protocol names (extension 16) in client order; empty when absent.
    public let alpn: [String]
    /// The supported_versions extension (43) in client order; empty when absent.
    public let supportedVersions: [UInt16]
    /// Extension types in the order sent.
    public let extensionTypes: [UInt16]

    public init(
        legacyVersion: UInt16,
        random: [UInt8],
        cipherSuites: [UInt16],
        hasFallbackSCSV: Bool,
        serverName: String?,
        rawServerName: String?,
        alpn: [String],
        supportedVersions: [UInt16],
        extensionTypes: [UInt16]
    ) {
        self.legacyVersion = legacyVersion
        self.random = random
        self.cipherSuites = cipherSuites
        self.hasFallbackSCSV = hasFallbackSCSV
        self.serverName = serverName
        self.rawServerName = rawServerName
        self.alpn = alpn
        self.supportedVersions = supportedVersions
        self.extensionTypes = extensionTypes
    }

    /// The highest version offered: the maximum of supported_versions when that extension lists
    /// any (non-GREASE) version, else `legacyVersion`.
    public var highestVersion: UInt16 {
        supportedVersions.max() ?? legacyVersion
    }

    /// True when `type` was among the extensions.
    public func hasExtension(_ type: UInt16) -> Bool {
        extensionTypes.contains(type)
    }
}

/// The result of `ClientHelloParser.parse`.
public enum ClientHelloParse: Sendable, Equatable {
    /// The bytes so far are a valid prefix; call again with more.
    case needMoreData
    /// A whole ClientHello was parsed. Bytes after it are ignored.
    case complete(ClientHelloInfo)
    /// The stream is not TLS at all (plain HTTP, SSLv2-compatible hello, binary garbage).
    case notTLS(String)
    /// TLS records, but not a valid ClientHello.
    case malformed(String)
    /// The ClientHello cannot fit in `ClientHelloParser.maxBufferedBytes`.
    case tooLarge
}
