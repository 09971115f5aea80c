import Testing
@testable import TLSGateTLS

@Suite struct NamesAndAlertsTests {
    @Test func versionNames() {
        #expect(TLSVersionName.name(0x0300) == "SSLv3")
        #expect(TLSVersionName.name(0x0301) == "TLSv1")
        #expect(TLSVersionName.name(0x0302) == "TLSv1.1")
        #expect(TLSVersionName.name(0x0303) == "TLSv1.2")
        #expect(TLSVersionName.name(0x0304) == "TLSv1.3")
        #expect(TLSVersionName.name(0x0002) == "SSLv2")
        #expect(TLSVersionName.name(0x7f1c) == "0x7f1c")
        #expect(TLSVersionName.name(0x0a0a) == "0x0a0a")
        #expect(TLSVersionName.name(0) == "0x0000")
    }

    @Test func cipherNames() {
        #expect(CipherSuiteInfo.name(0x1301) == "TLS_AES_128_GCM_SHA256")
        #expect(CipherSuiteInfo.name(0x1302) == "TLS_AES_256_GCM_SHA384")
        #expect(CipherSuiteInfo.name(0x1303) == "TLS_CHACHA20_POLY1305_SHA256")
        #expect(CipherSuiteInfo.name(0xc02f) == "ECDHE-RSA-AES128-GCM-SHA256")
        #expect(CipherSuiteInfo.name(0xc02c) == "ECDHE-ECDSA-AES256-GCM-SHA384")
        #expect(CipherSuiteInfo.name(0xcca8) == "ECDHE-RSA-CHACHA20-POLY1305")
        #expect(CipherSuiteInfo.name(0x002f) == "AES128-SHA")
        #expect(CipherSuiteInfo.name(0x000a) == "DES-CBC3-SHA")
        #expect(CipherSuiteInfo.name(0x0005) == "RC4-SHA")
        #expect(CipherSuiteInfo.name(0x5600) == "TLS_FALLBACK_SCSV")
        #expect(CipherSuiteInfo.name(0x00ff) == "TLS_EMPTY_RENEGOTIATION_INFO_SCSV")
        #expect(CipherSuiteInfo.name(0x1337) == "0x1337")
        #expect(CipherSuiteInfo.name(0xffff) == "0xffff")
        #expect(CipherSuiteInfo.name(0x0000) == "0x0000")
    }

    @Test func tableSortedAndUnique() {
        let ids = CipherSuiteTable.entries.map(\.id)
        #expect(ids.count >= 60)
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 })
        for entry in CipherSuiteTable.entries {
            #expect(CipherSuiteInfo.name(entry.id) == entry.name)
        }
    }

    @Test func weakCiphers() {
        // Modern AEAD suites.
        for id: UInt16 in [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02c, 0xc02f, 0xc030, 0xcca8, 0xcca9, 0x009e] {
            #expect(!CipherSuiteInfo.isWeak(id, minVersion13: false), "\(CipherSuiteInfo.name(id))")
        }
        // Static RSA + GCM is AEAD: not weak here, but not forward secret.
        #expect(!CipherSuiteInfo.isWeak(0x009c, minVersion13: false))
        #expect(!CipherSuiteInfo.isForwardSecret(0x009c))
        #expect(CipherSuiteInfo.isForwardSecret(0xc02f))
        #expect(CipherSuiteInfo.isForwardSecret(0x1301))
        // CBC, RC4, 3DES, DES, NULL, EXPORT, anonymous, CCM_8, unknown.
        for id: UInt16 in [0x002f, 0x0035, 0xc013, 0xc014, 0xc027, 0x0005, 0x0004, 0x000a, 0xc012, 0x0009,
                           0x0001, 0x0002, 0x003b, 0x0003, 0x0008, 0x00a6, 0x0034, 0xc018, 0xc0ae, 0x1305, 0x1337] {
            #expect(CipherSuiteInfo.isWeak(id, minVersion13: false), "\(CipherSuiteInfo.name(id))")
        }
        // With a TLS 1.3 floor only TLS 1.3 suites pass.
        #expect(!CipherSuiteInfo.isWeak(0x1301, minVersion13: true))
        #expect(!CipherSuiteInfo.isWeak(0x1304, minVersion13: true))
        #expect(CipherSuiteInfo.isWeak(0xc02f, minVersion13: true))
        #expect(CipherSuiteInfo.isWeak(0x1305, minVersion13: true))
        // Signaling values and GREASE are not ciphers.
        for id: UInt16 in [0x5600, 0x00ff, 0x0a0a, 0xdada] {
            #expect(CipherSuiteInfo.isSignalingValue(id))
            #expect(!CipherSuiteInfo.isWeak(id, minVersion13: false))
            #expect(!CipherSuiteInfo.isWeak(id, minVersion13: true))
        }
        #expect(!CipherSuiteInfo.isSignalingValue(0x1301))
    }

    @Test func fipsApproved() {
        for id: UInt16 in [0x1301, 0x1302, 0xc02b, 0xc02c, 0xc02f, 0xc030] {
            #expect(CipherSuiteInfo.isFIPSApproved(id))
        }
        for id: UInt16 in [0x1303, 0x1304, 0xcca8, 0x009e, 0x009c, 0xc013, 0x0005, 0x5600, 0x1337] {
            #expect(!CipherSuiteInfo.isFIPSApproved(id))
        }
        #expect(CipherSuiteInfo.isTLS13(0x1303) && !CipherSuiteInfo.isTLS13(0xc02f))
    }

    @Test func alertRecords() {
        #expect(TLSAlert.record(TLSAlert.protocolVersion) == [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46])
        #expect(TLSAlert.record(TLSAlert.handshakeFailure, version: 0x0301) == [0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28])
        #expect(TLSAlert(level: 1, description: 0).record() == [0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x00])
        #expect(TLSAlert.parseRecord(TLSAlert.record(TLSAlert.accessDenied)) == .fatal(49))
        #expect(TLSAlert.parseRecord([0x15, 0x03, 0x03, 0x00, 0x02, 0x02]) == nil)
        #expect(TLSAlert.parseRecord([0x16, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46]) == nil)
        #expect(TLSAlert.parseRecord([0x15, 0x03, 0x03, 0x00, 0x03, 0x02, 0x46]) == nil)  // record incomplete
        #expect(TLSAlert.parseRecord(CapturedHellos.alertProtocolVersion) == .fatal(70))
    }

    @Test func alertNames() {
        #expect(TLSAlert.fatal(TLSAlert.protocolVersion).name == "protocol_version")
        #expect(TLSAlert.fatal(TLSAlert.handshakeFailure).name == "handshake_failure")
        #expect(TLSAlert.fatal(TLSAlert.inappropriateFallback).name == "inappropriate_fallback")
        #expect(TLSAlert.fatal(TLSAlert.unrecognizedName).name == "unrecognized_name")
        #expect(TLSAlert.fatal(TLSAlert.accessDenied).name == "access_denied")
        #expect(TLSAlert.fatal(TLSAlert.internalError).name == "internal_error")
        #expect(TLSAlert.fatal(TLSAlert.insufficientSecurity).name == "insufficient_security")
        #expect(TLSAlert.fatal(TLSAlert.noApplicationProtocol).name == "no_application_protocol")
        #expect(TLSAlert.fatal(200).name == "unknown_alert_200")
        #expect(!TLSAlert(level: 1, description: 0).isFatal)
    }
}
