/// The outcome of a handshake step on a non-blocking socket.
public enum TLSHandshakeResult: Sendable {
    case complete
    /// Call again when the socket is readable.
    case wantRead
    /// Call again when the socket is writable.
    case wantWrite
    case failed(TLSError)
}

/// The outcome of `SSL_read`/`SSL_write` on a non-blocking socket.
public enum TLSIOResult: Sendable {
    /// This many bytes were read or written.
    case bytes(Int)
    case wantRead
    case wantWrite
    /// The peer closed the TLS session (close_notify, or end of stream).
    case closed
    case failed(TLSError)
}
