import CNghttp2
import CNghttp2Shims
import TLSGateHTTP
#if canImport(Glibc)
import Glibc
#endif

/// Failure to set up a session (nghttp2 out of memory or refusing an option).
public struct HTTP2SetupError: Error, CustomStringConvertible {
    public let description: String
}

/// One HTTP/2 connection's protocol state: owns one `nghttp2_session` (freed in `deinit`), driven
/// from memory, no socket. Bytes from the peer go in through ``receive(_:)`` and come back as
/// ``HTTP2Event``s; frames to send collect in a bounded output buffer the owner writes out
/// (``takeOutput()``/``writeOutput(_:)``). nghttp2 callbacks only record; every nghttp2 call that
/// acts on the session (submit, consume, resume, reset) happens here, outside the callbacks.
///
/// Flow control is manual (`no_auto_window_update`): the peer's window opens only when the owner
/// calls ``consume(stream:count:)``, i.e. when the bytes have left on the other side of the relay.
/// Bodies to send wait in a bounded per-stream buffer; the data provider defers when it is empty
/// and is resumed when ``send(stream:_:)`` or ``finish(stream:trailers:)`` adds to it.
public final class HTTP2Session {
    /// Which end of the connection this session is.
    public enum Role: Sendable {
        /// tlsgate's client side: the peer opens streams (requests).
        case server
        /// tlsgate's upstream side: this session opens streams.
        case client
    }

    public let role: Role
    public let options: HTTP2Options
    private var session: OpaquePointer!
    private let clock: @Sendable () -> UInt64

    var streams: [Int32: HTTP2Stream] = [:]
    /// Bytes delivered as `.data` and not yet consumed, per stream (kept after the stream closes).
    var unconsumed: [Int32: Int] = [:]
    var events: [HTTP2Event] = []
    /// Streams, resets, GOAWAYs and floods so far.
    public internal(set) var counters = HTTP2Counters()
    private var output = ByteQueue()
    /// Bytes queued in streams' send buffers.
    var queuedSendBytes = 0

    // Work the callbacks recorded for after the nghttp2 call returns.
    var pendingConsume: [(Int32, Int)] = []
    var pendingRejections: [(Int32, HTTP2Rejection)] = []
    var pendingResets: [(Int32, HTTP2ErrorCode)] = []
    var trailersDue: [Int32] = []
    /// A flood the callbacks saw (the receive is aborted and the connection ended with ENHANCE_YOUR_CALM).
    var flood: String?
    /// The last error nghttp2 reported through its error callback (detail for `.connectionError`).
    var lastLibraryError: String?
    private(set) var failed = false
    /// The peer sent GOAWAY: no new streams on this connection.
    var goAwayReceived = false
    /// The peer's first SETTINGS arrived (until then its limits are nghttp2's assumptions).
    public internal(set) var peerSettingsReceived = false

    var settingsCounter: FloodCounter
    var pingCounter: FloodCounter
    var emptyDataCounter: FloodCounter
    /// Counts RST_STREAM frames only when the library cannot (see `HTTP2Library.hasStreamResetRateLimit`).
    var resetCounter: FloodCounter?

    /// A session in `role` with its SETTINGS (and connection window) queued for output.
    /// `clock` returns monotonic nanoseconds (the flood limits' time base).
    public init(role: Role, options: HTTP2Options = HTTP2Options(),
                clock: @escaping @Sendable () -> UInt64 = HTTP2Session.monotonicNanoseconds) throws {
        self.role = role
        self.options = options
        self.clock = clock
        let now = clock()
        settingsCounter = FloodCounter(burst: options.settingsBurst, ratePerSecond: options.settingsRatePerSecond, now: now)
        pingCounter = FloodCounter(burst: options.pingBurst, ratePerSecond: options.pingRatePerSecond, now: now)
        emptyDataCounter = FloodCounter(burst: options.emptyDataBurst, ratePerSecond: options.emptyDataRatePerSecond, now: now)

        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0, let callbacks else {
            throw HTTP2SetupError(description: "nghttp2_session_callbacks_new failed")
        }
        defer { nghttp2_session_callbacks_del(callbacks) }
        HTTP2Callbacks.install(callbacks)

        var option: OpaquePointer?
        guard nghttp2_option_new(&option) == 0, let option else {
            throw HTTP2SetupError(description: "nghttp2_option_new failed")
        }
        defer { nghttp2_option_del(option) }
        nghttp2_option_set_no_auto_window_update(option, 1)
        nghttp2_option_set_max_settings(option, options.maxSettingsEntries)
        nghttp2_option_set_max_outbound_ack(option, options.maxOutboundAcks)
        nghttp2_option_set_max_send_header_block_length(option, max(options.maxHeaderListSize, 16 * 1024))
        if role == .client { nghttp2_option_set_max_reserved_remote_streams(option, 0) }
        if !options.resetLimitInLibrary
            || tg_nghttp2_option_set_stream_reset_rate_limit(option, UInt64(options.resetBurst), UInt64(options.resetRatePerSecond)) == 0 {
            resetCounter = FloodCounter(burst: options.resetBurst, ratePerSecond: options.resetRatePerSecond, now: now)
        }

        let user = Unmanaged.passUnretained(self).toOpaque()
        var created: OpaquePointer?
        let rv = role == .server
            ? nghttp2_session_server_new2(&created, callbacks, user, option)
            : nghttp2_session_client_new2(&created, callbacks, user, option)
        guard rv == 0, let created else {
            throw HTTP2SetupError(description: "nghttp2 session: \(String(cString: nghttp2_strerror(rv)))")
        }
        session = created

        var settings: [nghttp2_settings_entry] = [
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue), value: options.maxConcurrentStreams),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue), value: UInt32(options.initialStreamWindow)),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue), value: UInt32(options.maxHeaderListSize)),
            // No server push (either role: a server may send 0, RFC 9113 §6.5.2); no extended CONNECT
            // (SETTINGS_ENABLE_CONNECT_PROTOCOL is never sent, so nghttp2 refuses `:protocol`).
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_ENABLE_PUSH.rawValue), value: 0),
        ]
        let srv = nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), &settings, settings.count)
        guard srv == 0 else { throw HTTP2SetupError(description: "SETTINGS: \(String(cString: nghttp2_strerror(srv)))") }
        let wrv = nghttp2_session_set_local_window_size(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, options.connectionWindow)
        guard wrv == 0 else { throw HTTP2SetupError(description: "connection window: \(String(cString: nghttp2_strerror(wrv)))") }
        produceOutput()
    }

    deinit {
        nghttp2_session_del(session)
    }

    /// CLOCK_MONOTONIC in nanoseconds.
    public static let monotonicNanoseconds: @Sendable () -> UInt64 = {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    // MARK: Input

    /// Feeds bytes received from the peer; returns what happened (and queues the frames to answer).
    /// Call only while ``wantsRead``.
    @discardableResult
    public func receive(_ bytes: UnsafeRawBufferPointer) -> [HTTP2Event] {
        guard !failed else { return takeEvents() }
        if bytes.count > 0 {
            let rv = nghttp2_session_mem_recv(session, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), bytes.count)
            if rv < 0 {
                if let flood {
                    counters.floods += 1
                    fail("\(flood): GOAWAY ENHANCE_YOUR_CALM", code: .enhanceYourCalm)
                } else {
                    let detail = lastLibraryError.map { " (\($0))" } ?? ""
                    fail("\(String(cString: nghttp2_strerror(Int32(rv))))\(detail)", code: nil)
                }
            }
        }
        runPendingWork()
        produceOutput()
        return takeEvents()
    }

    /// ``receive(_:)`` from an array.
    @discardableResult
    public func receive(_ bytes: [UInt8]) -> [HTTP2Event] {
        bytes.withUnsafeBytes { receive($0) }
    }

    /// Events recorded since the last call (sending produces some: resets, closes, `.writable`).
    public func takeEvents() -> [HTTP2Event] {
        defer { events.removeAll(keepingCapacity: true) }
        return events
    }

    // MARK: Output

    /// Whether the peer's input should be read: nghttp2 wants it, and the output buffer is below
    /// its bound (a peer that never reads stops being read).
    public var wantsRead: Bool {
        !failed && nghttp2_session_want_read(session) != 0 && output.count < options.maxOutputBuffer
    }

    /// Whether there are bytes to write (or nghttp2 has frames it could produce).
    public var wantsWrite: Bool { !output.isEmpty || (!failed && nghttp2_session_want_write(session) != 0) }

    /// Whether the connection is over: nothing to read or write (after GOAWAY both ways, or failure).
    public var isFinished: Bool {
        output.isEmpty && (failed || (nghttp2_session_want_read(session) == 0 && nghttp2_session_want_write(session) == 0))
    }

    /// Bytes waiting in the output buffer.
    public var outputCount: Int { output.count }

    /// All pending output (produced up to the buffer bound), removed from the session.
    public func takeOutput() -> [UInt8] {
        produceOutput()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(output.count)
        output.drain { buf in
            bytes.append(contentsOf: buf)
            return buf.count
        }
        produceOutput()
        return bytes
    }

    /// Hands pending output to `write`, which returns how many bytes it took (a socket send);
    /// repeats while it takes everything and more can be produced.
    public func writeOutput(_ write: (UnsafeRawBufferPointer) -> Int) {
        produceOutput()
        while !output.isEmpty {
            var all = false
            output.drain { buf in
                let n = max(0, min(write(buf), buf.count))
                all = n == buf.count
                return n
            }
            guard all else { break }
            produceOutput()
        }
    }

    /// Serializes frames from nghttp2 into the output buffer up to its bound, submitting the work
    /// the callbacks recorded (trailers, refusals) in between.
    func produceOutput() {
        guard !failed || nghttp2_session_want_write(session) != 0 else { return }
        var rounds = 0
        while output.count < options.maxOutputBuffer && rounds < 10_000 {
            rounds += 1
            var pointer: UnsafePointer<UInt8>?
            let n = nghttp2_session_mem_send(session, &pointer)
            if n < 0 {
                fail("send: \(String(cString: nghttp2_strerror(Int32(n))))", code: nil)
                break
            }
            if n > 0, let pointer {
                output.append(UnsafeRawBufferPointer(start: pointer, count: n))
                continue
            }
            // Nothing more now; what the sends recorded may make more.
            if !runPendingWork() { break }
        }
        reportWritableStreams()
    }

    // MARK: Streams: heads

    /// Server role: answers stream `stream` with `head` (mapped to an HTTP/2 block). Without
    /// `endStream`, the body follows through ``send(stream:_:)`` and ``finish(stream:trailers:)``.
    public func respond(stream: Int32, head: HTTPResponseHead, endStream: Bool) {
        respond(stream: stream, fields: HTTP2HeadMapping.responseFields(head), endStream: endStream)
    }

    /// Server role: answers with a ready block (its first field must be `:status`).
    public func respond(stream id: Int32, fields: HTTP2FieldList, endStream: Bool) {
        guard role == .server, let stream = streams[id] else { return }
        stream.hasProvider = !endStream
        let rv: Int32 = fields.withNV { nva, count in
            if endStream { return nghttp2_submit_response(session, id, nva, count, nil) }
            var provider = HTTP2Callbacks.dataProvider()
            return nghttp2_submit_response(session, id, nva, count, &provider)
        }
        if rv != 0 { resetNow(id, .internalError) }
        produceOutput()
    }

    /// Client role: opens a stream for `head` (to `scheme://authority` + `path`); nil when no stream
    /// can be opened (GOAWAY received, ids exhausted). Without `endStream` the body follows.
    public func request(_ head: HTTPRequestHead, scheme: String, authority: String, path: String, endStream: Bool) -> Int32? {
        request(fields: HTTP2HeadMapping.requestFields(head, scheme: scheme, authority: authority, path: path), endStream: endStream)
    }

    /// Client role: opens a stream with a ready block (pseudo-headers first).
    public func request(fields: HTTP2FieldList, endStream: Bool) -> Int32? {
        guard role == .client, !failed, !goAwayReceived else { return nil }
        let id: Int32 = fields.withNV { nva, count in
            if endStream { return nghttp2_submit_request(session, nil, nva, count, nil, nil) }
            var provider = HTTP2Callbacks.dataProvider()
            return nghttp2_submit_request(session, nil, nva, count, &provider, nil)
        }
        guard id > 0 else { return nil }
        let stream = HTTP2Stream(id: id)
        stream.hasProvider = !endStream
        streams[id] = stream
        counters.streamsOpened += 1
        produceOutput()
        return id
    }

    /// Client role: whether the peer's SETTINGS_MAX_CONCURRENT_STREAMS allows one more stream now
    /// (the pool opens another connection otherwise).
    public var canOpenStream: Bool {
        guard role == .client, !failed, !goAwayReceived, nghttp2_session_want_read(session) != 0 else { return false }
        let limit = nghttp2_session_get_remote_settings(session, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS)
        return UInt32(streams.count) < limit && nghttp2_session_get_next_stream_id(session) <= Int32.max - 2
    }

    /// The peer's SETTINGS_MAX_CONCURRENT_STREAMS (nghttp2's assumption until its SETTINGS arrive).
    public var peerMaxConcurrentStreams: UInt32 {
        nghttp2_session_get_remote_settings(session, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS)
    }

    /// Streams open now.
    public var openStreamCount: Int { streams.count }

    // MARK: Streams: bodies

    /// How many body bytes ``send(stream:_:)`` would take now on `stream`.
    public func sendRoom(stream id: Int32) -> Int {
        guard let stream = streams[id], stream.hasProvider, !stream.outboundEnded else { return 0 }
        return max(0, min(options.streamSendBuffer - stream.outbound.count, options.connectionSendBuffer - queuedSendBytes))
    }

    /// Queues body bytes on `stream`; returns how many were taken (fewer than offered when its
    /// buffer is full: stop reading the other side until `.writable(stream)`).
    @discardableResult
    public func send(stream id: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
        let room = sendRoom(stream: id)
        guard let stream = streams[id] else { return 0 }
        let n = min(room, bytes.count)
        if n < bytes.count { stream.blockedWriter = true }
        guard n > 0 else { return 0 }
        stream.outbound.append(UnsafeRawBufferPointer(rebasing: bytes[0..<n]))
        queuedSendBytes += n
        resume(stream)
        produceOutput()
        return n
    }

    /// The writer of `stream` found no ``sendRoom(stream:)``: report `.writable` when there is.
    public func notifyWhenWritable(stream id: Int32) {
        streams[id]?.blockedWriter = true
    }

    /// ``send(stream:_:)`` from an array.
    @discardableResult
    public func send(stream id: Int32, _ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { send(stream: id, $0) }
    }

    /// Ends the body of `stream` after what is queued, with `trailers` (an HTTP/2 trailer block) if given.
    public func finish(stream id: Int32, trailers: HTTP2FieldList? = nil) {
        guard let stream = streams[id], stream.hasProvider, !stream.outboundEnded else { return }
        stream.outboundEnded = true
        if let trailers, trailers.count > 0 { stream.trailers = trailers }
        resume(stream)
        produceOutput()
    }

    /// ``finish(stream:trailers:)`` with HTTP/1.1 trailer fields (chunked trailers).
    public func finish(stream id: Int32, trailers: HTTPHeaders) {
        finish(stream: id, trailers: HTTP2HeadMapping.trailerFields(trailers))
    }

    private func resume(_ stream: HTTP2Stream) {
        guard stream.deferred else { return }
        stream.deferred = false
        _ = nghttp2_session_resume_data(session, stream.id)
    }

    // MARK: Flow control

    /// `count` body bytes delivered on `stream` have left on the other side: give the peer its
    /// window back (stream and connection).
    public func consume(stream id: Int32, count: Int) {
        guard count > 0 else { return }
        let left = (unconsumed[id] ?? 0) - count
        if left > 0 { unconsumed[id] = left } else { unconsumed[id] = nil }
        _ = nghttp2_session_consume(session, id, count)
        produceOutput()
    }

    /// The bytes delivered on `stream` and not consumed will never leave (the other side is gone):
    /// consume them so the connection window is not lost.
    public func abandonInbound(stream id: Int32) {
        guard let left = unconsumed[id], left > 0 else { return }
        consume(stream: id, count: left)
    }

    /// Bytes delivered on `stream` and not yet consumed.
    public func unconsumedCount(stream id: Int32) -> Int { unconsumed[id] ?? 0 }

    // MARK: Ending

    /// Resets `stream` with `code` (RST_STREAM); its queued body is dropped.
    public func reset(stream id: Int32, code: HTTP2ErrorCode) {
        resetNow(id, code)
        produceOutput()
    }

    /// Sends GOAWAY. `graceful`: streams already open finish, then the connection ends; otherwise
    /// it ends as soon as the GOAWAY is out.
    public func goAway(code: HTTP2ErrorCode = .noError, graceful: Bool = true) {
        if graceful && code == .noError {
            let last = nghttp2_session_get_last_proc_stream_id(session)
            _ = nghttp2_submit_goaway(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), last, code.rawValue, nil, 0)
        } else {
            _ = nghttp2_session_terminate_session(session, code.rawValue)
        }
        produceOutput()
    }

    private func resetNow(_ id: Int32, _ code: HTTP2ErrorCode) {
        if let stream = streams[id] {
            queuedSendBytes -= stream.outbound.count
            stream.outbound.removeAll()
        }
        _ = nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), id, code.rawValue)
    }

    /// Ends the session after a fatal error: GOAWAY with `code` when given (nghttp2 may have queued
    /// its own), then only the remaining output is sent.
    private func fail(_ reason: String, code: HTTP2ErrorCode?) {
        guard !failed else { return }
        if let code { _ = nghttp2_session_terminate_session(session, code.rawValue) }
        failed = true
        events.append(.connectionError(reason))
    }

    // MARK: Recorded work

    /// Submits what the callbacks recorded; true when it submitted anything.
    @discardableResult
    private func runPendingWork() -> Bool {
        var did = false
        if !pendingConsume.isEmpty {
            let work = pendingConsume
            pendingConsume.removeAll()
            for (id, n) in work { _ = nghttp2_session_consume(session, id, n) }
            did = true
        }
        if !pendingRejections.isEmpty {
            let work = pendingRejections
            pendingRejections.removeAll()
            for (id, rejection) in work { refuse(id, rejection) }
            did = true
        }
        if !pendingResets.isEmpty {
            let work = pendingResets
            pendingResets.removeAll()
            for (id, code) in work { resetNow(id, code) }
            did = true
        }
        if !trailersDue.isEmpty {
            let work = trailersDue
            trailersDue.removeAll()
            for id in work {
                guard let stream = streams[id], let trailers = stream.trailers else { continue }
                stream.trailers = nil
                let rv = trailers.withNV { nghttp2_submit_trailer(session, id, $0, $1) }
                if rv != 0 { resetNow(id, .internalError) }
            }
            did = true
        }
        return did
    }

    /// Answers a refused stream (server role with a status) or resets it.
    private func refuse(_ id: Int32, _ rejection: HTTP2Rejection) {
        events.append(.rejected(stream: id, status: rejection.status, reason: rejection.reason))
        counters.rejected += 1
        guard role == .server, let status = rejection.status, let stream = streams[id] else {
            resetNow(id, rejection.code)
            return
        }
        var fields = HTTP2FieldList()
        fields.append(":status", String(status))
        fields.append("content-length", "0")
        // The client may still be sending its body: reset (NO_ERROR) once the answer is out (RFC 9113 §8.1).
        if !stream.remoteEnded { stream.resetAfterResponse = rejection.code }
        let rv = fields.withNV { nghttp2_submit_response(session, id, $0, $1, nil) }
        if rv != 0 { resetNow(id, .internalError) }
    }

    /// `.writable` for streams whose writer was turned away and which have room again (half the buffer).
    private func reportWritableStreams() {
        for (id, stream) in streams where stream.blockedWriter {
            if sendRoom(stream: id) >= min(options.streamSendBuffer / 2, options.connectionSendBuffer / 2) {
                stream.blockedWriter = false
                events.append(.writable(stream: id))
            }
        }
    }

    // MARK: For the callbacks

    func now() -> UInt64 { clock() }
}
