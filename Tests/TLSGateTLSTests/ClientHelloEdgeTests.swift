import Testing
@testable import TLSGateTLS

/// Synthetic and corrupted ClientHellos: what the parser refuses and why.
@Suite struct ClientHelloEdgeTests {
    func parse(_ message: [UInt8]) -> ClientHelloParse {
        ClientHelloParser.parse(Wire.records(message))
    }

    @Test func minimalSyntheticHello() throws {
        let info = try #require(parse(Wire.clientHello()).info)
        #expect(info.serverName == "example.test")
        #expect(info.cipherSuites == [0x1301, 0xc02f])
        #expect(info.highestVersion == 0x0303)
        #expect(info.random == Array(repeating: 0x11, count: 32))
    }

    @Test func noExtensionsAtAll() throws {
        let info = try #require(parse(Wire.clientHello(legacy: 0x0301, extensions: nil)).info)
        #expect(info.extensionTypes.isEmpty)
        #expect(info.serverName == nil)
        #expect(info.highestVersion == 0x0301)
    }

    // MARK: Not TLS

    @Test(arguments: ["GET / HTTP/1.1\r\nHost: x\r\n\r\n", "CONNECT example.com:443 HTTP/1.1\r\n",
                      "POST /x HTTP/1.1\r\n", "PUT", "G", "HEAD / HTTP/1.0\r\n\r\n"])
    func plainHTTP(_ text: String) {
        #expect(ClientHelloParser.parse(Array(text.utf8)) == .notTLS("plaintext (looks like HTTP)"))
    }

    @Test func sslv2CompatibleHello() {
        let v2: [UInt8] = [0x80, 0x2e, 0x01, 0x00, 0x02, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10]
        #expect(ClientHelloParser.parse(v2) == .notTLS("SSLv2-compatible hello"))
        #expect(ClientHelloParser.parse([0x80]) == .notTLS("SSLv2-compatible hello"))
    }

    @Test func otherGarbage() {
        #expect(ClientHelloParser.parse([0x00, 0x01, 0x02]).isNotTLS)
        #expect(ClientHelloParser.parse(Array("hello world".utf8)).isNotTLS)
        #expect(ClientHelloParser.parse([0x16, 0x00]).isNotTLS)      // record version major 0
        #expect(ClientHelloParser.parse([0x16, 0x04, 0x01]).isNotTLS)
        #expect(ClientHelloParser.parse([]) == .needMoreData)
        #expect(ClientHelloParser.parse([0x16]) == .needMoreData)
        #expect(ClientHelloParser.parse([0x16, 0x03, 0x01, 0x02]) == .needMoreData)
    }

    @Test func firstRecordNotHandshake() {
        // Application data, change_cipher_spec, alert first.
        #expect(ClientHelloParser.parse([0x17, 0x03, 0x03, 0x00, 0x05, 1, 2, 3, 4, 5]).isMalformed)
        #expect(ClientHelloParser.parse([0x14, 0x03, 0x03, 0x00, 0x01, 0x01]).isMalformed)
        #expect(ClientHelloParser.parse(TLSAlert.record(TLSAlert.handshakeFailure)).isMalformed)
    }

    @Test func wrongHandshakeType() {
        var message = Wire.clientHello()
        message[0] = 2
        #expect(parse(message).isMalformed)
        // Detected from the first payload byte, before the rest arrives.
        #expect(ClientHelloParser.parse([0x16, 0x03, 0x01, 0x01, 0x00, 0x02]).isMalformed)
    }

    // MARK: Record layer

    @Test func recordChecks() {
        let message = Wire.clientHello()
        var zero = Wire.records(message)
        zero[3] = 0; zero[4] = 0
        #expect(ClientHelloParser.parse(zero) == .malformed("empty handshake record"))
        let oversized: [UInt8] = [0x16, 0x03, 0x01, 0x40, 0x01]  // 16385
        #expect(ClientHelloParser.parse(oversized) == .malformed("record length 16385 exceeds 16384"))
        // A non-handshake record between fragments.
        let first = Wire.records(Array(message[0..<20]))
        let alert = TLSAlert.record(TLSAlert.closeNotify)
        #expect(ClientHelloParser.parse(first + alert).isMalformed)
        let appData: [UInt8] = [0x17, 0x03, 0x03, 0x00, 0x01, 0x00]
        #expect(ClientHelloParser.parse(first + appData).isMalformed)
        // A later record with a bad version.
        #expect(ClientHelloParser.parse(first + [0x16, 0x02, 0x00, 0x00, 0x05]).isMalformed)
    }

    // MARK: Length fields that lie

    @Test func handshakeLengthLongerThanSent() {
        var message = Wire.clientHello()
        let real = message.count - 4
        message[1...3] = Wire.u24(real + 50)[...]
        // Looks like the hello continues in a later record: wait for it.
        #expect(parse(message) == .needMoreData)
        // ...which turns out to be application data.
        #expect(ClientHelloParser.parse(Wire.records(message) + [0x17, 0x03, 0x03, 0x00, 0x01, 0x00]).isMalformed)
    }

    @Test func handshakeLengthShorterThanSent() {
        var message = Wire.clientHello()
        let real = message.count - 4
        message[1...3] = Wire.u24(real - 3)[...]
        #expect(parse(message).isMalformed)
        message[1...3] = Wire.u24(10)[...]
        #expect(parse(message) == .malformed("ClientHello truncated"))
        message[1...3] = Wire.u24(0)[...]
        #expect(parse(message).isMalformed)
    }

    @Test func innerLengthsLying() {
        // cipher_suites length odd / zero / overrunning.
        var body = Wire.clientHello(sessionID: [])
        let suitesAt = 4 + 2 + 32 + 1
        body[suitesAt...suitesAt + 1] = Wire.u16(3)[...]
        #expect(parse(body).isMalformed)
        body[suitesAt...suitesAt + 1] = Wire.u16(0)[...]
        #expect(parse(body).isMalformed)
        body[suitesAt...suitesAt + 1] = Wire.u16(0xfffe)[...]
        #expect(parse(body).isMalformed)
        // session_id longer than 32.
        #expect(parse(Wire.clientHello(sessionID: Array(repeating: 1, count: 33))) == .malformed("session_id longer than 32 bytes"))
        // No compression method.
        #expect(parse(Wire.clientHello(compression: [])) == .malformed("empty compression_methods"))
        // Legacy version not 3.x.
        #expect(parse(Wire.clientHello(legacy: 0x0200)).isMalformed)
    }

    @Test func extensionLengthsLying() {
        let sni = Wire.sni("example.test")
        // Extensions block length one too long / too short.
        var message = Wire.clientHello(extensions: [sni])
        let blockAt = message.count - sni.count - 2
        message[blockAt...blockAt + 1] = Wire.u16(sni.count + 1)[...]
        #expect(parse(message).isMalformed)
        message[blockAt...blockAt + 1] = Wire.u16(sni.count - 1)[...]
        #expect(parse(message).isMalformed)
        // One extension's length overruns the block.
        var ext = Wire.ext(0xff01, [0])
        ext[3] = 9
        #expect(parse(Wire.clientHello(extensions: [ext])).isMalformed)
        // SNI inner list length lies.
        var badSNI = sni
        badSNI[5] += 1
        #expect(parse(Wire.clientHello(extensions: [badSNI])).isMalformed)
        // SNI with an empty list.
        #expect(parse(Wire.clientHello(extensions: [Wire.ext(0, Wire.vec16([]))])).isMalformed)
        // Empty SNI extension data.
        #expect(parse(Wire.clientHello(extensions: [Wire.ext(0, [])])).isMalformed)
        // ALPN: empty name, empty list, trailing byte.
        #expect(parse(Wire.clientHello(extensions: [Wire.ext(16, Wire.vec16([0]))])).isMalformed)
        #expect(parse(Wire.clientHello(extensions: [Wire.ext(16, Wire.vec16([]))])).isMalformed)
        #expect(parse(Wire.clientHello(extensions: [Wire.ext(16, Wire.vec16(Wire.vec8([0x68, 0x32])) + [0])])).isMalformed)
        // supported_versions: odd length, empty.
        #expect(parse(Wire.clientHello(extensions: [Wire.ext(43, [3, 3, 4, 3])])).isMalformed)
        #expect(parse(Wire.clientHello(extensions: [Wire.ext(43, [0])])).isMalformed)
    }

    @Test func duplicateExtensions() {
        let twice = Wire.clientHello(extensions: [Wire.sni("a.example"), Wire.alpn(["h2"]), Wire.sni("b.example")])
        #expect(parse(twice) == .malformed("duplicate extension 0x0000"))
        let greaseTwice = Wire.clientHello(extensions: [Wire.ext(0x2a2a, []), Wire.ext(0x2a2a, [])])
        #expect(parse(greaseTwice) == .malformed("duplicate extension 0x2a2a"))
    }

    // MARK: GREASE

    @Test func greaseRemoved() throws {
        let message = Wire.clientHello(
            suites: [0x0a0a, 0x1301, 0x1302, 0xfafa, 0xc02f],
            extensions: [Wire.ext(0x3a3a, []), Wire.sni("example.test"),
                         Wire.supportedVersions([0x6a6a, 0x0304, 0x0303]),
                         Wire.alpn(["h2"]), Wire.ext(0x4a4a, [0])])
        let info = try #require(parse(message).info)
        #expect(info.cipherSuites == [0x1301, 0x1302, 0xc02f])
        #expect(info.supportedVersions == [0x0304, 0x0303])
        #expect(info.extensionTypes == [0, 43, 16])
        #expect(info.highestVersion == 0x0304)
        #expect(info.alpn == ["h2"])
    }

    @Test func onlyGreaseSupportedVersionsFallsBackToLegacy() throws {
        let info = try #require(parse(Wire.clientHello(extensions: [Wire.supportedVersions([0x1a1a])])).info)
        #expect(info.supportedVersions.isEmpty)
        #expect(info.highestVersion == 0x0303)
    }

    @Test func greaseValues() {
        for high in 0..<16 {
            let value = UInt16(high << 12 | 0x0a00 | high << 4 | 0x0a)
            #expect(GREASE.isGREASE(value))
        }
        #expect(!GREASE.isGREASE(0x0a1a))
        #expect(!GREASE.isGREASE(0x1301))
        #expect(!GREASE.isGREASE(0x0303))
    }

    // MARK: SNI

    @Test func sniNormalization() throws {
        let info = try #require(parse(Wire.clientHello(extensions: [Wire.sni("S3.US-East-1.AmazonAWS.com.")])).info)
        #expect(info.rawServerName == "S3.US-East-1.AmazonAWS.com.")
        #expect(info.serverName == "s3.us-east-1.amazonaws.com")
        let underscore = try #require(parse(Wire.clientHello(extensions: [Wire.sni("_dmarc.x-y.example")])).info)
        #expect(underscore.serverName == "_dmarc.x-y.example")
    }

    @Test(arguments: [
        Array("exa\u{0}mple.test".utf8), Array("exa mple.test".utf8), Array("example.test\r\n".utf8),
        Array("a..b".utf8), Array(".a.b".utf8), Array(".".utf8), Array("caf\u{e9}.test".utf8),
        Array("a/b".utf8), [UInt8](), Array(repeating: UInt8(ascii: "a"), count: 64) + Array(".test".utf8),
        Array(repeating: Array("abcdefg.".utf8), count: 32).flatMap { $0 } + Array("x".utf8),
    ])
    func invalidSNIRefused(_ name: [UInt8]) {
        #expect(parse(Wire.clientHello(extensions: [Wire.sni(name)])).isMalformed)
    }

    @Test func sniLimits() throws {
        let label63 = String(repeating: "a", count: 63)
        #expect(parse(Wire.clientHello(extensions: [Wire.sni(label63 + ".test")])).info?.serverName == label63 + ".test")
        let name255 = Array(repeating: label63, count: 4).joined(separator: ".")  // 255 bytes
        #expect(name255.utf8.count == 255)
        #expect(parse(Wire.clientHello(extensions: [Wire.sni(name255)])).info != nil)
    }

    @Test func sniOtherNameTypes() throws {
        // Only a non-host_name entry: no server name, not an error.
        let other = try #require(parse(Wire.clientHello(extensions: [Wire.sni(Array("x".utf8), type: 7)])).info)
        #expect(other.serverName == nil)
        #expect(other.hasExtension(0))
        // Two host_name entries in one extension.
        let two = Wire.ext(0, Wire.vec16([0] + Wire.vec16(Array("a.test".utf8)) + [0] + Wire.vec16(Array("b.test".utf8))))
        #expect(parse(Wire.clientHello(extensions: [two])) == .malformed("more than one SNI host_name"))
    }

    // MARK: Size limits

    @Test func largestHelloThatFits() throws {
        // 16380-byte body: handshake header 4 + body = one full 16384-byte record = 16389 on the wire.
        let base = Wire.clientHello(extensions: [Wire.sni("example.test")])
        let padding = 16384 - base.count - 4
        let message = Wire.clientHello(extensions: [Wire.sni("example.test"), Wire.ext(21, Array(repeating: 0, count: padding))])
        #expect(message.count == 16384)
        let wire = Wire.records(message)
        #expect(wire.count == ClientHelloParser.maxBufferedBytes)
        #expect(ClientHelloParser.parse(wire).info?.serverName == "example.test")
        #expect(ClientHelloParser.parse(Array(wire.dropLast())) == .needMoreData)
    }

    @Test func oversizedHello() {
        // Declared length needs two records: refused as soon as the handshake header is seen.
        let big = Wire.clientHello(extensions: [Wire.ext(21, Array(repeating: 0, count: 17000))])
        let wire = Wire.records(big)
        #expect(ClientHelloParser.parse(Array(wire[0..<9])) == .tooLarge)
        #expect(ClientHelloParser.parse(wire) == .tooLarge)
        // 24-bit maximum.
        #expect(ClientHelloParser.parse([0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0xff, 0xff, 0xff]) == .tooLarge)
    }

    @Test func fragmentationOverheadHitsTheCap() {
        // Fits in one record, but sent in 100-byte records the headers push it past the cap.
        let message = Wire.clientHello(extensions: [Wire.ext(21, Array(repeating: 0, count: 16000))])
        let wire = Wire.records(message, size: 100)
        #expect(wire.count > ClientHelloParser.maxBufferedBytes)
        let cap = ClientHelloParser.maxBufferedBytes
        #expect(ClientHelloParser.parse(Array(wire[0..<(cap - 1)])) == .needMoreData)
        #expect(ClientHelloParser.parse(Array(wire[0..<cap])) == .tooLarge)
    }
}
