@testable import TLSGateHTTP

/// UTF-8 bytes of a string.
func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// The outcome of parsing a whole buffer at once, flattened for assertions.
enum Parsed<Head> {
    case incomplete
    case complete(Head, Int)
    case invalid(HTTPParseError)

    var head: Head? { if case .complete(let h, _) = self { return h }; return nil }
    var consumed: Int? { if case .complete(_, let c) = self { return c }; return nil }
    var error: HTTPParseError? { if case .invalid(let e) = self { return e }; return nil }
    var isIncomplete: Bool { if case .incomplete = self { return true }; return false }
}

func flatten<H>(_ r: HeadParseResult<H>) -> Parsed<H> {
    switch r {
    case .incomplete: return .incomplete
    case .complete(let h, let c): return .complete(h, c)
    case .invalid(let e): return .invalid(e)
    }
}

func parseRequest(_ s: String, maxHeadBytes: Int = 32 * 1024, maxHeaderCount: Int = 256) -> Parsed<HTTPRequestHead> {
    var p = HTTPHeadParser(maxHeadBytes: maxHeadBytes, maxHeaderCount: maxHeaderCount)
    return flatten(p.parseRequest(bytes(s)))
}

func parseResponse(_ s: String, maxHeadBytes: Int = 32 * 1024) -> Parsed<HTTPResponseHead> {
    var p = HTTPHeadParser(maxHeadBytes: maxHeadBytes)
    return flatten(p.parseResponse(bytes(s)))
}

/// Feeds `input` one byte at a time into a growing buffer; returns the first non-incomplete result
/// and the buffer length at that point.
func parseRequestBytewise(_ input: [UInt8], parser: inout HTTPHeadParser) -> (Parsed<HTTPRequestHead>, Int) {
    var buffer: [UInt8] = []
    for b in input {
        buffer.append(b)
        let r = flatten(parser.parseRequest(buffer))
        if !r.isIncomplete { return (r, buffer.count) }
    }
    return (.incomplete, buffer.count)
}

func parseResponseBytewise(_ input: [UInt8], parser: inout HTTPHeadParser) -> (Parsed<HTTPResponseHead>, Int) {
    var buffer: [UInt8] = []
    for b in input {
        buffer.append(b)
        let r = flatten(parser.parseResponse(buffer))
        if !r.isIncomplete { return (r, buffer.count) }
    }
    return (.incomplete, buffer.count)
}

/// Deterministic PRNG (SplitMix64) for reproducible randomized tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Runs a tracker over `input` split at the given cut points; returns (total consumed, complete) or the error.
func track(_ framing: BodyFraming, _ input: [UInt8], cuts: [Int]) -> Result<(Int, Bool), HTTPParseError> {
    var tracker = BodyTracker(framing)
    var offset = 0
    var bounds = cuts.filter { $0 > 0 && $0 < input.count }
    bounds.append(input.count)
    var total = 0
    for end in bounds where end >= offset {
        var piece = offset
        while piece < end {
            let slice = Array(input[piece..<end])
            do {
                let (n, done) = try tracker.consume(slice)
                total += n
                if done { return .success((total, true)) }
                if n == 0 { return .success((total, false)) }
                piece += n
            } catch {
                return .failure(error)
            }
        }
        offset = end
    }
    return .success((total, tracker.isComplete))
}
