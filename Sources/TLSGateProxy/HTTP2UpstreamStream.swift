import TLSGateHTTP
import TLSGateHTTP2
import TLSGateIO

/// One forward exchange carried by a stream of a shared ``HTTP2UpstreamConnection``: the seam
/// between the request path (which speaks HTTP/1.1 bytes to its upstream) and HTTP/2.
///
/// Request side: the exchange's head goes out as a HEADERS block (``HTTP2HeadMapping``); its body
/// bytes, as the request path framed them, lose their chunk framing here (TLSGateHTTP's own
/// `BodyTracker`) and go out as DATA, chunked trailers as an HTTP/2 trailer block.
/// Response side: HEADERS, DATA and trailers become HTTP/1.1 bytes again (Content-Length kept, or
/// chunked coding) that the request path parses as from any origin, so policy, audit, AWS facts
/// and the client mapping stay in one place. DATA is consumed (WINDOW_UPDATE) only when the
/// request path takes its bytes, which it does only once the previous ones reached the client.
final class HTTP2UpstreamStream {
    let connection: HTTP2UpstreamConnection
    /// The forward session whose exchange this is (pumped on events); nil once detached.
    weak var owner: ForwardSession?
    private(set) var id: Int32 = 0
    let requestMethod: String

    // Request
    private var requestTracker: BodyTracker?
    private var parts = BodyParts()
    private(set) var requestEnded = false
    /// Whether any request byte beyond the head went out (a retry is then unsafe).
    private(set) var bodySent = false

    // Response, as HTTP/1.1 bytes: pieces with the payload bytes each carries (consumed once taken).
    private var pieces: [[UInt8]] = []
    private var payloads: [Int] = []
    private var firstOffset = 0
    private var chunked = false
    private var headDone = false
    /// The response ended (END_STREAM or trailers).
    private(set) var responseEnded = false
    /// Reset by the peer or the connection (code), or refused before it was processed (retryable).
    private(set) var resetCode: HTTP2ErrorCode?
    private(set) var refused = false
    private(set) var closed = false

    init(connection: HTTP2UpstreamConnection, owner: ForwardSession, method: String) {
        self.connection = connection
        self.owner = owner
        self.requestMethod = method
    }

    /// Opens the stream: `head` to `authority` + `path`, body framed as `framing` (by the request path).
    func open(_ head: HTTPRequestHead, authority: String, path: String, framing: BodyFraming) -> Bool {
        let endStream = framing == .none || framing == .contentLength(0)
        let fields = HTTP2HeadMapping.requestFields(head, scheme: "https", authority: authority, path: path)
        guard let id = connection.h2.request(fields: fields, endStream: endStream) else { return false }
        self.id = id
        requestEnded = endStream
        if !endStream { requestTracker = BodyTracker(framing) }
        return true
    }

    // MARK: Request body

    /// Framed request body bytes from the request path; returns how many were taken (bounded by
    /// the stream's send buffer room: the rest waits for `.writable`).
    func sendBody(_ bytes: UnsafeRawBufferPointer) throws(HTTPParseError) -> Int {
        guard !requestEnded, !closed, resetCode == nil, var tracker = requestTracker else { return 0 }
        // Framing only shrinks: the payload of `room` framed bytes always fits.
        let room = connection.h2.sendRoom(stream: id)
        let n = min(room, bytes.count)
        guard n > 0 else {
            connection.h2.notifyWhenWritable(stream: id)
            return 0
        }
        parts.payload.removeAll(keepingCapacity: true)
        let slice = UnsafeRawBufferPointer(rebasing: bytes[0..<n])
        let (consumed, complete) = try tracker.consume(slice, into: &parts)
        requestTracker = tracker
        for range in parts.payload {
            connection.h2.send(stream: id, UnsafeRawBufferPointer(rebasing: slice[range]))
            bodySent = true
        }
        if complete {
            requestEnded = true
            let trailers = parts.trailerBytes.isEmpty ? nil : parts.trailers
            if let trailers { connection.h2.finish(stream: id, trailers: trailers) } else { connection.h2.finish(stream: id) }
        }
        connection.schedulePump()
        return consumed
    }

    // MARK: Response

    /// Moves response bytes into `buffer` (as much as fits); the payload of each piece fully
    /// taken is consumed, so the origin may send more on this stream.
    func take(into buffer: IOBuffer) -> Int {
        var taken = 0
        var consumed = 0
        while !pieces.isEmpty, buffer.writableCount > 0 {
            let piece = pieces[0]
            let n = min(piece.count - firstOffset, buffer.writableCount)
            piece.withUnsafeBytes { buffer.writePointer.copyMemory(from: $0.baseAddress! + firstOffset, byteCount: n) }
            buffer.didWrite(n)
            taken += n
            firstOffset += n
            if firstOffset == piece.count {
                consumed += payloads[0]
                pieces.removeFirst()
                payloads.removeFirst()
                firstOffset = 0
            }
        }
        if consumed > 0 {
            connection.h2.consume(stream: id, count: consumed)
            connection.schedulePump()
        }
        return taken
    }

    /// Whether a response head (final or interim) arrived.
    var responseStarted: Bool { headDone || !pieces.isEmpty }

    /// Whether response bytes wait to be taken.
    var hasResponseBytes: Bool { !pieces.isEmpty }

    func response(_ head: HTTPResponseHead, endStream: Bool) {
        guard !headDone else { return }
        var bytes = clientResponseHead(head, keepAlive: true, clientVersion: .http11)
        if head.isInformational {
            append(bytes, payload: 0)
            return
        }
        headDone = true
        let bodyless = requestMethod == "HEAD" || head.status == 204 || head.status == 304
        if !endStream && !bodyless && !head.headers.contains("content-length") {
            chunked = true
            bytes.removeLast(2)
            bytes.append(contentsOf: "Transfer-Encoding: chunked\r\n\r\n".utf8)
        } else if endStream && !bodyless && !head.headers.contains("content-length") {
            bytes.removeLast(2)
            bytes.append(contentsOf: "Content-Length: 0\r\n\r\n".utf8)
        }
        append(bytes, payload: 0)
        if endStream { responseEnded = true }
    }

    func data(_ bytes: [UInt8]) {
        guard headDone, !responseEnded else {
            connection.h2.consume(stream: id, count: bytes.count)
            return
        }
        if chunked {
            var framed: [UInt8] = []
            framed.reserveCapacity(bytes.count + 12)
            framed.append(contentsOf: String(bytes.count, radix: 16).utf8)
            framed.append(0x0D); framed.append(0x0A)
            framed.append(contentsOf: bytes)
            framed.append(0x0D); framed.append(0x0A)
            append(framed, payload: bytes.count)
        } else {
            append(bytes, payload: bytes.count)
        }
    }

    func end(trailers: HTTPHeaders?) {
        guard headDone, !responseEnded else { return }
        responseEnded = true
        guard chunked else { return }
        var out = Array("0\r\n".utf8)
        trailers?.forEachHTTP2Field { name, value in
            out.append(contentsOf: name)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: value)
            out.append(0x0D); out.append(0x0A)
        }
        out.append(0x0D); out.append(0x0A)
        append(out, payload: 0)
    }

    /// The stream was reset (by the origin, or the connection ended); `refused`: the origin did
    /// not process it (REFUSED_STREAM, or above a GOAWAY's last stream), so it may be retried.
    func reset(_ code: HTTP2ErrorCode, refused: Bool) {
        guard !responseEnded, resetCode == nil else { return }
        resetCode = code
        self.refused = refused
    }

    func streamClosed(_ code: HTTP2ErrorCode) {
        closed = true
        if !responseEnded && resetCode == nil { resetCode = code == .noError ? .internalError : code }
    }

    private func append(_ bytes: [UInt8], payload: Int) {
        pieces.append(bytes)
        payloads.append(payload)
    }

    /// The exchange is over or abandoned: an unfinished stream is reset (CANCEL), unconsumed
    /// window given back.
    func detach() {
        owner = nil
        if !closed && id > 0 {
            if !(responseEnded && requestEnded) { connection.h2.reset(stream: id, code: .cancel) }
            connection.h2.abandonInbound(stream: id)
        } else if id > 0 {
            connection.h2.abandonInbound(stream: id)
        }
        pieces.removeAll()
        payloads.removeAll()
        connection.detached(self)
    }
}
