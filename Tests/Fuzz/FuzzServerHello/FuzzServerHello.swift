// libFuzzer target: ServerHelloParser.parse, called like the tunnel calls it (on everything
// received from the server so far) and on the same hello re-split into other records.
//
// Invariants (a violation is a finding: fatalError):
// - a prefix of the input that already gives an answer (anything but needMoreData) gives the
//   same answer as the whole input (more bytes never change a verdict);
// - a complete ServerHello re-fragmented into records of other sizes parses to the same info;
// - the info keeps its documented properties (32-byte random, the downgrade sentinel and the
//   HelloRetryRequest flag read from that random).
import TLSGateTLS

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzServerHello(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    guard let start, count > 0 else { return 0 }
    let all = UnsafeRawBufferPointer(start: start, count: count)
    let input = UnsafeRawBufferPointer(rebasing: all[0..<min(count, ServerHelloParser.maxBufferedBytes)])
    let n = input.count
    let whole = ServerHelloParser.parse(input)
    if ServerHelloParser.parse(input) != whole { fatalError("ServerHello: two parses of the same bytes differ") }

    // Prefixes: one at a byte taken from the input, a few spread out, and all of them for short inputs.
    var cuts = [(Int(input[0]) << 8 | Int(input[n - 1])) % n, n / 2, n - 1, 5, 9]
    if n <= 300 { cuts += Array(0..<n) }
    for cut in cuts where cut > 0 && cut < n {
        let partial = ServerHelloParser.parse(UnsafeRawBufferPointer(rebasing: input[0..<cut]))
        if partial != .needMoreData && partial != whole {
            fatalError("ServerHello: \(cut) of \(n) bytes gave \(partial), all gave \(whole)")
        }
    }

    guard case .complete(let info) = whole else { return 0 }
    check(info)
    if let message = handshakeMessage(input) {
        let sizes = [1 + Int(input[n - 1] % 7), 1 + (Int(input[n / 2]) << 6) % 16384, message.count, 16384]
        for size in sizes {
            let wire = records(message, fragment: size, version: (input[1], input[2]))
            guard wire.count <= ServerHelloParser.maxBufferedBytes else { continue }
            let again = ServerHelloParser.parse(wire + [0x14, 0x03, 0x03, 0x00, 0x01, 0x01])
            if again != whole { fatalError("ServerHello: re-split into \(size)-byte records gave \(again), was \(whole)") }
        }
    } else {
        fatalError("ServerHello: complete, but the records do not hold a whole handshake message")
    }
    return 0
}

private func check(_ info: ServerHelloInfo) {
    guard info.random.count == 32 else { fatalError("ServerHello: random of \(info.random.count) bytes") }
    if info.downgradeSentinel != ServerHelloParser.downgradeSentinel(in: info.random) {
        fatalError("ServerHello: downgradeSentinel \(String(describing: info.downgradeSentinel)) disagrees with the random")
    }
    if info.isHelloRetryRequest != (info.random == ServerHelloParser.helloRetryRequestRandom) {
        fatalError("ServerHello: isHelloRetryRequest disagrees with the random")
    }
    // What the tunnel looks at.
    _ = (info.cipherName, info.versionName, info.alpn?.utf8.count, info.extensionTypes.count,
         CipherSuiteInfo.isWeak(info.cipherSuite, minVersion13: false), CipherSuiteInfo.isTLS13(info.cipherSuite))
}

/// The first handshake message (4-byte header + body) gathered from the leading handshake records.
private func handshakeMessage(_ input: UnsafeRawBufferPointer) -> [UInt8]? {
    var stream: [UInt8] = []
    var offset = 0
    while offset + 5 <= input.count, input[offset] == 0x16 {
        let length = Int(input[offset + 3]) << 8 | Int(input[offset + 4])
        let end = min(offset + 5 + length, input.count)
        stream.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[(offset + 5)..<end]))
        if stream.count >= 4 {
            let total = 4 + (Int(stream[1]) << 16 | Int(stream[2]) << 8 | Int(stream[3]))
            if stream.count >= total { return Array(stream[0..<total]) }
        }
        offset += 5 + length
    }
    return nil
}

/// `message` as handshake records of at most `fragment` bytes each.
private func records(_ message: [UInt8], fragment: Int, version: (UInt8, UInt8)) -> [UInt8] {
    var out: [UInt8] = []
    var i = 0
    while i < message.count {
        let take = min(fragment, message.count - i)
        out += [0x16, version.0, version.1, UInt8(take >> 8), UInt8(take & 0xff)]
        out += message[i..<(i + take)]
        i += take
    }
    return out
}
