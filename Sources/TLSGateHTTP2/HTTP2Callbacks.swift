import CNghttp2

/// nghttp2's callbacks for ``HTTP2Session``. Each one only records into the session (events and
/// pending work) and never calls back into nghttp2 on the session: the session submits the
/// recorded work after `mem_recv`/`mem_send` return.
enum HTTP2Callbacks {
    static func install(_ callbacks: OpaquePointer) {
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks) { _, frame, user in
            guard let frame, let user else { return 0 }
            owner(user).beginHeaders(frame.pointee.hd.stream_id)
            return 0
        }
        nghttp2_session_callbacks_set_on_header_callback(callbacks) { _, frame, name, namelen, value, valuelen, _, user in
            guard let frame, let user, let name else { return 0 }
            let v = UnsafeBufferPointer(start: value, count: valuelen)
            owner(user).header(frame.pointee.hd.stream_id, UnsafeBufferPointer(start: name, count: namelen), v)
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { _, frame, user in
            guard let frame, let user else { return 0 }
            return owner(user).frameReceived(frame.pointee) ? 0 : NGHTTP2_ERR_CALLBACK_FAILURE.rawValue
        }
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) { _, _, streamID, data, length, user in
            guard let user else { return 0 }
            owner(user).dataReceived(streamID, UnsafeBufferPointer(start: data, count: length))
            return 0
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, streamID, code, user in
            guard let user else { return 0 }
            owner(user).streamClosed(streamID, HTTP2ErrorCode(code))
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks) { _, frame, user in
            guard let frame, let user else { return 0 }
            owner(user).frameSent(frame.pointee)
            return 0
        }
        nghttp2_session_callbacks_set_error_callback2(callbacks) { _, _, message, length, user in
            guard let user, let message else { return 0 }
            owner(user).lastLibraryError = String(decoding: UnsafeRawBufferPointer(start: message, count: length), as: UTF8.self)
            return 0
        }
    }

    /// The provider for bodies sent from a stream's buffer (the read callback finds the stream by id).
    static func dataProvider() -> nghttp2_data_provider {
        var provider = nghttp2_data_provider()
        provider.read_callback = { _, streamID, buffer, length, flags, _, user in
            guard let user, let buffer, let flags else { return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue) }
            return owner(user).readBody(streamID, buffer, length, flags)
        }
        return provider
    }

}

/// The session a callback's `user_data` points to (not retained: the session owns nghttp2's).
private func owner(_ user: UnsafeMutableRawPointer) -> HTTP2Session {
    Unmanaged<HTTP2Session>.fromOpaque(user).takeUnretainedValue()
}

/// The recording side of the callbacks.
extension HTTP2Session {
    func beginHeaders(_ id: Int32) {
        let stream: HTTP2Stream
        if let known = streams[id] {
            stream = known
        } else {
            stream = HTTP2Stream(id: id)
            streams[id] = stream
            if role == .server { counters.streamsOpened += 1 }
        }
        stream.block = HTTP2HeaderBlock(limit: options.maxHeaderListSize)
    }

    func header(_ id: Int32, _ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) {
        guard let stream = streams[id], stream.block != nil else { return }
        stream.block!.add(name: name, value: value)
    }

    /// A complete frame arrived; false aborts the receive (a flood).
    func frameReceived(_ frame: nghttp2_frame) -> Bool {
        let id = frame.hd.stream_id
        let endStream = frame.hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
        let ack = frame.hd.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) != 0
        switch UInt32(frame.hd.type) {
        case NGHTTP2_HEADERS.rawValue:
            guard let stream = streams[id], let block = stream.block else { return true }
            stream.block = nil
            if endStream { stream.remoteEnded = true }
            headersReceived(stream, block, endStream: endStream)
        case NGHTTP2_DATA.rawValue:
            if frame.hd.length == 0 && !endStream && !emptyDataCounter.admit(now: now()) {
                flood = "empty DATA frame flood"
                return false
            }
            if endStream, let stream = streams[id] {
                stream.remoteEnded = true
                if !stream.rejected { events.append(.endStream(stream: id)) }
            }
        case NGHTTP2_RST_STREAM.rawValue:
            events.append(.streamReset(stream: id, code: HTTP2ErrorCode(frame.rst_stream.error_code), byPeer: true))
            counters.resetsReceived[HTTP2ErrorCode(frame.rst_stream.error_code), default: 0] += 1
            if resetCounter != nil && !resetCounter!.admit(now: now()) {
                flood = "RST_STREAM flood (rapid reset)"
                return false
            }
        case NGHTTP2_GOAWAY.rawValue:
            goAwayReceived = true
            counters.goAwaysReceived += 1
            events.append(.goAway(lastStream: frame.goaway.last_stream_id, code: HTTP2ErrorCode(frame.goaway.error_code), byPeer: true))
        case NGHTTP2_SETTINGS.rawValue:
            if !ack { peerSettingsReceived = true }
            if !ack && !settingsCounter.admit(now: now()) {
                flood = "SETTINGS flood"
                return false
            }
        case NGHTTP2_PING.rawValue:
            if !ack && !pingCounter.admit(now: now()) {
                flood = "PING flood"
                return false
            }
        default:
            break
        }
        return true
    }

    /// A header block ended: a request or response head, or trailers.
    private func headersReceived(_ stream: HTTP2Stream, _ block: HTTP2HeaderBlock, endStream: Bool) {
        let id = stream.id
        if stream.rejected { return }
        let isTrailers: Bool
        switch role {
        case .server: isTrailers = stream.headDelivered
        case .client: isTrailers = stream.headDelivered || block.status == nil
        }
        if isTrailers {
            switch HTTP2HeadMapping.trailers(block) {
            case .success(let fields): events.append(.trailers(stream: id, fields))
            case .failure(let rejection): reject(stream, rejection)
            }
            return
        }
        switch role {
        case .server:
            switch HTTP2HeadMapping.request(block) {
            case .success(let request):
                stream.headDelivered = true
                events.append(.request(stream: id, request, endStream: endStream))
            case .failure(let rejection):
                reject(stream, rejection)
            }
        case .client:
            switch HTTP2HeadMapping.response(block) {
            case .success(let head):
                if !head.isInformational { stream.headDelivered = true }
                events.append(.response(stream: id, head, endStream: endStream))
            case .failure(let rejection):
                reject(stream, rejection)
            }
        }
    }

    private func reject(_ stream: HTTP2Stream, _ rejection: HTTP2Rejection) {
        stream.rejected = true
        pendingRejections.append((stream.id, rejection))
    }

    func dataReceived(_ id: Int32, _ data: UnsafeBufferPointer<UInt8>) {
        guard data.count > 0 else { return }
        guard let stream = streams[id], !stream.rejected else {
            // Nobody will forward these: give the window back at once.
            pendingConsume.append((id, data.count))
            return
        }
        unconsumed[id, default: 0] += data.count
        events.append(.data(stream: id, Array(data)))
    }

    func streamClosed(_ id: Int32, _ code: HTTP2ErrorCode) {
        if let stream = streams.removeValue(forKey: id) {
            queuedSendBytes -= stream.outbound.count
            if stream.rejected { return }
        }
        events.append(.streamClosed(stream: id, code: code))
    }

    func frameSent(_ frame: nghttp2_frame) {
        let id = frame.hd.stream_id
        switch UInt32(frame.hd.type) {
        case NGHTTP2_RST_STREAM.rawValue:
            events.append(.streamReset(stream: id, code: HTTP2ErrorCode(frame.rst_stream.error_code), byPeer: false))
            counters.resetsSent[HTTP2ErrorCode(frame.rst_stream.error_code), default: 0] += 1
        case NGHTTP2_GOAWAY.rawValue:
            events.append(.goAway(lastStream: frame.goaway.last_stream_id, code: HTTP2ErrorCode(frame.goaway.error_code), byPeer: false))
            counters.goAwaysSent += 1
        case NGHTTP2_HEADERS.rawValue:
            if let stream = streams[id], let code = stream.resetAfterResponse {
                stream.resetAfterResponse = nil
                pendingResets.append((id, code))
            }
        default:
            break
        }
    }

    /// The data provider's read: copies queued body bytes; defers when there are none yet.
    func readBody(_ id: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ length: Int, _ flags: UnsafeMutablePointer<UInt32>) -> Int {
        guard let stream = streams[id] else { return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue) }
        let n = stream.outbound.read(into: buffer, max: length)
        queuedSendBytes -= n
        if stream.outbound.isEmpty {
            if stream.outboundEnded {
                flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
                if stream.trailers != nil {
                    flags.pointee |= NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue
                    trailersDue.append(id)
                }
            } else if n == 0 {
                stream.deferred = true
                return Int(NGHTTP2_ERR_DEFERRED.rawValue)
            }
        }
        return n
    }
}
