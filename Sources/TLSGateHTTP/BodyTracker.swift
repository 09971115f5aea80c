/// Finds where a message body ends while its bytes are forwarded verbatim (chunked stays chunked).
///
/// Feed it the bytes that follow the head, in any split: `consume` says how many of them belong to
/// this message and whether the message is complete. The answer does not depend on how the input is
/// split. Inside chunk data and for Content-Length a call is O(1) (it only counts); chunk-size lines
/// and trailers are checked byte by byte and bounded. Chunked framing requires CRLF (a bare LF is
/// refused: parsers that disagree on it enable smuggling).
public struct BodyTracker: Sendable {
    /// Longest chunk-size line accepted, extensions included, CRLF excluded.
    public static let maxChunkLineBytes = 1024
    /// Largest trailer section accepted, final CRLF included.
    public static let maxTrailerBytes = 16 * 1024

    private enum Phase: UInt8, Sendable {
        case size, sizeBWS, ext, sizeLF
        case data, dataCR, dataLF
        case trailerStart, trailerName, trailerValue, trailerLF, endLF
    }

    private enum Mode: Sendable {
        case none, length, chunked, untilClose
    }

    private let mode: Mode
    private var phase: Phase = .size
    /// Bytes left in the Content-Length body or the current chunk; for the size line, the value so far.
    private var remaining: UInt64 = 0
    private var digits = 0
    private var lineBytes = 0
    private var trailerBytes = 0
    private var failure: HTTPParseError?

    /// Whether the message has ended.
    public private(set) var isComplete: Bool
    /// Whether the body ends when the connection closes (no length given: HTTP/1.0 style).
    public var endsAtClose: Bool { mode == .untilClose }
    /// Body bytes consumed so far (framing included for chunked).
    public private(set) var bytesConsumed: UInt64 = 0

    /// A tracker for a body framed as `framing`.
    public init(_ framing: BodyFraming) {
        switch framing {
        case .none:
            mode = .none; isComplete = true
        case .contentLength(let n):
            mode = .length; remaining = n; isComplete = n == 0
        case .chunked:
            mode = .chunked; isComplete = false
        case .untilClose:
            mode = .untilClose; isComplete = false
        }
    }

    /// Consumes a prefix of `bytes`: returns how many belong to this message and whether it is complete.
    /// Once complete, returns `(0, true)`; once failed, throws the same error again.
    public mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(HTTPParseError) -> (consumed: Int, complete: Bool) {
        var none = NoPayloadSink()
        return try consume(bytes, into: &none)
    }

    /// ``consume(_:)`` that also hands `sink` the payload (chunk framing removed) and the trailer
    /// section: for a body that changes framing on the way (HTTP/1.1 chunked to HTTP/2 DATA).
    @inline(__always)
    public mutating func consume<Sink: BodyPayloadSink>(_ bytes: UnsafeRawBufferPointer, into sink: inout Sink)
        throws(HTTPParseError) -> (consumed: Int, complete: Bool) {
        if let failure { throw failure }
        if isComplete { return (0, true) }
        switch mode {
        case .none:
            return (0, true)
        case .untilClose:
            bytesConsumed &+= UInt64(bytes.count)
            if bytes.count > 0 { sink.payload(0..<bytes.count) }
            return (bytes.count, false)
        case .length:
            let take = Int(min(remaining, UInt64(bytes.count)))
            if take > 0 { sink.payload(0..<take) }
            remaining -= UInt64(take)
            bytesConsumed &+= UInt64(take)
            if remaining == 0 { isComplete = true }
            return (take, isComplete)
        case .chunked:
            do {
                let n = try consumeChunked(bytes, &sink)
                bytesConsumed &+= UInt64(n)
                return (n, isComplete)
            } catch {
                failure = error
                throw error
            }
        }
    }

    /// Consumes a prefix of `bytes` (see the pointer variant).
    public mutating func consume(_ bytes: [UInt8]) throws(HTTPParseError) -> (consumed: Int, complete: Bool) {
        var result: Result<(consumed: Int, complete: Bool), HTTPParseError> = .success((0, false))
        bytes.withUnsafeBytes { buffer in
            do throws(HTTPParseError) { result = .success(try consume(buffer)) } catch { result = .failure(error) }
        }
        return try result.get()
    }

    @inline(__always)
    private mutating func consumeChunked<Sink: BodyPayloadSink>(_ bytes: UnsafeRawBufferPointer, _ sink: inout Sink) throws(HTTPParseError) -> Int {
        let n = bytes.count
        var i = 0
        while i < n {
            if phase == .data {
                let take = Int(min(remaining, UInt64(n - i)))
                if take > 0 { sink.payload(i..<(i + take)) }
                remaining -= UInt64(take)
                i += take
                if remaining == 0 { phase = .dataCR }
                continue
            }
            let b = bytes[i]
            i += 1
            switch phase {
            case .size:
                if let h = ByteClass.hexValue(b) {
                    guard remaining <= (UInt64.max >> 4) else { throw .chunkSizeOverflow }
                    remaining = remaining << 4 | h
                    digits += 1
                    try countLine()
                } else {
                    guard digits > 0 else { throw .invalidChunkSize }
                    try endOfSize(b)
                }
            case .sizeBWS:
                if ByteClass.isWhitespace(b) { try countLine() }
                else if b == ByteClass.semicolon { phase = .ext; try countLine() }
                else { throw .invalidChunkSize }
            case .ext:
                if b == ByteClass.cr { phase = .sizeLF }
                else if ByteClass.isFieldValueByte(b) { try countLine() }
                else { throw .invalidChunkSize }
            case .sizeLF:
                guard b == ByteClass.lf else { throw .invalidChunkFraming }
                digits = 0
                lineBytes = 0
                phase = remaining == 0 ? .trailerStart : .data
            case .data:
                break // handled above
            case .dataCR:
                guard b == ByteClass.cr else { throw .invalidChunkFraming }
                phase = .dataLF
            case .dataLF:
                guard b == ByteClass.lf else { throw .invalidChunkFraming }
                phase = .size
            case .trailerStart:
                try countTrailer()
                if b == ByteClass.cr { phase = .endLF }
                else if ByteClass.isTchar(b) { phase = .trailerName; sink.trailerByte(b) }
                else if ByteClass.isWhitespace(b) || b == ByteClass.lf { throw .invalidChunkFraming }
                else { throw .invalidTrailer }
            case .trailerName:
                try countTrailer()
                sink.trailerByte(b)
                if b == ByteClass.colon { phase = .trailerValue }
                else if !ByteClass.isTchar(b) { throw .invalidTrailer }
            case .trailerValue:
                try countTrailer()
                sink.trailerByte(b)
                if b == ByteClass.cr { phase = .trailerLF }
                else if !ByteClass.isFieldValueByte(b) { throw .invalidTrailer }
            case .trailerLF:
                try countTrailer()
                guard b == ByteClass.lf else { throw .invalidChunkFraming }
                sink.trailerByte(b)
                phase = .trailerStart
            case .endLF:
                try countTrailer()
                guard b == ByteClass.lf else { throw .invalidChunkFraming }
                isComplete = true
                return i
            }
        }
        return i
    }

    /// The first byte after the hex digits of a chunk-size line.
    private mutating func endOfSize(_ b: UInt8) throws(HTTPParseError) {
        switch b {
        case ByteClass.cr: phase = .sizeLF
        case ByteClass.semicolon: phase = .ext; try countLine()
        case ByteClass.sp, ByteClass.htab: phase = .sizeBWS; try countLine()
        case ByteClass.lf: throw .invalidChunkFraming
        default: throw .invalidChunkSize
        }
    }

    @inline(__always)
    private mutating func countLine() throws(HTTPParseError) {
        lineBytes += 1
        if lineBytes > Self.maxChunkLineBytes { throw .chunkLineTooLong }
    }

    @inline(__always)
    private mutating func countTrailer() throws(HTTPParseError) {
        trailerBytes += 1
        if trailerBytes > Self.maxTrailerBytes { throw .trailersTooLarge }
    }
}

/// Receives what ``BodyTracker/consume(_:into:)`` finds inside a body.
public protocol BodyPayloadSink {
    /// Payload bytes at `range` of the buffer just given to `consume` (chunk framing excluded).
    mutating func payload(_ range: Range<Int>)
    /// One byte of the trailer section, in order: `name:value` lines each ending CRLF (the final
    /// empty line is not passed). At most `BodyTracker.maxTrailerBytes`.
    mutating func trailerByte(_ byte: UInt8)
}

/// The sink of plain ``BodyTracker/consume(_:)`` (verbatim forwarding): does nothing.
public struct NoPayloadSink: BodyPayloadSink {
    public init() {}
    @inline(__always) public mutating func payload(_ range: Range<Int>) {}
    @inline(__always) public mutating func trailerByte(_ byte: UInt8) {}
}

/// Collects payload ranges and trailer lines (the body's parts for another framing).
public struct BodyParts: BodyPayloadSink {
    /// Payload ranges of the last buffer consumed (clear between buffers).
    public var payload: [Range<Int>] = []
    /// Trailer section bytes so far.
    public var trailerBytes: [UInt8] = []

    public init() {}

    public mutating func payload(_ range: Range<Int>) { payload.append(range) }
    public mutating func trailerByte(_ byte: UInt8) { trailerBytes.append(byte) }

    /// The trailer section as header fields (already validated by the tracker).
    public var trailers: HTTPHeaders {
        var builder = HTTPHeaders.Builder()
        var line: [UInt8] = []
        for b in trailerBytes {
            if b == ByteClass.lf {
                if line.last == ByteClass.cr { line.removeLast() }
                if let colon = line.firstIndex(of: ByteClass.colon) {
                    var vs = colon + 1, ve = line.count
                    while vs < ve && ByteClass.isWhitespace(line[vs]) { vs += 1 }
                    while ve > vs && ByteClass.isWhitespace(line[ve - 1]) { ve -= 1 }
                    line.withUnsafeBufferPointer { l in
                        builder.append(name: UnsafeBufferPointer(rebasing: l[0..<colon]), value: UnsafeBufferPointer(rebasing: l[vs..<ve]))
                    }
                }
                line.removeAll(keepingCapacity: true)
            } else {
                line.append(b)
            }
        }
        return builder.build()
    }
}
