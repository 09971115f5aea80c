/// The RFC 8446 §4.1.3 downgrade protection value a TLS 1.3-capable server writes into the last
/// 8 bytes of its random when it negotiates a lower version.
public enum DowngradeSentinel: Sendable, Equatable {
    /// 44 4F 57 4E 47 52 44 01 ("DOWNGRD\x01"): the server negotiated TLS 1.2.
    case tls12
    /// 44 4F 57 4E 47 52 44 00 ("DOWNGRD\x00"): the server negotiated TLS 1.1 or below.
    case tls11OrBelow
}

/// What tlsgate needs to know from a server's ServerHello (or HelloRetryRequest).
public struct ServerHelloInfo: Sendable, Equatable {
    /// `legacy_version` (0x0303 for TLS 1.2 and 1.3 servers).
    public let legacyVersion: UInt16
    /// The negotiated version: supported_versions (extension 43) when present, else `legacyVersion`.
    public let selectedVersion: UInt16
    /// The selected cipher suite.
    public let cipherSuite: UInt16
    /// `random`, 32 bytes.
    public let random: [UInt8]
    /// Set when the last 8 bytes of `random` are a downgrade sentinel, whatever the version.
    /// A client that offered a higher version than `selectedVersion` must abort on it.
    public let downgradeSentinel: DowngradeSentinel?
    /// The message is a HelloRetryRequest (its random is SHA-256("HelloRetryRequest")): the
    /// server chose TLS 1.3 and asks the client for a second ClientHello.
    public let isHelloRetryRequest: Bool
    /// The ALPN protocol selected in the ServerHello (TLS 1.2 and below only; TLS 1.3 servers
    /// send ALPN encrypted, so it is nil there).
    public let alpn: String?
    /// The selected compression method (0 = none).
    public let compressionMethod: UInt8
    /// Extension types in the order sent.
    public let extensionTypes: [UInt16]

    public init(
        legacyVersion: UInt16,
        selectedVersion: UInt16,
        cipherSuite: UInt16,
        random: [UInt8],
        downgradeSentinel: DowngradeSentinel?,
        isHelloRetryRequest: Bool,
        alpn: String?,
        compressionMethod: UInt8,
        extensionTypes: [UInt16]
    ) {
        self.legacyVersion = legacyVersion
        self.selectedVersion = selectedVersion
        self.cipherSuite = cipherSuite
        self.random = random
        self.downgradeSentinel = downgradeSentinel
        self.isHelloRetryRequest = isHelloRetryRequest
        self.alpn = alpn
        self.compressionMethod = compressionMethod
        self.extensionTypes = extensionTypes
    }

    /// OpenSSL's name of the selected cipher suite.
    public var cipherName: String { CipherSuiteInfo.name(cipherSuite) }

    /// OpenSSL's name of the selected version ("TLSv1.2").
    public var versionName: String { TLSVersionName.name(selectedVersion) }
}

/// The result of `ServerHelloParser.parse`.
public enum ServerHelloParse: Sendable, Equatable {
    /// The bytes so far are a valid prefix; call again with more.
    case needMoreData
    /// A whole ServerHello was parsed. Whatever follows it (Certificate, ...) is ignored.
    case complete(ServerHelloInfo)
    /// The server answered with an alert record (e.g. protocol_version, handshake_failure,
    /// inappropriate_fallback) before or instead of its ServerHello.
    case alert(TLSAlert)
    /// The stream is not TLS (e.g. a plain HTTP response).
    case notTLS(String)
    /// TLS records, but not a valid ServerHello.
    case malformed(String)
    /// The ServerHello cannot fit in `ServerHelloParser.maxBufferedBytes`.
    case tooLarge
}
