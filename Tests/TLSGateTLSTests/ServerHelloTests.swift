import Testing
@testable import TLSGateTLS

/// Real server replies captured from openssl s_server (see Fixtures/capture.py), plus synthetic ones.
@Suite struct ServerHelloTests {
    static let all: [(String, [UInt8])] = [
        ("serverTLS13", CapturedHellos.serverTLS13),
        ("serverTLS12Downgrade", CapturedHellos.serverTLS12Downgrade),
        ("serverTLS11Downgrade", CapturedHellos.serverTLS11Downgrade),
        ("serverTLS11Only", CapturedHellos.serverTLS11Only),
        ("serverTLS12ALPN", CapturedHellos.serverTLS12ALPN),
        ("serverHRR", CapturedHellos.serverHRR),
        ("alertProtocolVersion", CapturedHellos.alertProtocolVersion),
        ("alertInappropriateFallback", CapturedHellos.alertInappropriateFallback),
    ]

    func parsed(_ bytes: [UInt8]) throws -> ServerHelloInfo {
        let result = ServerHelloParser.parse(bytes)
        return try #require(result.info, "\(result)")
    }

    @Test func tls13() throws {
        let hello = try parsed(CapturedHellos.serverTLS13)
        #expect(hello.legacyVersion == 0x0303)
        #expect(hello.selectedVersion == 0x0304)
        #expect(hello.versionName == "TLSv1.3")
        #expect(hello.cipherSuite == 0x1302)
        #expect(hello.cipherName == "TLS_AES_256_GCM_SHA384")
        #expect(hello.downgradeSentinel == nil)
        #expect(!hello.isHelloRetryRequest)
        #expect(hello.alpn == nil)
        #expect(hello.compressionMethod == 0)
        #expect(hello.random.count == 32)
        #expect(hello.extensionTypes.contains(43) && hello.extensionTypes.contains(51))
        #expect(!CipherSuiteInfo.isWeak(hello.cipherSuite, minVersion13: true))
    }

    /// A TLS 1.3-capable server talking to a TLS 1.2-only client marks DOWNGRD\x01.
    @Test func tls12WithDowngradeSentinel() throws {
        let hello = try parsed(CapturedHellos.serverTLS12Downgrade)
        #expect(hello.selectedVersion == 0x0303)
        #expect(!hello.extensionTypes.contains(43))
        #expect(hello.downgradeSentinel == .tls12)
        #expect(hello.cipherName == "ECDHE-RSA-AES256-GCM-SHA384")
        #expect(CipherSuiteInfo.isFIPSApproved(hello.cipherSuite))
        #expect(!CipherSuiteInfo.isWeak(hello.cipherSuite, minVersion13: false))
        #expect(CipherSuiteInfo.isWeak(hello.cipherSuite, minVersion13: true))
    }

    /// A TLS 1.2-capable server talking to a TLS 1.1-only client marks DOWNGRD\x00.
    @Test func tls11WithDowngradeSentinel() throws {
        let hello = try parsed(CapturedHellos.serverTLS11Downgrade)
        #expect(hello.legacyVersion == 0x0302)
        #expect(hello.selectedVersion == 0x0302)
        #expect(hello.versionName == "TLSv1.1")
        #expect(hello.downgradeSentinel == .tls11OrBelow)
        #expect(hello.cipherName == "ECDHE-RSA-AES256-SHA")
        #expect(CipherSuiteInfo.isWeak(hello.cipherSuite, minVersion13: false))
    }

    @Test func tls11OnlyServerHasNoSentinel() throws {
        let hello = try parsed(CapturedHellos.serverTLS11Only)
        #expect(hello.selectedVersion == 0x0302)
        #expect(hello.downgradeSentinel == nil)
    }

    @Test func tls12WithALPN() throws {
        let hello = try parsed(CapturedHellos.serverTLS12ALPN)
        #expect(hello.selectedVersion == 0x0303)
        #expect(hello.alpn == "h2")
        #expect(hello.downgradeSentinel == nil)
    }

    @Test func helloRetryRequest() throws {
        let hello = try parsed(CapturedHellos.serverHRR)
        #expect(hello.isHelloRetryRequest)
        #expect(hello.random == ServerHelloParser.helloRetryRequestRandom)
        #expect(hello.selectedVersion == 0x0304)
        #expect(hello.downgradeSentinel == nil)
    }

    @Test func alerts() {
        #expect(ServerHelloParser.parse(CapturedHellos.alertProtocolVersion)
                == .alert(TLSAlert(level: 2, description: TLSAlert.protocolVersion)))
        #expect(ServerHelloParser.parse(CapturedHellos.alertInappropriateFallback)
                == .alert(.fatal(TLSAlert.inappropriateFallback)))
        if case .alert(let alert) = ServerHelloParser.parse(CapturedHellos.alertProtocolVersion) {
            #expect(alert.name == "protocol_version")
            #expect(alert.isFatal)
        }
    }

    /// Every prefix shorter than the ServerHello (or alert) needs more data; from then on the
    /// result is the same whatever follows.
    @Test(arguments: all.map(\.0))
    func everySplitPoint(_ name: String) throws {
        let bytes = try #require(Self.all.first { $0.0 == name }?.1)
        let expected = ServerHelloParser.parse(bytes)
        #expect(expected != .needMoreData)
        let end = bytes[0] == 0x15 ? 7 : Wire.firstRecordLength(bytes)
        bytes.withUnsafeBytes { raw in
            for cut in 0...bytes.count {
                let result = ServerHelloParser.parse(UnsafeRawBufferPointer(rebasing: raw[0..<cut]))
                let want = cut < end ? .needMoreData : expected
                if result != want {
                    Issue.record("\(name): prefix \(cut) gave \(result)")
                    return
                }
            }
        }
    }

    @Test(arguments: [1, 3, 4, 10, 64])
    func refragmented(_ size: Int) throws {
        for (name, bytes) in Self.all where bytes[0] == 0x16 {
            let expected = try parsed(bytes)
            let helloLength = Wire.firstRecordLength(bytes) - 5
            let stream = Array(Wire.handshakeStream(bytes).prefix(helloLength))
            let fragmented = Wire.records(stream, size: size, version: 0x0303)
            #expect(ServerHelloParser.parse(fragmented) == .complete(expected), "\(name)")
            #expect(ServerHelloParser.parse(Array(fragmented.dropLast())) == .needMoreData, "\(name)")
        }
    }

    /// ServerHello and Certificate coalesced into one record: stop after the ServerHello.
    @Test func followedByCertificateInTheSameRecord() throws {
        let bytes = CapturedHellos.serverTLS12Downgrade
        let expected = try parsed(bytes)
        let stream = Wire.handshakeStream(bytes)
        let coalesced = Wire.records(stream, size: 16384, version: 0x0303)
        #expect(ServerHelloParser.parse(coalesced) == .complete(expected))
        // Truncated inside the Certificate: already complete.
        let helloLength = Wire.firstRecordLength(bytes) - 5
        #expect(ServerHelloParser.parse(Array(coalesced.prefix(5 + helloLength + 10))) == .complete(expected))
    }

    @Test func alertAfterPartialServerHello() {
        let message = Wire.serverHello()
        let partial = Wire.records(Array(message[0..<30]), version: 0x0303)
        let alert = TLSAlert.record(TLSAlert.handshakeFailure)
        #expect(ServerHelloParser.parse(partial + alert) == .alert(.fatal(40)))
        #expect(ServerHelloParser.parse(partial + alert.prefix(6)) == .needMoreData)
    }

    @Test func alertRecordEdges() {
        #expect(ServerHelloParser.parse([0x15, 0x03, 0x03, 0x00, 0x02, 0x02]) == .needMoreData)
        #expect(ServerHelloParser.parse([0x15, 0x03, 0x03, 0x00, 0x01, 0x02, 0x28]).isMalformed)
        // A longer alert record: the first alert counts as soon as it is there.
        #expect(ServerHelloParser.parse([0x15, 0x03, 0x03, 0x00, 0x04, 0x01, 0x00]) == .alert(TLSAlert(level: 1, description: 0)))
        #expect(ServerHelloParser.parse([0x15, 0x01]) == .notTLS("not a TLS record (first byte 0x15)"))
    }

    @Test func synthetic() throws {
        let tls13 = try #require(ServerHelloParser.parse(Wire.records(Wire.serverHello(), version: 0x0303)).info)
        #expect(tls13.selectedVersion == 0x0304)
        #expect(tls13.cipherSuite == 0x1301)
        let bare = try #require(ServerHelloParser.parse(Wire.records(Wire.serverHello(legacy: 0x0301, suite: 0x002f, extensions: nil))).info)
        #expect(bare.selectedVersion == 0x0301)
        #expect(bare.extensionTypes.isEmpty)
        #expect(bare.cipherName == "AES128-SHA")
        var random = Array(repeating: UInt8(0x33), count: 24) + [0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x02]
        #expect(ServerHelloParser.downgradeSentinel(in: random) == nil)
        random[31] = 0x01
        #expect(ServerHelloParser.downgradeSentinel(in: random) == .tls12)
        random[31] = 0x00
        #expect(ServerHelloParser.downgradeSentinel(in: random) == .tls11OrBelow)
        #expect(ServerHelloParser.downgradeSentinel(in: []) == nil)
    }

    @Test func malformedServerHellos() {
        func parse(_ m: [UInt8]) -> ServerHelloParse { ServerHelloParser.parse(Wire.records(m, version: 0x0303)) }
        // ClientHello where a ServerHello belongs.
        #expect(parse(Wire.clientHello()).isMalformed)
        // supported_versions with 4 bytes; ALPN with two names; duplicate extension.
        #expect(parse(Wire.serverHello(extensions: [Wire.ext(43, [3, 4, 3, 3])])).isMalformed)
        #expect(parse(Wire.serverHello(extensions: [Wire.alpn(["h2", "http/1.1"])])).isMalformed)
        #expect(parse(Wire.serverHello(extensions: [Wire.alpn([""])])).isMalformed)
        #expect(parse(Wire.serverHello(extensions: [Wire.ext(43, [3, 4]), Wire.ext(43, [3, 4])]))
                == .malformed("duplicate extension 0x002b"))
        // Extensions block length lies.
        var message = Wire.serverHello()
        message[message.count - 7] += 1
        #expect(parse(message).isMalformed)
        // Truncated body (handshake length shorter than the fixed fields).
        var short = Wire.serverHello(extensions: nil)
        short[1...3] = Wire.u24(36)[...]
        #expect(parse(short) == .malformed("ServerHello truncated in session_id"))
        // Legacy version not 3.x.
        #expect(parse(Wire.serverHello(legacy: 0x0002)).isMalformed)
        // Application data before any handshake.
        #expect(ServerHelloParser.parse([0x17, 0x03, 0x03, 0x00, 0x01, 0x00]).isMalformed)
    }

    @Test func notTLSReplies() {
        #expect(ServerHelloParser.parse(Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8)) == .notTLS("plaintext (looks like HTTP)"))
        #expect(ServerHelloParser.parse([0x80, 0x2e, 0x04]) == .notTLS("SSLv2 record"))
        #expect(ServerHelloParser.parse([0x00]) == .notTLS("not a TLS record (first byte 0x00)"))
    }

    @Test func oversized() {
        #expect(ServerHelloParser.parse([0x16, 0x03, 0x03, 0x00, 0x04, 0x02, 0x01, 0x00, 0x00]) == .tooLarge)
    }
}
