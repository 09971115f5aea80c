import Testing
@testable import TLSGateHTTP

@Suite struct BodyTrackerTests {
    static let chunkedBody = "5;name=value\r\nhello\r\n"
        + "1A; a=\"q s\" ;b\r\n" + "abcdefghijklmnopqrstuvwxyz" + "\r\n"
        + "0;last=1\r\nX-Trailer: v\r\nx-amz-checksum-crc32: AAAAAA==\r\n\r\n"
    static let following = "GET /next HTTP/1.1\r\n\r\n"

    @Test func chunkedWhole() throws {
        let input = bytes(Self.chunkedBody + Self.following)
        let r = try track(.chunked, input, cuts: []).get()
        #expect(r.0 == Self.chunkedBody.utf8.count)
        #expect(r.1)
    }

    /// Splitting the input at any one position gives the same answer.
    @Test func chunkedSplitAtEveryPosition() throws {
        let input = bytes(Self.chunkedBody + Self.following)
        let expected = Self.chunkedBody.utf8.count
        for cut in 0...input.count {
            let r = try track(.chunked, input, cuts: [cut]).get()
            #expect(r.0 == expected && r.1, "cut \(cut)")
        }
    }

    /// Splitting at every pair of positions gives the same answer.
    @Test func chunkedSplitAtEveryPair() throws {
        let input = bytes(Self.chunkedBody)
        let n = input.count
        var failures = 0
        for a in 0...n {
            for b in a...n {
                let r = try track(.chunked, input, cuts: [a, b]).get()
                if !(r.0 == n && r.1) { failures += 1 }
            }
        }
        #expect(failures == 0)
    }

    @Test func chunkedOneByteAtATime() throws {
        let input = bytes(Self.chunkedBody + Self.following)
        let r = try track(.chunked, input, cuts: Array(0...input.count)).get()
        #expect(r.0 == Self.chunkedBody.utf8.count)
        #expect(r.1)
    }

    @Test func chunkedIncompletePrefixes() throws {
        let input = bytes(Self.chunkedBody)
        for n in 0..<input.count {
            let r = try track(.chunked, Array(input[0..<n]), cuts: []).get()
            #expect(r.0 == n && !r.1, "prefix \(n)")
        }
    }

    @Test func chunkedMinimalAndUppercaseHex() throws {
        #expect(try track(.chunked, bytes("0\r\n\r\n"), cuts: []).get() == (5, true))
        #expect(try track(.chunked, bytes("A\r\n0123456789\r\n0\r\n\r\n"), cuts: []).get().1)
        #expect(try track(.chunked, bytes("a\r\n0123456789\r\n0\r\n\r\n"), cuts: []).get().1)
        #expect(try track(.chunked, bytes("5 ;x\r\nhello\r\n0\r\n\r\n"), cuts: []).get().1)
    }

    @Test func awsChunkedSigV4Streaming() throws {
        // aws-chunked payload inside HTTP chunked framing: signature extensions on each chunk line.
        let sig = String(repeating: "a", count: 64)
        let body = "400;chunk-signature=\(sig)\r\n" + String(repeating: "x", count: 1024) + "\r\n"
            + "0;chunk-signature=\(sig)\r\n\r\n"
        let input = bytes(body)
        #expect(try track(.chunked, input, cuts: []).get() == (input.count, true))
        #expect(try track(.chunked, input, cuts: Array(stride(from: 0, to: input.count, by: 7))).get() == (input.count, true))
    }

    static let chunkedRefusals: [(String, HTTPParseError)] = [
        ("\r\n", .invalidChunkSize),
        ("g\r\n", .invalidChunkSize),
        ("-1\r\n", .invalidChunkSize),
        ("+1\r\n", .invalidChunkSize),
        ("0x5\r\n", .invalidChunkSize),
        (" 5\r\n", .invalidChunkSize),
        ("5 \r\n", .invalidChunkSize),
        ("5\n", .invalidChunkFraming),
        ("5\rx", .invalidChunkFraming),
        ("5;a\nhello", .invalidChunkSize),
        ("5;a\u{1}\r\n", .invalidChunkSize),
        ("5\r\nhelloX", .invalidChunkFraming),
        ("5\r\nhello\n", .invalidChunkFraming),
        ("5\r\nhello\r\r", .invalidChunkFraming),
        ("5\r\nhelloo\r\n", .invalidChunkFraming),
        ("10000000000000000\r\n", .chunkSizeOverflow),
        ("FFFFFFFFFFFFFFFFF\r\n", .chunkSizeOverflow),
        ("0\r\n\n", .invalidChunkFraming),
        ("0\r\n\rX", .invalidChunkFraming),
        ("0\r\n X: y\r\n\r\n", .invalidChunkFraming),
        ("0\r\nX : y\r\n\r\n", .invalidTrailer),
        ("0\r\n: y\r\n\r\n", .invalidTrailer),
        ("0\r\nX: y\0\r\n\r\n", .invalidTrailer),
        ("0\r\nX: y\n\r\n", .invalidTrailer),
        ("0\r\nX: y\rZ", .invalidChunkFraming),
    ]

    @Test(arguments: chunkedRefusals)
    func chunkedRefused(text: String, expected: HTTPParseError) {
        let input = bytes(text)
        #expect(track(.chunked, input, cuts: []).errorValue == expected, "\(text.debugDescription)")
        #expect(track(.chunked, input, cuts: Array(0...input.count)).errorValue == expected, "bytewise \(text.debugDescription)")
    }

    @Test func maxSixteenHexDigitsAccepted() throws {
        var t = BodyTracker(.chunked)
        #expect(try t.consume(bytes("FFFFFFFFFFFFFFFF\r\nabc")) == (21, false))
    }

    @Test func leadingZerosBoundedByLineLimit() throws {
        let tooLong = String(repeating: "0", count: BodyTracker.maxChunkLineBytes) + "1\r\n"
        #expect(track(.chunked, bytes(tooLong), cuts: []).errorValue == .chunkLineTooLong)
        let fine = String(repeating: "0", count: 1000) + "1\r\nx\r\n0\r\n\r\n"
        #expect(try track(.chunked, bytes(fine), cuts: []).get().1)
    }

    @Test func longExtensionRefused() {
        let line = "5;" + String(repeating: "e", count: BodyTracker.maxChunkLineBytes) + "\r\n"
        #expect(track(.chunked, bytes(line), cuts: []).errorValue == .chunkLineTooLong)
    }

    @Test func trailersBounded() throws {
        let big = "0\r\n" + (0..<400).map { "X-T\($0): " + String(repeating: "v", count: 40) + "\r\n" }.joined() + "\r\n"
        #expect(track(.chunked, bytes(big), cuts: []).errorValue == .trailersTooLarge)
        let small = "0\r\n" + (0..<100).map { "X-T\($0): v\r\n" }.joined() + "\r\n"
        #expect(try track(.chunked, bytes(small), cuts: []).get().1)
    }

    @Test func failureIsSticky() {
        var t = BodyTracker(.chunked)
        #expect(throws: HTTPParseError.invalidChunkSize) { try t.consume(bytes("z")) }
        #expect(throws: HTTPParseError.invalidChunkSize) { try t.consume(bytes("0\r\n\r\n")) }
    }

    @Test func contentLengthCounts() throws {
        var t = BodyTracker(.contentLength(10))
        #expect(!t.isComplete)
        #expect(try t.consume(bytes("abcd")) == (4, false))
        #expect(try t.consume(bytes("efghijEXTRA")) == (6, true))
        #expect(t.isComplete)
        #expect(t.bytesConsumed == 10)
        #expect(try t.consume(bytes("more")) == (0, true))
    }

    @Test func contentLengthZeroAndNone() throws {
        var z = BodyTracker(.contentLength(0))
        #expect(z.isComplete)
        #expect(try z.consume(bytes("abc")) == (0, true))
        var n = BodyTracker(.none)
        #expect(n.isComplete)
        #expect(try n.consume(bytes("abc")) == (0, true))
        #expect(try n.consume([]) == (0, true))
    }

    @Test func untilCloseNeverCompletes() throws {
        var t = BodyTracker(.untilClose)
        for _ in 0..<3 { #expect(try t.consume(bytes("0\r\n\r\n")) == (5, false)) }
        #expect(try t.consume([]) == (0, false))
        #expect(!t.isComplete)
        #expect(t.bytesConsumed == 15)
    }

    @Test func hugeContentLengthIsO1() throws {
        var t = BodyTracker(.contentLength(UInt64(Int64.max)))
        let block = [UInt8](repeating: 0x41, count: 1 << 16)
        for _ in 0..<64 { #expect(try t.consume(block) == (block.count, false)) }
        #expect(t.bytesConsumed == 64 << 16)
    }

    @Test func bigChunkDataCountedInBulk() throws {
        var t = BodyTracker(.chunked)
        #expect(try t.consume(bytes("100000\r\n")) == (8, false))
        let block = [UInt8](repeating: 0x0A, count: 1 << 16) // LF bytes inside data are just data
        for _ in 0..<16 { #expect(try t.consume(block) == (block.count, false)) }
        #expect(try t.consume(bytes("\r\n0\r\n\r\nX")) == (7, true))
    }
}

extension Result {
    var errorValue: Failure? { if case .failure(let e) = self { return e }; return nil }
}
