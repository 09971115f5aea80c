/// The outcome of feeding bytes to `HTTPHeadParser`.
public enum HeadParseResult<Head: Sendable>: Sendable {
    /// The head has not ended yet: feed the same buffer again once more bytes have arrived.
    case incomplete
    /// A full head; its bytes are the first `consumed` bytes of the buffer (the body starts there).
    case complete(Head, consumed: Int)
    /// The head is malformed or too large; answer `error.status` and close.
    case invalid(HTTPParseError)
}
