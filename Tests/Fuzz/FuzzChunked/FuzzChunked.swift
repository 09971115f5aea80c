// libFuzzer target: BodyTracker with chunked framing, fed the input in pieces like the proxy feeds
// it the bytes that follow a head (whole, byte by byte, and in pseudo-random piece sizes derived
// from the input).
//
// Invariants (a violation is a finding: fatalError):
// - each call consumes 0...given bytes; an incomplete tracker consumes everything it is given;
// - once complete it stays complete and consumes nothing more; once failed it throws the same error;
// - bytesConsumed is the sum of what the calls returned;
// - the end (complete after N bytes / failed with error E / still incomplete) does not depend on the split;
// - where the tracker says the body ends, an independent walk of the chunk structure ends too.
import TLSGateHTTP

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChunked(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    guard let start, count > 0 else { return 0 }
    let input = UnsafeRawBufferPointer(start: start, count: count)
    let whole = track(input, pieces: [count])
    let bytewise = track(input, pieces: Array(repeating: 1, count: count))
    let random = track(input, pieces: pieceSizes(input))
    if whole != bytewise { fatalError("chunked: whole \(whole) vs byte by byte \(bytewise)") }
    if whole != random { fatalError("chunked: whole \(whole) vs pieces \(random)") }
    if case .complete(let end) = whole {
        let walked = walkChunks(input)
        if walked != end { fatalError("chunked: tracker ends at \(end), chunk walk at \(walked.map(String.init) ?? "nil")") }
    }
    return 0
}

private enum End: Equatable {
    case complete(Int)
    case failed(HTTPParseError)
    case incomplete
}

/// Runs a fresh chunked tracker over the input split into `pieces` (sizes, summing to the count).
private func track(_ input: UnsafeRawBufferPointer, pieces: [Int]) -> End {
    var tracker = BodyTracker(.chunked)
    var offset = 0
    var total = 0
    var end = End.incomplete
    for size in pieces {
        let piece = UnsafeRawBufferPointer(rebasing: input[offset..<(offset + size)])
        offset += size
        let wasComplete = tracker.isComplete
        do {
            let (consumed, complete) = try tracker.consume(piece)
            guard consumed >= 0, consumed <= size else { fatalError("chunked: consumed \(consumed) of \(size)") }
            guard complete == tracker.isComplete else { fatalError("chunked: returned complete \(complete), isComplete \(tracker.isComplete)") }
            if wasComplete, !complete || consumed != 0 { fatalError("chunked: completion not stable") }
            if !complete, consumed != size { fatalError("chunked: incomplete but consumed \(consumed) of \(size)") }
            if case .failed = end { fatalError("chunked: consumed after failing") }
            total += consumed
            guard tracker.bytesConsumed == UInt64(total) else {
                fatalError("chunked: bytesConsumed \(tracker.bytesConsumed) != \(total)")
            }
            if complete, !wasComplete { end = .complete(total) }
        } catch {
            if wasComplete { fatalError("chunked: threw \(error) after completing") }
            if case .failed(let first) = end, first != error { fatalError("chunked: threw \(first) then \(error)") }
            end = .failed(error)
        }
    }
    // More calls after the end change nothing.
    let extra = UnsafeRawBufferPointer(rebasing: input[0..<min(input.count, 3)])
    do {
        let (consumed, complete) = try tracker.consume(extra)
        switch end {
        case .complete: if consumed != 0 || !complete { fatalError("chunked: completion not stable after the end") }
        case .failed(let e): fatalError("chunked: failed with \(e), then accepted bytes")
        case .incomplete: break
        }
    } catch {
        if case .failed(let first) = end, first != error { fatalError("chunked: threw \(first) then \(error)") }
        if case .complete = end { fatalError("chunked: threw \(error) after completing") }
    }
    return end
}

/// Piece sizes (1...64, sometimes up to 1024) from an xorshift generator seeded by a hash of the input.
private func pieceSizes(_ input: UnsafeRawBufferPointer) -> [Int] {
    var state: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in input { state = (state ^ UInt64(b)) &* 0x100_0000_01b3 }
    if state == 0 { state = 1 }
    var sizes: [Int] = []
    var left = input.count
    while left > 0 {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        let limit = state & 0x300 == 0 ? 1024 : 64
        let size = min(left, 1 + Int(state % UInt64(limit)))
        sizes.append(size)
        left -= size
    }
    return sizes
}

/// Where the chunked body in `input` ends per the chunk structure alone (sizes, CRLFs, trailer
/// lines up to the empty line), or nil where that structure is broken or unfinished.
private func walkChunks(_ input: UnsafeRawBufferPointer) -> Int? {
    let n = input.count
    var i = 0
    func lineEnd(from start: Int) -> Int? { // index of the CR of the next CRLF
        var j = start
        while j + 1 < n {
            if input[j] == 0x0D && input[j + 1] == 0x0A { return j }
            j += 1
        }
        return nil
    }
    while true {
        var size: UInt64 = 0
        var digits = 0
        while i < n, let v = hex(input[i]) {
            guard size >> 60 == 0 else { return nil }
            size = size << 4 | UInt64(v)
            digits += 1
            i += 1
        }
        guard digits > 0, let cr = lineEnd(from: i) else { return nil }
        i = cr + 2
        if size == 0 { break }
        guard UInt64(n - i) >= size + 2 else { return nil }
        i += Int(size)
        guard input[i] == 0x0D, input[i + 1] == 0x0A else { return nil }
        i += 2
    }
    while true { // trailer section
        guard let cr = lineEnd(from: i) else { return nil }
        if cr == i { return i + 2 }
        i = cr + 2
    }
}

private func hex(_ b: UInt8) -> UInt8? {
    switch b {
    case 0x30...0x39: return b - 0x30
    case 0x41...0x46: return b - 0x37
    case 0x61...0x66: return b - 0x57
    default: return nil
    }
}
