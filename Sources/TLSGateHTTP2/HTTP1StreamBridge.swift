import TLSGateHTTP

/// One HTTP/2 stream carried by an HTTP/1.1 exchange (an h2 client in front of an h1 upstream):
/// the body and trailer half of the mapping (heads: ``HTTP2HeadMapping``). Pure, no I/O: the
/// session moves the bytes; framing is decided and checked with TLSGateHTTP's own
/// `requestFraming`/`responseFraming`/`BodyTracker`, so no HTTP/1.1 parsing is repeated here.
///
/// Request side: a body of unknown length (no `content-length`, no END_STREAM on the head) goes
/// upstream chunked, with the client's trailers as chunked trailers. Response side: the upstream
/// body loses its chunk framing and becomes DATA; chunked trailers become an HTTP/2 trailer block.
public struct HTTP1StreamBridge {
    /// The request as received on the stream.
    public let request: HTTP2Request
    /// How the request body goes upstream.
    public let requestFraming: BodyFraming
    /// The head to send upstream: the mapped one, plus `Transfer-Encoding: chunked` when the
    /// body length is unknown.
    public let upstreamHead: HTTPRequestHead

    private var tracker: BodyTracker?
    private var parts = BodyParts()
    /// The final response head arrived.
    public private(set) var responseStarted = false

    /// A bridge for `request`; `endStream`: the HEADERS frame ended the stream (no body).
    public init(_ request: HTTP2Request, endStream: Bool) throws(HTTP2Rejection) {
        self.request = request
        let head = request.head
        if head.headers.contains("content-length") {
            switch TLSGateHTTP.requestFraming(head) {
            case .success(let framing):
                requestFraming = framing
            case .failure(let error):
                throw HTTP2Rejection(status: 400, code: .protocolError, reason: "content-length: \(error)")
            }
            upstreamHead = head
        } else if endStream {
            requestFraming = .none
            upstreamHead = head
        } else {
            requestFraming = .chunked
            var fields = HTTPHeaders.Builder()
            for (name, value) in head.headers { fields.append(name: name, value: value) }
            fields.append(name: "transfer-encoding", value: "chunked")
            upstreamHead = HTTPRequestHead(method: head.method, target: head.target, version: .http11, headers: fields.build())
        }
    }

    // MARK: Request body

    /// Request body bytes as they go upstream (in a chunk when the body is chunked).
    public func requestBody(_ data: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        guard data.count > 0 else { return }
        if requestFraming == .chunked {
            out.append(contentsOf: String(data.count, radix: 16).utf8)
            out.append(contentsOf: crlf)
            out.append(contentsOf: data)
            out.append(contentsOf: crlf)
        } else {
            out.append(contentsOf: data)
        }
    }

    /// The end of the request body: the last chunk with `trailers` as chunked trailers. Returns
    /// false when trailers were given but cannot go (a body framed by Content-Length).
    @discardableResult
    public func requestEnd(trailers: HTTPHeaders?, into out: inout [UInt8]) -> Bool {
        guard requestFraming == .chunked else { return trailers == nil || trailers?.isEmpty == true }
        out.append(contentsOf: "0\r\n".utf8)
        if let trailers {
            trailers.forEachHTTP2Field { name, value in
                out.append(contentsOf: name)
                out.append(contentsOf: ": ".utf8)
                out.append(contentsOf: value)
                out.append(contentsOf: crlf)
            }
        }
        out.append(contentsOf: crlf)
        return true
    }

    // MARK: Response

    /// The upstream's response head as the block for the client. A 1xx interim head (not 101)
    /// passes without touching the body state; 101 (an upgrade) cannot be carried over HTTP/2.
    public mutating func response(_ head: HTTPResponseHead) throws(HTTP2Rejection) -> HTTP2FieldList {
        if head.status == 101 {
            throw HTTP2Rejection(status: 502, code: .protocolError, reason: "upstream switched protocols (101), which HTTP/2 cannot carry")
        }
        if head.isInformational { return HTTP2HeadMapping.responseFields(head) }
        switch responseFraming(head, requestMethod: request.head.method) {
        case .success(let framing):
            tracker = BodyTracker(framing)
        case .failure(let error):
            throw HTTP2Rejection(status: 502, code: .protocolError, reason: "upstream response framing: \(error)")
        }
        responseStarted = true
        return HTTP2HeadMapping.responseFields(head)
    }

    /// Whether the response has no body to wait for (HEAD, 204, 304, Content-Length 0).
    public var responseComplete: Bool { tracker?.isComplete ?? false }

    /// Upstream body bytes: `data` gets each payload piece (framing removed); returns how many
    /// bytes belonged to the body, whether it is complete, and then its trailers (if any).
    public mutating func responseBody(_ bytes: UnsafeRawBufferPointer, _ data: (UnsafeRawBufferPointer) -> Void)
        throws(HTTPParseError) -> (consumed: Int, complete: Bool, trailers: HTTP2FieldList?) {
        guard var body = tracker else { return (0, false, nil) }
        parts.payload.removeAll(keepingCapacity: true)
        let (consumed, complete) = try body.consume(bytes, into: &parts)
        tracker = body
        for range in parts.payload { data(UnsafeRawBufferPointer(rebasing: bytes[range])) }
        guard complete, !parts.trailerBytes.isEmpty else { return (consumed, complete, nil) }
        let trailers = HTTP2HeadMapping.trailerFields(parts.trailers)
        return (consumed, complete, trailers.count > 0 ? trailers : nil)
    }

    /// The upstream closed: true when that ends the body (no length given), false when the body
    /// was cut short (reset the stream).
    public func responseEndOfInput() -> Bool {
        guard let tracker else { return false }
        return tracker.isComplete || tracker.endsAtClose
    }
}

private let crlf: [UInt8] = [0x0D, 0x0A]
