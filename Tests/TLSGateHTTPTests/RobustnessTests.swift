import Testing
@testable import TLSGateHTTP

/// Randomized "never crashes, never hangs" checks over mutated inputs (fixed seeds, bounded counts).
@Suite struct RobustnessTests {
    static let requestSeeds: [String] = [
        "GET http://s3.us-east-1.amazonaws.com/b/k?x=1 HTTP/1.1\r\nHost: s3.us-east-1.amazonaws.com\r\nX-Amz-Date: 20240101T000000Z\r\nContent-Length: 5\r\n\r\nhello",
        "CONNECT [::1]:443 HTTP/1.0\r\n\r\n",
        "POST http://h:8080/ HTTP/1.1\nHost: h:8080\nTransfer-Encoding: chunked\nConnection: close, X-A\n\n5;e=1\r\nhello\r\n0\r\nT: v\r\n\r\n",
    ]
    static let responseSeeds: [String] = [
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok",
        "HTTP/1.0 100 Continue\n\nHTTP/1.1 204 No Content\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
    ]
    static let interesting: [UInt8] = Array(" \t\r\n:;,0123456789aAfF[]@/?#%\"\0\u{7F}".utf8) + [0x80, 0xFF]

    static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var out = input
        let edits = Int.random(in: 1...4, using: &rng)
        for _ in 0..<edits {
            let pos = out.isEmpty ? 0 : Int.random(in: 0..<out.count, using: &rng)
            let byte = Bool.random(using: &rng)
                ? interesting[Int.random(in: 0..<interesting.count, using: &rng)]
                : UInt8.random(in: 0...255, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0 where !out.isEmpty: out[pos] = byte
            case 1: out.insert(byte, at: pos)
            case 2 where !out.isEmpty: out.remove(at: pos)
            default:
                if !out.isEmpty {
                    let end = min(out.count, pos + Int.random(in: 1...8, using: &rng))
                    out.insert(contentsOf: out[pos..<end], at: pos)
                }
            }
        }
        return out
    }

    /// Exercises every API on a request; checks invariants, never traps.
    static func exercise(request input: [UInt8]) {
        var p = HTTPHeadParser(maxHeadBytes: 512, maxHeaderCount: 16)
        let r = flatten(p.parseRequest(input))
        switch r {
        case .incomplete:
            #expect(input.count < 512)
        case .invalid(let e):
            #expect([400, 431, 501, 505].contains(e.status))
        case .complete(let head, let consumed):
            #expect(consumed <= input.count && consumed <= 512)
            _ = head.keepAlive
            _ = head.expectsContinue
            _ = head.headers.map { $0 }
            _ = AbsoluteURI.parse(head.target)
            _ = Authority.parse(head.target)
            let out = upstreamRequestHead(head, originForm: "/", hostIfMissing: "h")
            var q = HTTPHeadParser(maxHeadBytes: 4096, maxHeaderCount: 64)
            // A forwarded head always reparses.
            #expect(flatten(q.parseRequest(out)).head != nil)
            if case .success(let framing) = requestFraming(head) {
                var t = BodyTracker(framing)
                let rest = Array(input[consumed...])
                _ = try? t.consume(rest)
            }
        }
    }

    static func exercise(response input: [UInt8]) {
        var p = HTTPHeadParser(maxHeadBytes: 512, maxHeaderCount: 16)
        if case .complete(let head, let consumed) = flatten(p.parseResponse(input)) {
            #expect(consumed <= input.count)
            let out = clientResponseHead(head, keepAlive: Bool.random(), clientVersion: .http10)
            var q = HTTPHeadParser(maxHeadBytes: 4096, maxHeaderCount: 64)
            #expect(flatten(q.parseResponse(out)).head != nil)
            if case .success(let framing) = responseFraming(head, requestMethod: "GET") {
                var t = BodyTracker(framing)
                _ = try? t.consume(Array(input[consumed...]))
            }
        }
    }

    @Test func mutatedRequestsNeverCrash() {
        var rng = SplitMix64(seed: 0x7157_6A7E)
        for i in 0..<6000 {
            let seed = bytes(Self.requestSeeds[i % Self.requestSeeds.count])
            Self.exercise(request: Self.mutate(seed, &rng))
        }
    }

    @Test func mutatedResponsesNeverCrash() {
        var rng = SplitMix64(seed: 0xB0D1)
        for i in 0..<6000 {
            let seed = bytes(Self.responseSeeds[i % Self.responseSeeds.count])
            Self.exercise(response: Self.mutate(seed, &rng))
        }
    }

    /// Whole-buffer and byte-by-byte parsing agree on every mutated request.
    @Test func incrementalAgreesWithWholeOnMutations() {
        var rng = SplitMix64(seed: 42)
        var disagreements = 0
        for i in 0..<1500 {
            let input = Self.mutate(bytes(Self.requestSeeds[i % Self.requestSeeds.count]), &rng)
            var whole = HTTPHeadParser(maxHeadBytes: 512)
            let a = flatten(whole.parseRequest(input))
            var step = HTTPHeadParser(maxHeadBytes: 512)
            let (b, _) = parseRequestBytewise(input, parser: &step)
            switch (a, b) {
            case (.incomplete, .incomplete): break
            case (.invalid(let x), .invalid(let y)) where x == y: break
            case (.complete(let x, let cx), .complete(let y, let cy)) where cx == cy && x.headers.raw == y.headers.raw: break
            default: disagreements += 1
            }
        }
        #expect(disagreements == 0)
    }

    /// The chunk tracker gives the same result for random splits of random (mutated) chunked bodies.
    @Test func chunkedSplitsAgreeOnMutations() {
        var rng = SplitMix64(seed: 7)
        let base = bytes("5;e=1\r\nhello\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nT: v\r\n\r\n")
        var disagreements = 0
        for _ in 0..<3000 {
            let input = Self.mutate(base, &rng)
            let whole = track(.chunked, input, cuts: [])
            let cuts = (0..<Int.random(in: 1...6, using: &rng)).map { _ in Int.random(in: 0...input.count, using: &rng) }.sorted()
            let split = track(.chunked, input, cuts: cuts)
            switch (whole, split) {
            case (.success(let x), .success(let y)) where x.0 == y.0 && x.1 == y.1: break
            case (.failure(let x), .failure(let y)) where x == y: break
            default: disagreements += 1
            }
        }
        #expect(disagreements == 0)
    }

    /// Exhaustive: every single-byte substitution at every position of a small request.
    @Test func exhaustiveSingleByteSubstitutions() {
        let seed = bytes("GET http://h:1/a?b HTTP/1.1\r\nHost: h\r\nTE: x\r\n\r\n")
        for pos in 0..<seed.count {
            for b in Self.interesting {
                var m = seed
                m[pos] = b
                Self.exercise(request: m)
            }
        }
    }

    @Test func randomTargetsNeverCrash() {
        var rng = SplitMix64(seed: 99)
        let alphabet = Array("http://s[]:@/?#%.-_1a:8080\\ ".utf8)
        for _ in 0..<5000 {
            let n = Int.random(in: 0...24, using: &rng)
            let s = String(decoding: (0..<n).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }, as: UTF8.self)
            if let u = AbsoluteURI.parse(s) {
                #expect(!u.host.isEmpty)
                #expect(u.pathAndQuery.hasPrefix("/"))
                #expect(u.port.map { (1...65535).contains($0) } ?? true)
            }
            if let a = Authority.parse(s) { #expect((1...65535).contains(a.port)) }
        }
    }
}
