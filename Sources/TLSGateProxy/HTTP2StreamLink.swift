import TLSGateHTTP
import TLSGateHTTP2
import TLSGateIO

/// One HTTP/2 stream of an ``HTTP2InterceptSession`` and its HTTP/1.1 side: this end of the
/// socket pair whose other end a forward session serves. Request head and body go in as
/// HTTP/1.1 (``HTTP1StreamBridge`` frames them); the HTTP/1.1 response coming back is parsed
/// with tlsgate's head parser and turned into HEADERS, DATA and trailers on the stream.
final class HTTP2StreamLink {
    let id: Int32
    var bridge: HTTP1StreamBridge
    let channel: SocketChannel
    unowned let session: HTTP2InterceptSession

    /// HTTP/1.1 bytes for the forward session, not yet written.
    private var toForward: [UInt8] = []
    private var toForwardOffset = 0
    /// Request payload bytes received on the stream and not yet consumed (window not given back).
    private var owed = 0
    private var requestEnded = false
    private var parser = HTTPHeadParser(maxHeadBytes: 64 * 1024)
    /// Response bytes read before the head was complete.
    private var headBytes: [UInt8] = []
    private var responded = false
    private var responseDone = false
    /// Response payload the stream's send buffer did not take (the connection-wide buffer was
    /// full): sent before anything more is read.
    private var heldBack: [UInt8] = []
    /// The response ended while bytes were held back: end the stream (with these trailers) after them.
    private var pendingEnd: (trailers: HTTP2FieldList?, set: Bool) = (nil, false)
    private var readable = true
    private var writable = true
    private var eof = false
    private var closed = false
    /// The forward session stopped reading (it answered and closed): request bytes are dropped
    /// and their window given back, so the client can finish its stream.
    private var discarding = false
    /// Written bytes below this: the window goes back to the client.
    static let forwardBufferLimit = 64 * 1024

    init(id: Int32, bridge: HTTP1StreamBridge, channel: SocketChannel, session: HTTP2InterceptSession) {
        self.id = id
        self.bridge = bridge
        self.channel = channel
        self.session = session
    }

    func start() {
        channel.setHandlers(readable: { [self] in readable = true; session.pump() },
                            writable: { [self] in writable = true; session.pump() })
        let request = bridge.request
        toForward = upstreamRequestHead(bridge.upstreamHead, originForm: request.head.target, hostIfMissing: request.authority)
        if bridge.requestFraming == .none { requestEnded = true }
    }

    // MARK: Request side

    func requestData(_ bytes: [UInt8]) {
        if discarding {
            session.h2.consume(stream: id, count: bytes.count)
            return
        }
        owed += bytes.count
        bytes.withUnsafeBytes { bridge.requestBody($0, into: &toForward) }
    }

    func requestEnd(trailers: HTTPHeaders?) {
        guard !requestEnded else { return }
        requestEnded = true
        bridge.requestEnd(trailers: trailers, into: &toForward)
    }

    /// Moves bytes both ways; true on progress.
    func pump() -> Bool {
        guard !closed else { return false }
        var progress = false
        if writeForward() { progress = true }
        if flushHeldBack() { progress = true }
        if heldBack.isEmpty && readResponse() { progress = true }
        return progress
    }

    /// Sends held-back payload; ends the stream when the response had ended behind it.
    private func flushHeldBack() -> Bool {
        guard !heldBack.isEmpty else { return false }
        let h2 = session.h2!
        let n = heldBack.withUnsafeBytes { h2.send(stream: id, $0) }
        guard n > 0 else { return false }
        heldBack.removeFirst(n)
        if heldBack.isEmpty && pendingEnd.set {
            if let trailers = pendingEnd.trailers { h2.finish(stream: id, trailers: trailers) } else { h2.finish(stream: id) }
            pendingEnd = (nil, false)
        }
        return true
    }

    private func writeForward() -> Bool {
        var progress = false
        while writable && toForwardOffset < toForward.count {
            let result: IOResult<Int>
            do {
                result = try toForward.withUnsafeBytes { buf throws(IOError) in
                    try Posix.send(channel.fd, buf.baseAddress! + toForwardOffset, buf.count - toForwardOffset)
                }
            } catch {
                // The forward session closed its end (after answering, e.g. a refusal).
                discarding = true
                toForward.removeAll()
                toForwardOffset = 0
                if owed > 0 { session.h2.consume(stream: id, count: owed) }
                owed = 0
                return false
            }
            switch result {
            case .processed(let n):
                toForwardOffset += n
                progress = true
            case .wouldBlock:
                writable = false
            }
        }
        if toForwardOffset == toForward.count {
            toForward.removeAll(keepingCapacity: true)
            toForwardOffset = 0
        }
        // The bytes have left for the request path: the client may send more.
        if owed > 0 && toForward.count - toForwardOffset < Self.forwardBufferLimit {
            session.h2.consume(stream: id, count: owed)
            owed = 0
        }
        return progress
    }

    // MARK: Response side

    private func readResponse() -> Bool {
        guard readable, !eof, !responseDone else { return false }
        let room = responded ? session.h2.sendRoom(stream: id) : HTTP2InterceptSession.scratchSize
        guard room > 0 else { return false }
        let count = min(room, HTTP2InterceptSession.scratchSize)
        let n: Int
        do {
            switch try Posix.read(channel.fd, session.scratch, count) {
            case .processed(let got): n = got
            case .wouldBlock:
                readable = false
                return false
            }
        } catch {
            n = 0
        }
        if n == 0 {
            eof = true
            endOfResponseInput()
            return true
        }
        let bytes = UnsafeRawBufferPointer(start: session.scratch, count: n)
        if responded {
            body(bytes)
        } else {
            headBytes.append(contentsOf: bytes)
            parseHead()
        }
        return true
    }

    /// Parses response heads from `headBytes` (1xx interim ones are dropped) until the final one.
    private func parseHead() {
        while !responded && !closed {
            switch parser.parseResponse(headBytes) {
            case .incomplete:
                if headBytes.count > 64 * 1024 { fail(status: 502) }
                return
            case .invalid:
                fail(status: 502)
                return
            case .complete(let head, let consumed):
                parser.reset()
                let rest = Array(headBytes[consumed...])
                headBytes = []
                if head.isInformational {
                    headBytes = rest
                    continue
                }
                let fields: HTTP2FieldList
                do {
                    fields = try bridge.response(head)
                } catch {
                    fail(status: error.status ?? 502)
                    return
                }
                responded = true
                let complete = bridge.responseComplete
                session.h2.respond(stream: id, fields: fields, endStream: complete)
                if complete {
                    responseDone = true
                    return
                }
                if !rest.isEmpty { rest.withUnsafeBytes { body($0) } }
            }
        }
    }

    /// Response body bytes: DATA without the HTTP/1.1 framing; the end (and trailers) ends the stream.
    private func body(_ bytes: UnsafeRawBufferPointer) {
        let h2 = session.h2!
        let id = self.id
        do {
            var held = heldBack
            let (_, complete, trailers) = try bridge.responseBody(bytes) { piece in
                let n = held.isEmpty ? h2.send(stream: id, piece) : 0
                if n < piece.count { held.append(contentsOf: piece[n...]) }
            }
            heldBack = held
            if complete {
                responseDone = true
                if !heldBack.isEmpty {
                    pendingEnd = (trailers, true)
                } else if let trailers {
                    h2.finish(stream: id, trailers: trailers)
                } else {
                    h2.finish(stream: id)
                }
            }
        } catch {
            h2.reset(stream: id, code: .internalError)
            responseDone = true
        }
    }

    /// The forward session closed its end.
    private func endOfResponseInput() {
        if !responded {
            fail(status: 502)
        } else if !responseDone {
            responseDone = true
            if bridge.responseEndOfInput() {
                if heldBack.isEmpty { session.h2.finish(stream: id) } else { pendingEnd = (nil, true) }
            } else {
                session.h2.reset(stream: id, code: .internalError)
            }
        }
    }

    /// No usable response: a bare status if nothing was sent yet, else a reset.
    private func fail(status: Int) {
        guard !responseDone else { return }
        responseDone = true
        if responded {
            session.h2.reset(stream: id, code: .internalError)
        } else {
            responded = true
            session.h2.respond(stream: id, head: HTTPResponseHead(version: .http11, status: status, reason: "",
                                                                  headers: HTTPHeaders([("content-length", "0")])), endStream: true)
        }
    }

    func updateInterest(sendRoom: Int) {
        guard !closed else { return }
        channel.wantReads(!readable && !eof && !responseDone && heldBack.isEmpty && (!responded || sendRoom > 0))
        channel.wantWrites(!writable && toForwardOffset < toForward.count)
    }

    func close() {
        guard !closed else { return }
        closed = true
        channel.close()
    }
}
