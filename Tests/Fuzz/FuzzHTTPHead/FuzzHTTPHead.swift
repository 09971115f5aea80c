// libFuzzer target: HTTPHeadParser (requests and responses) fed like the proxy feeds it, plus the
// steps the proxy applies to a parsed head (target parsing, framing, re-serialization).
//
// Invariants (a violation is a finding: fatalError):
// - the outcome sequence (pipelined heads, then the final incomplete/invalid) is the same whether
//   the input arrives at once, in two pieces split at a byte taken from the input, or byte by byte;
// - a complete head consumes 1...available bytes;
// - the head the proxy sends upstream (`upstreamRequestHead`) / to the client (`clientResponseHead`)
//   parses back completely, with the same method/status and the same body framing.
import TLSGateHTTP

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPHead(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    guard let start, count > 0 else { return 0 }
    let input = UnsafeRawBufferPointer(start: start, count: count)
    let split = (Int(input[0]) << 8 | Int(input[count - 1])) % (count + 1)
    // The default limits and tight ones (so the too-large / too-many paths are reachable).
    for (maxBytes, maxFields) in [(32 * 1024, 256), (64 + Int(input[count / 2]), 1 + Int(input[0] & 7))] {
        let whole = requestOutcomes(input, limits: (maxBytes, maxFields), schedule: [count])
        let halves = requestOutcomes(input, limits: (maxBytes, maxFields), schedule: [split, count])
        agree(whole, halves, "request head: whole vs split at \(split)")
        if count <= 2048 {
            let bytewise = requestOutcomes(input, limits: (maxBytes, maxFields), schedule: Array(1...count))
            agree(whole, bytewise, "request head: whole vs byte by byte")
        }
        let method = ["GET", "HEAD", "CONNECT", "POST"][Int(input[count - 1] & 3)]
        let wholeResponse = responseOutcomes(input, limits: (maxBytes, maxFields), schedule: [count], method: method)
        let halvesResponse = responseOutcomes(input, limits: (maxBytes, maxFields), schedule: [split, count], method: method)
        agree(wholeResponse, halvesResponse, "response head: whole vs split at \(split)")
    }
    return 0
}

/// What one `parse` call ended with, reduced to comparable values.
private enum Outcome: Equatable {
    case complete(summary: [String], consumed: Int)
    case incomplete
    case invalid(HTTPParseError)
}

private func agree(_ a: [Outcome], _ b: [Outcome], _ what: String) {
    if a != b { fatalError("\(what): outcomes differ:\n  \(a)\n  \(b)") }
}

/// Feeds the input as it arrives in `schedule` (cumulative byte counts received), parsing heads
/// back to back like a keep-alive connection with body-less requests. Each parse is called twice
/// with the same bytes (a spurious wake-up) to check it is idempotent while incomplete.
private func requestOutcomes(_ input: UnsafeRawBufferPointer, limits: (Int, Int), schedule: [Int]) -> [Outcome] {
    var parser = HTTPHeadParser(maxHeadBytes: limits.0, maxHeaderCount: limits.1)
    var outcomes: [Outcome] = []
    var base = 0
    var step = 0
    var received = schedule[0]
    var calls = 0
    while true {
        calls += 1
        if calls > 4 * input.count + 16 { fatalError("request head: parse loop does not progress") }
        if base == received {
            step += 1
            guard step < schedule.count else { break }
            received = schedule[step]
            continue
        }
        let available = UnsafeRawBufferPointer(rebasing: input[base..<received])
        let result = parser.parseRequest(available)
        switch result {
        case .complete(let head, let consumed):
            guard consumed > 0, consumed <= available.count else {
                fatalError("request head: consumed \(consumed) of \(available.count)")
            }
            guard head.headers.headByteCount <= consumed else {
                fatalError("request head: headByteCount \(head.headers.headByteCount) > consumed \(consumed)")
            }
            checkForwarding(head)
            outcomes.append(.complete(summary: summary(head), consumed: consumed))
            base += consumed
        case .invalid(let error):
            _ = (error.status, error.reason)
            outcomes.append(.invalid(error))
            return outcomes
        case .incomplete:
            if case .incomplete = parser.parseRequest(available) {} else {
                fatalError("request head: incomplete, then not incomplete for the same bytes")
            }
            step += 1
            guard step < schedule.count else {
                outcomes.append(.incomplete)
                return outcomes
            }
            received = schedule[step]
        }
    }
    return outcomes
}

private func responseOutcomes(
    _ input: UnsafeRawBufferPointer, limits: (Int, Int), schedule: [Int], method: String
) -> [Outcome] {
    var parser = HTTPHeadParser(maxHeadBytes: limits.0, maxHeaderCount: limits.1)
    var outcomes: [Outcome] = []
    var base = 0
    var step = 0
    var received = schedule[0]
    var calls = 0
    while true {
        calls += 1
        if calls > 4 * input.count + 16 { fatalError("response head: parse loop does not progress") }
        if base == received {
            step += 1
            guard step < schedule.count else { break }
            received = schedule[step]
            continue
        }
        let available = UnsafeRawBufferPointer(rebasing: input[base..<received])
        switch parser.parseResponse(available) {
        case .complete(let head, let consumed):
            guard consumed > 0, consumed <= available.count else {
                fatalError("response head: consumed \(consumed) of \(available.count)")
            }
            checkClientResponse(head, method: method)
            outcomes.append(.complete(summary: summary(head), consumed: consumed))
            base += consumed
        case .invalid(let error):
            outcomes.append(.invalid(error))
            return outcomes
        case .incomplete:
            step += 1
            guard step < schedule.count else {
                outcomes.append(.incomplete)
                return outcomes
            }
            received = schedule[step]
        }
    }
    return outcomes
}

private func summary(_ head: HTTPRequestHead) -> [String] {
    var s = [head.method, head.target, "\(head.version)", "\(head.headers.headByteCount)"]
    for (name, value) in head.headers { s.append(name); s.append(value) }
    return s
}

private func summary(_ head: HTTPResponseHead) -> [String] {
    var s = ["\(head.version)", "\(head.status)", head.reason, "\(head.headers.headByteCount)"]
    for (name, value) in head.headers { s.append(name); s.append(value) }
    return s
}

/// What the proxy does with a request head; the head it sends upstream must mean the same.
private func checkForwarding(_ head: HTTPRequestHead) {
    _ = (head.keepAlive, head.expectsContinue)
    if head.isConnect {
        if let authority = Authority.parse(head.target) {
            guard authority.port >= 1, authority.port <= 65535, !authority.host.isEmpty else {
                fatalError("CONNECT authority out of range: \(authority)")
            }
            _ = authority.text
        }
        return
    }
    guard let uri = AbsoluteURI.parse(head.target) else { return }
    if let host = head.headers.first("host"), !uri.matchesHostHeader(host) { return }
    let framing = requestFraming(head)
    guard case .success = framing else { return }
    let hostHeader = uri.hostHeaderValue
    for closeUpstream in [false, true] {
        let out = upstreamRequestHead(head, originForm: uri.pathAndQuery, hostIfMissing: hostHeader,
                                      closeUpstream: closeUpstream)
        var parser = HTTPHeadParser(maxHeadBytes: out.count + 64, maxHeaderCount: head.headers.count + 2)
        switch parser.parseRequest(out) {
        case .complete(let again, let consumed):
            guard consumed == out.count else { fatalError("upstream head: consumed \(consumed) of \(out.count)") }
            guard again.method == head.method, again.target == uri.pathAndQuery, again.version == head.version else {
                fatalError("upstream head: request line changed: \(again.method) \(again.target)")
            }
            let reframed = requestFraming(again)
            guard reframed == framing else {
                fatalError("upstream head: framing \(framing) became \(reframed) (request smuggling)")
            }
            if let host = again.headers.first("host"), !uri.matchesHostHeader(host) {
                fatalError("upstream head: Host \(host) does not match \(uri.host)")
            }
        case .incomplete:
            fatalError("upstream head incomplete: \(String(decoding: out, as: UTF8.self).debugDescription)")
        case .invalid(let error):
            fatalError("upstream head invalid (\(error)): \(String(decoding: out, as: UTF8.self).debugDescription)")
        }
    }
}

/// What the proxy does with a response head; the head it sends the client must mean the same.
private func checkClientResponse(_ head: HTTPResponseHead, method: String) {
    let framing = responseFraming(head, requestMethod: method)
    guard case .success(let f) = framing else { return }
    for clientVersion in [HTTPVersion.http10, .http11] {
        let keepAlive = head.keepAlive && f != .untilClose
        let out = clientResponseHead(head, keepAlive: keepAlive, clientVersion: clientVersion)
        var parser = HTTPHeadParser(maxHeadBytes: out.count + 64, maxHeaderCount: head.headers.count + 2)
        switch parser.parseResponse(out) {
        case .complete(let again, let consumed):
            guard consumed == out.count else { fatalError("client head: consumed \(consumed) of \(out.count)") }
            guard again.status == head.status else { fatalError("client head: status changed") }
            let reframed = responseFraming(again, requestMethod: method)
            guard reframed == framing else {
                fatalError("client head: framing \(framing) became \(reframed) for \(method)")
            }
        case .incomplete:
            fatalError("client head incomplete: \(String(decoding: out, as: UTF8.self).debugDescription)")
        case .invalid(let error):
            fatalError("client head invalid (\(error)): \(String(decoding: out, as: UTF8.self).debugDescription)")
        }
    }
}
