import TLSGateHTTP
import TLSGateHTTP2
import TLSGateIO
import TLSGateTLS

/// An upstream TLS connection on which the origin picked `h2`: owned by its event loop's
/// ``UpstreamPool`` (not by a session), shared by the exchanges of any client connection on that
/// loop, one ``HTTP2UpstreamStream`` each, up to the origin's SETTINGS_MAX_CONCURRENT_STREAMS.
/// The ``HTTP2Session`` (client role) does the protocol; this class moves its bytes through TLS
/// and routes its events to the streams' forward sessions. Everything runs on the loop.
final class HTTP2UpstreamConnection: @unchecked Sendable {
    let link: UpstreamLink
    let h2: HTTP2Session
    let key: UpstreamPool.Key
    unowned let pool: UpstreamPool
    private var streams: [Int32: HTTP2UpstreamStream] = [:]
    private(set) var closed = false
    /// The origin sent GOAWAY: no new streams; closed when the last one ends.
    private(set) var goingAway = false
    private var pumping = false
    private var pumpScheduled = false
    private var idleTimer: LoopTimer?
    private let scratch: UnsafeMutableRawPointer
    private static let scratchSize = 64 * 1024

    init(link: UpstreamLink, key: UpstreamPool.Key, pool: UpstreamPool) throws {
        self.link = link
        self.key = key
        self.pool = pool
        self.h2 = try HTTP2Session(role: .client)
        self.scratch = UnsafeMutableRawPointer.allocate(byteCount: Self.scratchSize, alignment: 16)
    }

    deinit { scratch.deallocate() }

    func start() {
        link.channel.setHandlers(readable: { [self] in link.readable = true; pump() },
                                 writable: { [self] in link.writable = true; pump() })
        link.readable = true
        link.writable = true
        pump()
    }

    /// Whether a new stream may be opened now (the origin's limit, no GOAWAY, not closed).
    /// Until the origin's SETTINGS arrive its limit is unknown: one stream (the dialler's).
    var canOpenStream: Bool {
        !closed && !goingAway && !link.eof && h2.canOpenStream && (h2.peerSettingsReceived || streams.isEmpty)
    }
    private var settingsSeen = false
    private var roomFreed = false

    /// Streams attached now.
    var streamCount: Int { streams.count }

    /// Opens a stream for `owner`'s exchange; nil when the connection cannot take one.
    func open(_ head: HTTPRequestHead, authority: String, path: String, framing: BodyFraming,
              owner: ForwardSession) -> HTTP2UpstreamStream? {
        guard canOpenStream else { return nil }
        let stream = HTTP2UpstreamStream(connection: self, owner: owner, method: head.method)
        guard stream.open(head, authority: authority, path: path, framing: framing) else { return nil }
        streams[stream.id] = stream
        idleTimer?.disarm()
        pool.metrics?.upstreamHTTP2.streamOpened()
        schedulePump()
        return stream
    }

    /// A stream's exchange is over (it may still be closing in the protocol).
    func detached(_ stream: HTTP2UpstreamStream) {
        if streams[stream.id] === stream, stream.closed { streams[stream.id] = nil }
        schedulePump()
    }

    /// Runs ``pump()`` once from the loop (calls from inside a session's pump land here: no re-entry).
    func schedulePump() {
        guard !pumpScheduled, !closed else { return }
        pumpScheduled = true
        pool.loop.execute { [self] in
            pumpScheduled = false
            pump()
        }
    }

    // MARK: The pump

    func pump() {
        guard !pumping, !closed else { return }
        pumping = true
        var touched: [ForwardSession] = []
        var rounds = 0
        var progress = true
        while progress && !closed && rounds < 64 {
            rounds += 1
            progress = false
            if readOrigin(&touched) { progress = true }
            if writeOrigin() { progress = true }
            dispatch(h2.takeEvents(), &touched)
            if h2.isFinished { close(reason: "HTTP/2 connection ended"); break }
        }
        pumping = false
        if !closed && rounds >= 64 { schedulePump() }
        if !closed && ((!settingsSeen && h2.peerSettingsReceived) || roomFreed) {
            settingsSeen = settingsSeen || h2.peerSettingsReceived
            roomFreed = false
            pool.wakeHTTP2Waiters(key)
        }
        if !closed { updateInterest() }
        var seen = Set<ObjectIdentifier>()
        for session in touched where seen.insert(ObjectIdentifier(session)).inserted { session.pump() }
        if !closed && streams.isEmpty && (goingAway || link.eof) { close(reason: "HTTP/2 connection drained") }
    }

    private func readOrigin(_ touched: inout [ForwardSession]) -> Bool {
        guard link.canRead, !link.eof, h2.wantsRead else { return false }
        switch link.tls.read(into: scratch, count: Self.scratchSize) {
        case .bytes(let n):
            link.readNeedsWrite = false
            dispatch(h2.receive(UnsafeRawBufferPointer(start: scratch, count: n)), &touched)
            return true
        case .wantRead:
            link.readable = false
            return false
        case .wantWrite:
            link.readNeedsWrite = true
            link.writable = false
            return false
        case .closed:
            link.eof = true
            failAll(&touched)
            return true
        case .failed:
            link.eof = true
            link.failed = true
            failAll(&touched)
            return true
        }
    }

    private func writeOrigin() -> Bool {
        guard link.canWrite, h2.wantsWrite, !link.eof else { return false }
        var wrote = false
        var broken = false
        h2.writeOutput { buf in
            guard link.canWrite, !broken else { return 0 }
            let count = link.pendingWriteLength > 0 ? min(link.pendingWriteLength, buf.count) : buf.count
            switch link.tls.write(buf.baseAddress!, count: count) {
            case .bytes(let n):
                link.pendingWriteLength = 0
                link.writeNeedsRead = false
                wrote = true
                return n
            case .wantWrite:
                link.pendingWriteLength = count
                link.writable = false
                return 0
            case .wantRead:
                link.pendingWriteLength = count
                link.writeNeedsRead = true
                link.readable = false
                return 0
            case .closed, .failed:
                broken = true
                return 0
            }
        }
        if broken {
            link.eof = true
            var touched: [ForwardSession] = []
            failAll(&touched)
            for session in touched { session.pump() }
            return true
        }
        return wrote
    }

    private func dispatch(_ events: [HTTP2Event], _ touched: inout [ForwardSession]) {
        for event in events {
            switch event {
            case .response(let id, let head, let endStream):
                guard let stream = streams[id] else { continue }
                stream.response(head, endStream: endStream)
                note(stream, &touched)
            case .data(let id, let bytes):
                guard let stream = streams[id], stream.owner != nil else {
                    h2.consume(stream: id, count: bytes.count)
                    continue
                }
                stream.data(bytes)
                note(stream, &touched)
            case .trailers(let id, let fields):
                guard let stream = streams[id] else { continue }
                stream.end(trailers: fields)
                note(stream, &touched)
            case .endStream(let id):
                guard let stream = streams[id] else { continue }
                stream.end(trailers: nil)
                note(stream, &touched)
            case .writable(let id):
                if let stream = streams[id] { note(stream, &touched) }
            case .rejected(let id, _, _):
                if let stream = streams[id] {
                    stream.reset(.protocolError, refused: false)
                    note(stream, &touched)
                }
            case .streamReset(let id, let code, let byPeer):
                guard let stream = streams[id] else { continue }
                if byPeer { pool.metrics?.upstreamHTTP2.resetReceived() }
                stream.reset(code, refused: byPeer && code == .refusedStream)
                note(stream, &touched)
            case .streamClosed(let id, let code):
                guard let stream = streams[id] else { continue }
                if !stream.closed { pool.metrics?.upstreamHTTP2.streamClosed() }
                stream.streamClosed(code)
                note(stream, &touched)
                if stream.owner == nil { streams[id] = nil }
                roomFreed = true
                if streams.isEmpty { armIdleTimer() }
            case .goAway(let lastStream, _, let byPeer):
                guard byPeer else { continue }
                goingAway = true
                pool.metrics?.upstreamHTTP2.goAwayReceived()
                pool.removeHTTP2(self)
                for (id, stream) in streams where id > lastStream {
                    stream.reset(.refusedStream, refused: true)
                    note(stream, &touched)
                }
            case .connectionError:
                link.failed = true
                failAll(&touched)
            case .request:
                break
            }
        }
    }

    private func note(_ stream: HTTP2UpstreamStream, _ touched: inout [ForwardSession]) {
        if let owner = stream.owner { touched.append(owner) }
    }

    /// The connection cannot go on: every stream ends (retryable if the origin never answered it
    /// and its request was not sent in full: see the request path).
    private func failAll(_ touched: inout [ForwardSession]) {
        goingAway = true
        pool.removeHTTP2(self)
        for stream in streams.values {
            if !stream.closed { pool.metrics?.upstreamHTTP2.streamClosed() }
            // Like a reused HTTP/1.1 connection closed before any response: an idempotent request
            // with nothing of its body sent may go again (see `retryHTTP2`).
            stream.reset(.internalError, refused: !stream.responseStarted)
            stream.streamClosed(.internalError)
            note(stream, &touched)
        }
        streams.removeAll()
    }

    private func updateInterest() {
        let wantRead = !link.eof && h2.wantsRead
        let wantWrite = !link.eof && h2.wantsWrite
        link.channel.wantReads((wantRead || (link.writeNeedsRead && wantWrite)) && !link.readable)
        link.channel.wantWrites((wantWrite || (link.readNeedsWrite && wantRead)) && !link.writable)
    }

    private func armIdleTimer() {
        let timer = idleTimer ?? LoopTimer(loop: pool.loop) {}
        idleTimer = timer
        timer.setHandler { [weak self] in
            guard let self, self.streams.isEmpty, !self.closed else { return }
            self.h2.goAway()
            self.goingAway = true
            self.pool.removeHTTP2(self)
            self.pump()
            if !self.closed { self.close(reason: "idle") }
        }
        timer.schedule(after: pool.idleTimeout)
    }

    func close(reason: String) {
        guard !closed else { return }
        var touched: [ForwardSession] = []
        failAll(&touched)
        closed = true
        idleTimer?.cancel()
        idleTimer = nil
        pool.removeHTTP2(self)
        pool.metrics?.upstreamHTTP2.connectionClosed()
        link.close(sendCloseNotify: true)
        link.eof = true
        for session in touched { session.pump() }
    }
}
