import Testing
@testable import TLSGateEgress

/// The CONNECT request tlsgate sends a parent and how the parent's answer is read.
@Suite struct ParentConnectTests {
    @Test func requestCarriesTargetAndCredentials() {
        let route = ParentRoute(host: "proxy", port: 3128, user: "Aladdin", password: "open sesame")
        let text = String(decoding: ParentConnect.request(host: "s3.amazonaws.com", port: 443, route: route), as: UTF8.self)
        #expect(text == "CONNECT s3.amazonaws.com:443 HTTP/1.1\r\nHost: s3.amazonaws.com:443\r\n"
                + "Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n")
        let v6 = String(decoding: ParentConnect.request(host: "::1", port: 8443, route: ParentRoute(host: "p", port: 1)), as: UTF8.self)
        #expect(v6 == "CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n")
        for text in [String(describing: route), String(reflecting: route)] {
            #expect(!text.contains("sesame") && !text.contains("QWxhZGRp"), "\(text)")
        }
    }

    @Test func base64() {
        #expect(Base64.encode(Array("".utf8)) == "")
        #expect(Base64.encode(Array("f".utf8)) == "Zg==")
        #expect(Base64.encode(Array("fo".utf8)) == "Zm8=")
        #expect(Base64.encode(Array("foo".utf8)) == "Zm9v")
        #expect(Base64.encode([0xFF, 0xFE, 0xFD, 0x00]) == "//79AA==")
    }

    @Test func establishedAcrossPartialReads() {
        var exchange = ParentConnect()
        let answer = Array("HTTP/1.1 200 Connection established\r\n\r\n".utf8)
        var received: [UInt8] = []
        for (index, byte) in answer.enumerated() {
            received.append(byte)
            let outcome = exchange.parse(received)
            #expect(outcome == (index == answer.count - 1 ? .established : .incomplete))
        }
        var http10 = ParentConnect()
        #expect(http10.parse(Array("HTTP/1.0 200 OK\r\nProxy-agent: x\r\n\r\n".utf8)) == .established)
    }

    @Test func refusalsNameTheStatusLine() {
        var exchange = ParentConnect()
        let outcome = exchange.parse(Array("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\nContent-Length: 5\r\n\r\nhello".utf8))
        #expect(outcome == .refused(status: 407, statusLine: "HTTP/1.1 407 Proxy Authentication Required"))
        var long = ParentConnect()
        let reason = String(repeating: "r", count: 300)
        guard case .refused(503, let line) = long.parse(Array("HTTP/1.1 503 \(reason)\r\n\r\n".utf8)) else {
            Issue.record("503 not read as a refusal")
            return
        }
        #expect(line.count <= 160 && line.hasPrefix("HTTP/1.1 503 rrr"), "the status line shown is bounded: \(line.count)")
    }

    @Test func bytesAfterA2xxHeadAreRefused() {
        var exchange = ParentConnect()
        guard case .invalid(let why) = exchange.parse(Array("HTTP/1.1 200 OK\r\n\r\nXYZ".utf8)) else {
            Issue.record("extra bytes accepted")
            return
        }
        #expect(why.contains("3 bytes after 'HTTP/1.1 200 OK'"))
    }

    @Test func garbageAndOversizedHeads() {
        var exchange = ParentConnect()
        guard case .invalid = exchange.parse(Array("SSH-2.0-OpenSSH\r\n\r\n".utf8)) else {
            Issue.record("not HTTP accepted")
            return
        }
        var big = ParentConnect()
        let head = "HTTP/1.1 200 OK\r\n" + String(repeating: "X-Pad: " + String(repeating: "a", count: 100) + "\r\n", count: 200)
        guard case .invalid(let why) = big.parse(Array(head.utf8)) else {
            Issue.record("a head over the limit was not refused")
            return
        }
        #expect(why.contains("exceeds \(ParentConnect.maxResponseHeadBytes) bytes"))
    }
}
