import Testing
@testable import TLSGateTLS

/// Bounded random mutation of real hellos: the parsers must never crash, hang or misreport
/// a prefix; results are checked only for internal consistency.
@Suite struct MutationTests {
    static let seeds: [[UInt8]] = ClientHelloFixtureTests.all.map(\.1) + ServerHelloTests.all.map(\.1)

    static func mutate(_ input: [UInt8], _ rng: inout TestRNG) -> [UInt8] {
        var bytes = input
        let edits = Int.random(in: 1...4, using: &rng)
        for _ in 0..<edits {
            guard !bytes.isEmpty else { break }
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: bytes[at] = UInt8.random(in: 0...255, using: &rng)
            case 1: bytes[at] ^= 1 << UInt8.random(in: 0...7, using: &rng)
            case 2: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...8, using: &rng)))
            case 3: bytes.insert(contentsOf: (0..<Int.random(in: 1...4, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: at)
            case 4: bytes[at] = [0x00, 0xff, 0x7f, 0x80, 0x01][Int.random(in: 0..<5, using: &rng)]
            default: bytes = Array(bytes.prefix(at))
            }
        }
        return bytes
    }

    @Test func mutatedHellosNeverCrash() {
        var rng = TestRNG(seed: 0x7115_6a7e)
        var completes = 0
        for round in 0..<4000 {
            let seed = Self.seeds[round % Self.seeds.count]
            let bytes = Self.mutate(seed, &rng)
            let client = ClientHelloParser.parse(bytes)
            let server = ServerHelloParser.parse(bytes)
            if case .complete(let info) = client {
                completes += 1
                #expect(info.random.count == 32)
                #expect(!info.cipherSuites.contains(where: GREASE.isGREASE))
                if let name = info.serverName { #expect(!name.isEmpty && name.utf8.count <= 255) }
            }
            if case .complete(let info) = server { #expect(info.random.count == 32) }
            // A result other than needMoreData must not change when bytes are appended.
            if client != .needMoreData, bytes.count < ClientHelloParser.maxBufferedBytes {
                #expect(ClientHelloParser.parse(bytes + [0x16, 0x03]) == client)
            }
        }
        #expect(completes > 0)
    }

    @Test func randomRecordsNeverCrash() {
        var rng = TestRNG(seed: 42)
        for _ in 0..<3000 {
            let length = Int.random(in: 0..<300, using: &rng)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Mostly plausible record headers so the parsers get past the first checks.
            if bytes.count >= 6, Bool.random(using: &rng) {
                bytes[0] = 0x16; bytes[1] = 0x03; bytes[2] = 0x01
                bytes[5] = Bool.random(using: &rng) ? 1 : 2
                if Bool.random(using: &rng) { bytes[3] = 0; bytes[4] = UInt8(min(255, bytes.count - 5)) }
            }
            _ = ClientHelloParser.parse(bytes)
            _ = ServerHelloParser.parse(bytes)
        }
    }

    /// Mutating only the body of a correctly framed hello exercises the field parsers.
    @Test func mutatedBodiesInValidFraming() {
        var rng = TestRNG(seed: 7)
        let streams = ClientHelloFixtureTests.all.map { Wire.handshakeStream($0.1) }
        for round in 0..<3000 {
            var stream = streams[round % streams.count]
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let at = Int.random(in: 4..<stream.count, using: &rng)
                stream[at] = UInt8.random(in: 0...255, using: &rng)
            }
            let result = ClientHelloParser.parse(Wire.records(stream))
            switch result {
            case .complete, .malformed, .needMoreData, .tooLarge: break
            case .notTLS: Issue.record("framing is valid TLS: \(result)")
            }
        }
    }
}
