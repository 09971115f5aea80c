// libFuzzer target: ClientHelloParser.parse, called like the tunnel calls it (on everything
// received so far, capped at maxBufferedBytes) and on the same hello re-split into other records.
//
// Invariants (a violation is a finding: fatalError):
// - a prefix of the input that already gives an answer (anything but needMoreData) gives the
//   same answer as the whole input (more bytes never change a verdict);
// - a complete ClientHello re-fragmented into records of other sizes parses to the same info;
// - the info keeps its documented properties (32-byte random, no GREASE in lists, SNI lower-cased
//   and without a trailing dot, fallback SCSV flag matching the suites).
import TLSGateTLS

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzClientHello(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    guard let start, count > 0 else { return 0 }
    let all = UnsafeRawBufferPointer(start: start, count: count)
    let input = UnsafeRawBufferPointer(rebasing: all[0..<min(count, ClientHelloParser.maxBufferedBytes)])
    let n = input.count
    let whole = ClientHelloParser.parse(input)
    if ClientHelloParser.parse(input) != whole { fatalError("ClientHello: two parses of the same bytes differ") }

    // Prefixes: one at a byte taken from the input, a few spread out, and all of them for short inputs.
    var cuts = [(Int(input[0]) << 8 | Int(input[n - 1])) % n, n / 2, n - 1, 5, 9]
    if n <= 300 { cuts += Array(0..<n) }
    for cut in cuts where cut > 0 && cut < n {
        let partial = ClientHelloParser.parse(UnsafeRawBufferPointer(rebasing: input[0..<cut]))
        if partial != .needMoreData && partial != whole {
            fatalError("ClientHello: \(cut) of \(n) bytes gave \(partial), all gave \(whole)")
        }
    }

    guard case .complete(let info) = whole else { return 0 }
    check(info)
    if let message = handshakeMessage(input) {
        let sizes = [1 + Int(input[n - 1] % 7), 1 + (Int(input[n / 2]) << 6) % 16384, message.count, 16384]
        for size in sizes {
            let wire = records(message, fragment: size, version: (input[1], input[2]))
            guard wire.count <= ClientHelloParser.maxBufferedBytes else { continue }
            let again = ClientHelloParser.parse(wire + [0x14, 0x03, 0x03, 0x00, 0x01, 0x01])
            if again != whole { fatalError("ClientHello: re-split into \(size)-byte records gave \(again), was \(whole)") }
        }
    } else {
        fatalError("ClientHello: complete, but the records do not hold a whole handshake message")
    }
    return 0
}

private func check(_ info: ClientHelloInfo) {
    guard info.random.count == 32 else { fatalError("ClientHello: random of \(info.random.count) bytes") }
    for v in info.cipherSuites + info.supportedVersions where isGREASE(v) {
        fatalError("ClientHello: GREASE value \(v) kept")
    }
    if info.hasFallbackSCSV != info.cipherSuites.contains(CipherSuiteInfo.fallbackSCSV) {
        fatalError("ClientHello: hasFallbackSCSV disagrees with the suites")
    }
    if (info.serverName == nil) != (info.rawServerName == nil) { fatalError("ClientHello: serverName/rawServerName") }
    if let raw = info.rawServerName, let name = info.serverName {
        for b in raw.utf8 {
            switch b {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."): break
            default: fatalError("ClientHello: SNI byte \(b) in \(raw.debugDescription)")
            }
        }
        var expected = raw.lowercased()
        if expected.hasSuffix(".") { expected.removeLast() }
        if name != expected || name.isEmpty || name.hasSuffix(".") || name.hasPrefix(".") || name.contains("..")
            || raw.utf8.count > 255 {
            fatalError("ClientHello: SNI \(raw.debugDescription) normalized to \(name.debugDescription)")
        }
    }
    // What the tunnel looks at.
    _ = (info.highestVersion, info.hasExtension(0), info.alpn.count, info.extensionTypes.count)
    for suite in info.cipherSuites {
        _ = (CipherSuiteInfo.name(suite), CipherSuiteInfo.isWeak(suite, minVersion13: false),
             CipherSuiteInfo.isWeak(suite, minVersion13: true), CipherSuiteInfo.isTLS13(suite),
             CipherSuiteInfo.isForwardSecret(suite), CipherSuiteInfo.isFIPSApproved(suite))
    }
}

private func isGREASE(_ v: UInt16) -> Bool { v & 0x0f0f == 0x0a0a && v >> 8 == v & 0xff }

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
