import Testing
@testable import TLSGateHTTP

/// BodyTracker's payload sink: the decoded body and the trailers, for any split of the input.
@Suite("Body parts (chunked decoding for HTTP/2)")
struct BodyPartsTests {
    static let chunked = Array("5\r\nhello\r\n1;ext=1\r\n,\r\n6\r\n world\r\n0\r\nX-Sum: 42 \r\nX-Other:a\r\n\r\nNEXT".utf8)

    /// Feeds `input` in pieces of `step` bytes; returns (payload, trailers, consumed).
    static func decode(_ input: [UInt8], _ framing: BodyFraming, step: Int) throws -> ([UInt8], [(String, String)], Int) {
        var tracker = BodyTracker(framing)
        var parts = BodyParts()
        var payload: [UInt8] = []
        var offset = 0
        while offset < input.count && !tracker.isComplete {
            let piece = Array(input[offset..<min(input.count, offset + step)])
            parts.payload.removeAll()
            var outcome: Result<(consumed: Int, complete: Bool), any Error> = .success((0, false))
            piece.withUnsafeBytes { buf in
                do { outcome = .success(try tracker.consume(buf, into: &parts)) } catch { outcome = .failure(error) }
            }
            let n = try outcome.get().consumed
            for r in parts.payload { payload += piece[r] }
            offset += n
            if n < piece.count { break }
        }
        return (payload, parts.trailers.map { ($0.name, $0.value) }, offset)
    }

    @Test("chunked: payload without framing and trailers, for every split size")
    func chunkedSplits() throws {
        let end = Self.chunked.count - 4
        for step in 1...Self.chunked.count {
            let (payload, trailers, consumed) = try Self.decode(Self.chunked, .chunked, step: step)
            #expect(payload == Array("hello, world".utf8), "step \(step)")
            #expect(trailers.map(\.0) == ["X-Sum", "X-Other"] && trailers.map(\.1) == ["42", "a"], "step \(step)")
            #expect(consumed == end, "step \(step)")
        }
    }

    @Test("content-length and until-close bodies pass whole")
    func lengthAndClose() throws {
        let body = Array("0123456789abc".utf8)
        let (p1, t1, n1) = try Self.decode(body, .contentLength(10), step: 3)
        #expect(p1 == Array(body.prefix(10)) && t1.isEmpty && n1 == 10)
        let (p2, _, n2) = try Self.decode(body, .untilClose, step: 4)
        #expect(p2 == body && n2 == body.count)
    }

    @Test("the plain consume (verbatim forwarding) is unchanged")
    func plainConsume() throws {
        var tracker = BodyTracker(.chunked)
        let (n, complete) = try tracker.consume(Self.chunked)
        #expect(complete && n == Self.chunked.count - 4)
    }
}
