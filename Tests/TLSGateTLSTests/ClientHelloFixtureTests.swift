import Testing
@testable import TLSGateTLS

/// Real ClientHellos captured from curl, Python and openssl s_client (see Fixtures/capture.py).
@Suite struct ClientHelloFixtureTests {
    static let all: [(String, [UInt8])] = [
        ("curl", CapturedHellos.curl),
        ("python", CapturedHellos.python),
        ("sClientDefault", CapturedHellos.sClientDefault),
        ("sClientTLS12", CapturedHellos.sClientTLS12),
        ("sClientTLS11", CapturedHellos.sClientTLS11),
        ("sClientFallbackSCSV", CapturedHellos.sClientFallbackSCSV),
        ("sClientALPN", CapturedHellos.sClientALPN),
        ("sClientNoSNI", CapturedHellos.sClientNoSNI),
    ]

    func parsed(_ bytes: [UInt8]) throws -> ClientHelloInfo {
        let result = ClientHelloParser.parse(bytes)
        return try #require(result.info, "\(result)")
    }

    @Test func curl() throws {
        let hello = try parsed(CapturedHellos.curl)
        #expect(hello.serverName == "example.test")
        #expect(hello.rawServerName == "example.test")
        #expect(hello.alpn == ["h2", "http/1.1"])
        #expect(hello.legacyVersion == 0x0303)
        #expect(hello.supportedVersions.contains(0x0304))
        #expect(hello.highestVersion == 0x0304)
        #expect(!hello.hasFallbackSCSV)
        #expect(hello.random.count == 32)
        #expect(hello.cipherSuites.prefix(3) == [0x1302, 0x1303, 0x1301])
        #expect(hello.extensionTypes.contains(0) && hello.extensionTypes.contains(16))
    }

    @Test func pythonMixedCaseSNI() throws {
        let hello = try parsed(CapturedHellos.python)
        #expect(hello.rawServerName == "Py.Example.TEST")
        #expect(hello.serverName == "py.example.test")
        #expect(hello.alpn == ["http/1.1"])
        #expect(hello.highestVersion == 0x0304)
        #expect(hello.supportedVersions.allSatisfy { $0 >= 0x0303 })
    }

    @Test func openSSLDefault() throws {
        let hello = try parsed(CapturedHellos.sClientDefault)
        #expect(hello.serverName == "example.test")
        #expect(hello.alpn.isEmpty)
        #expect(hello.supportedVersions.prefix(2) == [0x0304, 0x0303])
        #expect(hello.highestVersion == 0x0304)
        #expect(TLSVersionName.name(hello.highestVersion) == "TLSv1.3")
        #expect(hello.cipherSuites.contains(CipherSuiteInfo.emptyRenegotiationInfoSCSV))
    }

    @Test func openSSLTLS12Only() throws {
        let hello = try parsed(CapturedHellos.sClientTLS12)
        #expect(hello.serverName == "example.test")
        #expect(hello.supportedVersions.isEmpty)
        #expect(!hello.hasExtension(43))
        #expect(hello.highestVersion == 0x0303)
        #expect(!hello.cipherSuites.contains { CipherSuiteInfo.isTLS13($0) })
        #expect(!hello.hasFallbackSCSV)
    }

    @Test func openSSLTLS11Legacy() throws {
        let hello = try parsed(CapturedHellos.sClientTLS11)
        #expect(hello.legacyVersion == 0x0302)
        #expect(hello.highestVersion == 0x0302)
        #expect(TLSVersionName.name(hello.highestVersion) == "TLSv1.1")
        #expect(hello.cipherSuites.contains(0xc014))
        #expect(hello.cipherSuites.filter { !CipherSuiteInfo.isSignalingValue($0) }
            .allSatisfy { CipherSuiteInfo.isWeak($0, minVersion13: false) })
    }

    @Test func openSSLFallbackSCSV() throws {
        let hello = try parsed(CapturedHellos.sClientFallbackSCSV)
        #expect(hello.hasFallbackSCSV)
        #expect(hello.cipherSuites.contains(0x5600))
        #expect(hello.highestVersion == 0x0303)
    }

    @Test func openSSLALPN() throws {
        let hello = try parsed(CapturedHellos.sClientALPN)
        #expect(hello.alpn == ["h2", "http/1.1"])
        #expect(hello.serverName == "example.test")
    }

    @Test func openSSLNoSNI() throws {
        let hello = try parsed(CapturedHellos.sClientNoSNI)
        #expect(hello.serverName == nil)
        #expect(hello.rawServerName == nil)
        #expect(!hello.hasExtension(0))
        #expect(hello.highestVersion == 0x0304)
    }

    /// Every cipher suite real clients offer is in the name table.
    @Test func offeredSuitesHaveNames() throws {
        for (name, bytes) in Self.all {
            let hello = try parsed(bytes)
            for suite in hello.cipherSuites {
                #expect(!CipherSuiteInfo.name(suite).hasPrefix("0x"), "\(name): \(suite)")
            }
        }
    }

    /// The caller re-parses the growing buffer: every proper prefix needs more data.
    @Test(arguments: all.map(\.0))
    func everySplitPoint(_ name: String) throws {
        let bytes = try #require(Self.all.first { $0.0 == name }?.1)
        let expected = try parsed(bytes)
        bytes.withUnsafeBytes { raw in
            for cut in 0..<bytes.count {
                let result = ClientHelloParser.parse(UnsafeRawBufferPointer(rebasing: raw[0..<cut]))
                if result != .needMoreData {
                    Issue.record("\(name): prefix \(cut) gave \(result)")
                    return
                }
            }
        }
        #expect(ClientHelloParser.parse(bytes) == .complete(expected))
    }

    /// The same hello re-fragmented into many records parses identically, at every split.
    @Test(arguments: [1, 2, 3, 4, 5, 50, 200, 511])
    func refragmented(_ size: Int) throws {
        for (name, bytes) in Self.all {
            let expected = try parsed(bytes)
            let stream = Wire.handshakeStream(bytes)
            let fragmented = Wire.records(stream, size: size)
            #expect(ClientHelloParser.parse(fragmented) == .complete(expected), "\(name) size \(size)")
            // Every prefix that ends before the last record completes the message needs more data.
            let step = size <= 5 ? 7 : 1
            fragmented.withUnsafeBytes { raw in
                var cut = 0
                while cut < fragmented.count {
                    let result = ClientHelloParser.parse(UnsafeRawBufferPointer(rebasing: raw[0..<cut]))
                    if result != .needMoreData {
                        Issue.record("\(name) size \(size): prefix \(cut) gave \(result)")
                        return
                    }
                    cut += step
                }
            }
        }
    }

    /// Bytes after the hello (a second message, early data, junk) are ignored.
    @Test func trailingBytesIgnored() throws {
        let bytes = CapturedHellos.curl
        let expected = try parsed(bytes)
        #expect(ClientHelloParser.parse(bytes + [0x17, 0x03, 0x03, 0x00, 0x10] + Array(repeating: 0xee, count: 16))
                == .complete(expected))
        // Another handshake message in the same record after the ClientHello.
        let stream = Wire.handshakeStream(bytes) + [0x0f, 0x00, 0x00, 0x01, 0x00]
        #expect(ClientHelloParser.parse(Wire.records(stream)) == .complete(expected))
    }
}
