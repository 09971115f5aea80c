#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Incremental HTTP/1.x head parser.
///
/// Feed it the connection's read buffer each time bytes arrive, always starting at the first byte
/// of the message (the buffer only grows between calls). The parser remembers how far it has
/// scanned for the end of the head, so a head trickling in byte by byte is scanned once (no
/// quadratic rescans); once the empty line is seen the head is validated and parsed once.
///
/// After `.complete` or `.invalid` the parser resets itself for the next message: drop the
/// `consumed` bytes from the buffer and feed the rest.
///
/// Accepts CRLF and bare-LF line endings. Refuses obsolete line folding, whitespace before a colon,
/// control bytes in values, non-token methods and names, bad versions, heads larger than
/// `maxHeadBytes` and more than `maxHeaderCount` fields. Empty lines before a request line are skipped
/// (they count towards `maxHeadBytes`).
public struct HTTPHeadParser: Sendable {
    /// Largest head accepted, in bytes, including leading empty lines and the final empty line (16 B…1 GiB).
    public let maxHeadBytes: Int
    /// Largest number of header fields accepted.
    public let maxHeaderCount: Int

    private enum Scan: UInt8, Sendable {
        case fresh      // nothing scanned for this message yet
        case leading    // request only: at the start of a line, before the request line
        case leadingCR  // request only: a CR of a leading empty line
        case line       // inside a line
        case lineStart  // just after an LF
        case lineStartCR // a CR at the start of a line
    }

    private var scanState: Scan = .fresh
    /// Bytes of the current message already scanned.
    private var scanned = 0
    /// Offset of the start line (after skipped leading empty lines).
    private var start = 0

    /// A parser refusing heads over `maxHeadBytes` bytes or with more than `maxHeaderCount` fields.
    public init(maxHeadBytes: Int = 32 * 1024, maxHeaderCount: Int = 256) {
        // Field offsets are stored as UInt32: keep heads far below 4 GiB.
        self.maxHeadBytes = min(max(16, maxHeadBytes), 1 << 30)
        self.maxHeaderCount = max(1, maxHeaderCount)
    }

    /// Bytes of the current message scanned so far (each byte is scanned once while incomplete).
    var scannedBytes: Int { scanned }

    /// Forgets any scan progress (e.g. when the caller discards its buffer).
    public mutating func reset() {
        scanState = .fresh
        scanned = 0
        start = 0
    }

    /// Parses a request head from the start of `buffer`.
    public mutating func parseRequest(_ buffer: UnsafeRawBufferPointer) -> HeadParseResult<HTTPRequestHead> {
        switch scanForEnd(buffer, isRequest: true) {
        case .incomplete: return .incomplete
        case .invalid(let e): reset(); return .invalid(e)
        case .complete(let headStart, let end):
            reset()
            let raw = Array(UnsafeRawBufferPointer(rebasing: buffer[headStart..<end]))
            switch Self.buildRequest(raw, maxHeaderCount: maxHeaderCount) {
            case .success(let head): return .complete(head, consumed: end)
            case .failure(let e): return .invalid(e)
            }
        }
    }

    /// Parses a response head from the start of `buffer`.
    public mutating func parseResponse(_ buffer: UnsafeRawBufferPointer) -> HeadParseResult<HTTPResponseHead> {
        switch scanForEnd(buffer, isRequest: false) {
        case .incomplete: return .incomplete
        case .invalid(let e): reset(); return .invalid(e)
        case .complete(let headStart, let end):
            reset()
            let raw = Array(UnsafeRawBufferPointer(rebasing: buffer[headStart..<end]))
            switch Self.buildResponse(raw, maxHeaderCount: maxHeaderCount) {
            case .success(let head): return .complete(head, consumed: end)
            case .failure(let e): return .invalid(e)
            }
        }
    }

    /// Parses a request head from the start of `bytes`.
    public mutating func parseRequest(_ bytes: [UInt8]) -> HeadParseResult<HTTPRequestHead> {
        bytes.withUnsafeBytes { parseRequest($0) }
    }

    /// Parses a response head from the start of `bytes`.
    public mutating func parseResponse(_ bytes: [UInt8]) -> HeadParseResult<HTTPResponseHead> {
        bytes.withUnsafeBytes { parseResponse($0) }
    }

    // MARK: End-of-head scan

    private enum ScanResult {
        case incomplete
        case complete(start: Int, end: Int)
        case invalid(HTTPParseError)
    }

    /// Advances the end-of-head scan over the new bytes only.
    private mutating func scanForEnd(_ buffer: UnsafeRawBufferPointer, isRequest: Bool) -> ScanResult {
        if scanState == .fresh || buffer.count < scanned {
            scanState = isRequest ? .leading : .line
            scanned = 0
            start = 0
        }
        let limit = min(buffer.count, maxHeadBytes)
        var i = scanned
        var state = scanState
        while i < limit {
            let b = buffer[i]
            switch state {
            case .line:
                if b == ByteClass.lf {
                    state = .lineStart
                } else if let base = buffer.baseAddress, let lf = memchr(base + i + 1, Int32(ByteClass.lf), limit - i - 1) {
                    // Most bytes are inside a line: jump to its end (memchr is vectorized).
                    i = base.distance(to: UnsafeRawPointer(lf))
                    state = .lineStart
                } else {
                    i = limit
                    continue
                }
            case .lineStart:
                if b == ByteClass.lf { return .complete(start: start, end: i + 1) }
                state = b == ByteClass.cr ? .lineStartCR : .line
            case .lineStartCR:
                if b == ByteClass.lf { return .complete(start: start, end: i + 1) }
                return .invalid(.bareCR)
            case .leading:
                if b == ByteClass.lf {
                    start = i + 1
                } else if b == ByteClass.cr {
                    state = .leadingCR
                } else {
                    state = .line
                }
            case .leadingCR:
                guard b == ByteClass.lf else { return .invalid(.bareCR) }
                start = i + 1
                state = .leading
            case .fresh:
                state = .line
            }
            i += 1
        }
        scanned = i
        scanState = state
        if buffer.count >= maxHeadBytes { return .invalid(.headTooLarge) }
        return .incomplete
    }

    // MARK: Head construction (runs once per head)

    private static func buildRequest(_ raw: [UInt8], maxHeaderCount: Int) -> Result<HTTPRequestHead, HTTPParseError> {
        raw.withUnsafeBufferPointer { bytes -> Result<HTTPRequestHead, HTTPParseError> in
            guard let lineEnd = lineEnd(bytes, from: 0) else { return .failure(.invalidRequestLine) }
            let (contentEnd, next) = lineEnd
            // method
            var i = 0
            while i < contentEnd && ByteClass.isTchar(bytes[i]) { i += 1 }
            guard i > 0 else { return .failure(.invalidMethod) }
            guard i < contentEnd else { return .failure(.invalidRequestLine) }
            guard bytes[i] == ByteClass.sp else {
                return .failure(ByteClass.isWhitespace(bytes[i]) ? .invalidRequestLine : .invalidMethod)
            }
            let methodEnd = i
            i += 1
            // target
            let targetStart = i
            while i < contentEnd && bytes[i] != ByteClass.sp {
                guard ByteClass.isVisibleASCII(bytes[i]) else { return .failure(.invalidTarget) }
                i += 1
            }
            guard i > targetStart else { return .failure(.invalidRequestLine) }
            guard i < contentEnd else { return .failure(.invalidVersion) }
            let targetEnd = i
            i += 1
            // version
            let version: HTTPVersion
            switch parseVersion(bytes, i, contentEnd) {
            case .success(let v): version = v
            case .failure(let e): return .failure(e)
            }
            let section: FieldSection
            switch fieldSection(bytes, from: next, maxHeaderCount: maxHeaderCount) {
            case .success(let s): section = s
            case .failure(let e): return .failure(e)
            }
            guard section.repeated & KnownHeader.host.bit == 0 else { return .failure(.duplicateHost) }
            let method = String(decoding: UnsafeBufferPointer(rebasing: bytes[0..<methodEnd]), as: UTF8.self)
            let target = String(decoding: UnsafeBufferPointer(rebasing: bytes[targetStart..<targetEnd]), as: UTF8.self)
            return .success(HTTPRequestHead(method: method, target: target, version: version,
                                            headers: HTTPHeaders(raw: raw, fields: section.fields, present: section.present)))
        }
    }

    /// The field lines of a head, parsed, with the known names present and repeated.
    private struct FieldSection {
        var fields: [HTTPHeaders.Field] = []
        var present: KnownHeader.Set = 0
        var repeated: KnownHeader.Set = 0
    }

    /// Parses the field lines from `start` (the line after the start line) to the end of the head.
    private static func fieldSection(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int,
                                     maxHeaderCount: Int) -> Result<FieldSection, HTTPParseError> {
        var section = FieldSection()
        section.fields.reserveCapacity(fieldCapacityGuess(bytes.count, maxHeaderCount))
        if let e = parseFields(bytes, from: start, maxHeaderCount: maxHeaderCount, into: &section.fields,
                               present: &section.present, repeated: &section.repeated) {
            return .failure(e)
        }
        return .success(section)
    }

    private static func buildResponse(_ raw: [UInt8], maxHeaderCount: Int) -> Result<HTTPResponseHead, HTTPParseError> {
        raw.withUnsafeBufferPointer { bytes -> Result<HTTPResponseHead, HTTPParseError> in
            guard let lineEnd = lineEnd(bytes, from: 0) else { return .failure(.invalidStatusLine) }
            let (contentEnd, next) = lineEnd
            var i = 0
            while i < contentEnd && bytes[i] != ByteClass.sp { i += 1 }
            let version: HTTPVersion
            switch parseVersion(bytes, 0, i) {
            case .success(let v): version = v
            case .failure(let e): return .failure(e == .unsupportedVersion ? e : .invalidStatusLine)
            }
            // SP 3DIGIT
            guard i + 4 <= contentEnd, bytes[i] == ByteClass.sp,
                  ByteClass.isDigit(bytes[i + 1]), ByteClass.isDigit(bytes[i + 2]), ByteClass.isDigit(bytes[i + 3])
            else { return .failure(.invalidStatusLine) }
            let status = Int(bytes[i + 1] - 0x30) * 100 + Int(bytes[i + 2] - 0x30) * 10 + Int(bytes[i + 3] - 0x30)
            guard (100...599).contains(status) else { return .failure(.invalidStatusLine) }
            i += 4
            // [SP reason] — a missing SP after the code is tolerated when the reason is empty.
            var reasonStart = i
            if i < contentEnd {
                guard bytes[i] == ByteClass.sp else { return .failure(.invalidStatusLine) }
                reasonStart = i + 1
            }
            var j = reasonStart
            while j < contentEnd {
                guard ByteClass.isFieldValueByte(bytes[j]) else { return .failure(.invalidStatusLine) }
                j += 1
            }
            let section: FieldSection
            switch fieldSection(bytes, from: next, maxHeaderCount: maxHeaderCount) {
            case .success(let s): section = s
            case .failure(let e): return .failure(e)
            }
            let reason = String(decoding: UnsafeBufferPointer(rebasing: bytes[reasonStart..<contentEnd]), as: UTF8.self)
            return .success(HTTPResponseHead(version: version, status: status, reason: reason,
                                             headers: HTTPHeaders(raw: raw, fields: section.fields, present: section.present),
                                             reasonRange: reasonStart..<contentEnd))
        }
    }

    /// The end of the line starting at `from`: (content end excluding CR/LF, start of next line).
    /// Nil when no LF follows. A CR is only accepted right before the LF (checked by callers' byte classes).
    private static func lineEnd(_ bytes: UnsafeBufferPointer<UInt8>, from: Int) -> (Int, Int)? {
        guard from < bytes.count, let base = bytes.baseAddress,
              let lf = memchr(base + from, Int32(ByteClass.lf), bytes.count - from) else { return nil }
        let i = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(lf))
        let end = (i > from && bytes[i - 1] == ByteClass.cr) ? i - 1 : i
        return (end, i + 1)
    }

    /// The bytes of `word` (first byte least significant) that are not plain field-value bytes
    /// (below 0x20, so HTAB, CR, LF and other controls, or DEL), as their 0x80 bits. Exact for the
    /// lowest such byte (borrows only run upwards from it): `trailingZeroBitCount >> 3` is its index,
    /// and 0 means all eight bytes are plain.
    @inline(__always)
    private static func nonPlainValueBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let belowSpace = (word &- ones &* 0x20) & ~word & highs
        let del = word ^ (ones &* 0x7F)
        return belowSpace | ((del &- ones) & ~del & highs)
    }

    /// `HTTP/DIGIT.DIGIT` exactly filling `bytes[start..<end]`.
    private static func parseVersion(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Result<HTTPVersion, HTTPParseError> {
        guard end - start == 8,
              bytes[start] == 0x48, bytes[start + 1] == 0x54, bytes[start + 2] == 0x54, bytes[start + 3] == 0x50,
              bytes[start + 4] == 0x2F, ByteClass.isDigit(bytes[start + 5]), bytes[start + 6] == 0x2E,
              ByteClass.isDigit(bytes[start + 7])
        else { return .failure(.invalidVersion) }
        guard bytes[start + 5] == 0x31 else { return .failure(.unsupportedVersion) }
        return .success(bytes[start + 7] == 0x30 ? .http10 : .http11)
    }

    /// A first capacity for the field array of a head of `headBytes` bytes: field lines average well
    /// over 16 bytes, so this rarely grows, without counting lines first.
    @inline(__always)
    private static func fieldCapacityGuess(_ headBytes: Int, _ maxHeaderCount: Int) -> Int {
        min(max(8, headBytes / 16), maxHeaderCount)
    }

    /// Parses field lines from `from` up to and including the empty line that ends the head
    /// (`bytes` must end with that line's LF). Each line is scanned once: name (tagged with its
    /// `KnownHeader`), colon, value validated a word at a time up to the CR/LF.
    /// Collects the tags seen (`present`) and those seen more than once (`repeated`).
    /// Returns the first error in the head, or nil.
    private static func parseFields(
        _ bytes: UnsafeBufferPointer<UInt8>, from: Int, maxHeaderCount: Int, into fields: inout [HTTPHeaders.Field],
        present: inout KnownHeader.Set, repeated: inout KnownHeader.Set
    ) -> HTTPParseError? {
        let count = bytes.count
        // The scan stops at the head's final LF, so the byte loops below need no bounds of their own.
        guard let base = bytes.baseAddress, count > 0, bytes[count - 1] == ByteClass.lf else { return .invalidRequestLine }
        var lineStart = from
        while lineStart < count {
            let first = bytes[lineStart]
            if first == ByteClass.lf { return nil }
            if first == ByteClass.cr {
                return lineStart + 1 < count && bytes[lineStart + 1] == ByteClass.lf ? nil : .bareCR
            }
            if ByteClass.isWhitespace(first) { return .obsoleteLineFolding }
            var i = lineStart
            while ByteClass.isTchar(bytes[i]) { i += 1 }
            let nameEnd = i
            let c = bytes[i]
            if c != ByteClass.colon {
                // The line ends without a colon (CR LF or LF right after the name).
                if c == ByteClass.lf || (c == ByteClass.cr && i + 1 < count && bytes[i + 1] == ByteClass.lf) {
                    return .invalidHeaderName
                }
                if ByteClass.isWhitespace(c) { return .whitespaceBeforeColon } // the name is not empty here
                return c == ByteClass.cr ? .bareCR : .invalidHeaderName
            }
            guard nameEnd > lineStart else { return .invalidHeaderName }
            i += 1
            while ByteClass.isWhitespace(bytes[i]) { i += 1 }
            let valueStart = i
            let contentEnd: Int
            let next: Int
            while true {
                // Skip plain bytes a word at a time, up to the first other one (HTAB, CR, LF, a control byte).
                while i + 8 <= count {
                    let other = nonPlainValueBytes(UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)))
                    if other != 0 {
                        i += other.trailingZeroBitCount >> 3
                        break
                    }
                    i += 8
                }
                let b = bytes[i]
                if ByteClass.isFieldValueByte(b) { i += 1; continue }
                if b == ByteClass.lf { contentEnd = i; next = i + 1; break }
                if b == ByteClass.cr {
                    guard i + 1 < count, bytes[i + 1] == ByteClass.lf else { return .bareCR }
                    contentEnd = i; next = i + 2; break
                }
                return .invalidHeaderValue
            }
            // The value without trailing whitespace (OWS).
            var valueEnd = contentEnd
            while valueEnd > valueStart && ByteClass.isWhitespace(bytes[valueEnd - 1]) { valueEnd -= 1 }
            guard fields.count < maxHeaderCount else { return .tooManyHeaders }
            let known = KnownHeader.classify(UnsafeRawPointer(base + lineStart), nameEnd - lineStart)
            let bit = known.bit
            repeated |= present & bit
            present |= bit
            fields.append(HTTPHeaders.Field(
                nameStart: UInt32(truncatingIfNeeded: lineStart), nameEnd: UInt32(truncatingIfNeeded: nameEnd),
                valueStart: UInt32(truncatingIfNeeded: valueStart), valueEnd: UInt32(truncatingIfNeeded: valueEnd),
                lineEnd: UInt32(truncatingIfNeeded: contentEnd), known: known))
            lineStart = next
        }
        return .invalidRequestLine // unreachable: the scan found the empty line
    }
}
