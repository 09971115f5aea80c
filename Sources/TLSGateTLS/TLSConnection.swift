import COpenSSL
import CShims
import Glibc

/// Owns one `SSL` object: a client TLS session over a non-blocking socket.
///
/// The socket is attached with `SSL_set_fd`, so OpenSSL reads and writes it directly (no extra
/// copy through memory BIOs); alerts, including the one after a failed handshake, reach the peer
/// without a separate flush. Not thread-safe: used on its session's queue only.
public final class TLSConnection {
    private let ssl: OpaquePointer
    /// Keeps the `SSL_CTX` alive as long as this connection (the `SSL` holds a reference too).
    public let context: TLSContext
    public let serverName: String
    /// Where this connection's new sessions are filed (kept alive while the SSL points at it).
    private let sessionSlot: SessionSlot

    /// Prepares a client session: SNI (unless `serverName` is an IP literal), host name (or IP)
    /// verification, and the socket.
    public init(context: TLSContext, fd: Int32, serverName: String, port: Int = 443) throws(TLSError) {
        OpenSSLErrorStack.clear()
        guard let ssl = SSL_new(context.pointer) else {
            throw TLSError(kind: .setup, message: "SSL_new failed", errors: OpenSSLErrorStack.capture())
        }
        self.ssl = ssl
        self.context = context
        self.serverName = serverName
        self.sessionSlot = SessionSlot(cache: context.sessions, key: "\(serverName):\(port)")
        _ = tg_SSL_set_app_data(ssl, Unmanaged.passUnretained(sessionSlot).toOpaque())
        context.sessions.apply(to: ssl, key: sessionSlot.key)

        let isIP = TLSConnection.isIPLiteral(serverName)
        if isIP {
            guard let param = SSL_get0_param(ssl), X509_VERIFY_PARAM_set1_ip_asc(param, serverName) == 1 else {
                throw TLSError(kind: .setup, message: "cannot verify IP \(serverName)", errors: OpenSSLErrorStack.capture())
            }
        } else {
            guard tg_SSL_set_tlsext_host_name(ssl, serverName) == 1 else {
                throw TLSError(kind: .setup, message: "invalid TLS server name '\(serverName)'", errors: OpenSSLErrorStack.capture())
            }
            SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
            guard SSL_set1_host(ssl, serverName) == 1 else {
                throw TLSError(kind: .setup, message: "cannot verify host \(serverName)", errors: OpenSSLErrorStack.capture())
            }
        }
        guard SSL_set_fd(ssl, fd) == 1 else {
            throw TLSError(kind: .setup, message: "SSL_set_fd failed", errors: OpenSSLErrorStack.capture())
        }
        SSL_set_connect_state(ssl)
    }

    deinit { SSL_free(ssl) }

    /// One step of the client handshake.
    public func handshake() -> TLSHandshakeResult {
        OpenSSLErrorStack.clear()
        let rc = SSL_do_handshake(ssl)
        if rc == 1 { return .complete }
        let err = SSL_get_error(ssl, rc)
        switch err {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        default: return .failed(classifyHandshakeFailure(sslError: err))
        }
    }

    /// Reads decrypted bytes into `buffer`.
    public func read(into buffer: UnsafeMutableRawPointer, count: Int) -> TLSIOResult {
        OpenSSLErrorStack.clear()
        let rc = SSL_read(ssl, buffer, Int32(clamping: count))
        if rc > 0 { return .bytes(Int(rc)) }
        return ioResult(rc)
    }

    /// Encrypts and sends bytes. After `.wantWrite`/`.wantRead`, call again with the same bytes.
    public func write(_ buffer: UnsafeRawPointer, count: Int) -> TLSIOResult {
        OpenSSLErrorStack.clear()
        let rc = SSL_write(ssl, buffer, Int32(clamping: count))
        if rc > 0 { return .bytes(Int(rc)) }
        return ioResult(rc)
    }

    /// Decrypted bytes OpenSSL already holds (they will not make the socket readable again).
    public var pendingBytes: Int { Int(SSL_pending(ssl)) }

    /// Whether OpenSSL holds any bytes (decrypted or still raw, read ahead from the socket).
    public var hasBufferedInput: Bool { SSL_has_pending(ssl) == 1 }

    /// Frees OpenSSL's record buffers (about 80 KiB with read-ahead) while the connection idles;
    /// the next read or write allocates them again. Does nothing when they hold unread bytes.
    public func releaseBuffers() {
        _ = SSL_free_buffers(ssl)
    }

    /// Sends close_notify, best effort (never waits for the peer's).
    public func shutdown() {
        OpenSSLErrorStack.clear()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    /// Marks a session the peer ended (after a complete exchange) as cleanly closed without
    /// writing to the socket. Without it, freeing the `SSL` would mark its session
    /// non-resumable, wasting the tickets the server issued.
    public func markClosedByPeer() {
        SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN)
    }

    /// Whether the handshake resumed an earlier session (no full handshake).
    public var resumedSession: Bool { SSL_session_reused(ssl) == 1 }

    /// The negotiated protocol, OpenSSL spelling: "TLSv1.3".
    public var protocolVersion: String { String(cString: SSL_get_version(ssl)) }

    /// The negotiated cipher, OpenSSL name: "TLS_AES_128_GCM_SHA256".
    public var cipherName: String? {
        guard let cipher = SSL_get_current_cipher(ssl), let name = SSL_CIPHER_get_name(cipher) else { return nil }
        return String(cString: name)
    }

    private func ioResult(_ rc: Int32) -> TLSIOResult {
        let err = SSL_get_error(ssl, rc)
        switch err {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_ZERO_RETURN: return .closed
        case SSL_ERROR_SYSCALL:
            let stack = OpenSSLErrorStack.capture()
            let savedErrno = errno
            if stack.isEmpty && (savedErrno == 0 || savedErrno == ECONNRESET || savedErrno == EPIPE) { return .closed }
            return .failed(TLSError(kind: .connectionClosed, message: "TLS connection failed: \(String(cString: strerror(savedErrno)))", errors: stack))
        default:
            let stack = OpenSSLErrorStack.capture()
            // OpenSSL 3 reports an EOF without close_notify as SSL_R_UNEXPECTED_EOF_WHILE_READING.
            if stack.contains(where: { $0.reason == 294 }) { return .closed }
            return .failed(TLSError(kind: .connectionClosed, message: "TLS record error", errors: stack))
        }
    }

    /// Maps a failed handshake to a policy-relevant kind, keeping the evidence.
    private func classifyHandshakeFailure(sslError: Int32) -> TLSError {
        let savedErrno = errno
        let stack = OpenSSLErrorStack.capture()
        let verify = Int(SSL_get_verify_result(ssl))
        if verify != Int(X509_V_OK) {
            let text = String(cString: X509_verify_cert_error_string(verify))
            if verify == Int(X509_V_ERR_HOSTNAME_MISMATCH) || verify == Int(X509_V_ERR_IP_ADDRESS_MISMATCH) {
                return TLSError(kind: .certificateNameMismatch,
                                message: "certificate does not match host \(serverName): \(text)",
                                verifyResult: verify, errors: stack)
            }
            return TLSError(kind: .certificateUntrusted,
                            message: "certificate for \(serverName) not trusted: \(text)",
                            verifyResult: verify, errors: stack)
        }
        // SSL_R_UNSUPPORTED_PROTOCOL (258), SSL_R_TLSV1_ALERT_PROTOCOL_VERSION (1070),
        // SSL_R_UNSUPPORTED_SSL_VERSION (259), SSL_R_WRONG_SSL_VERSION (266): the server would only
        // speak a version below our minimum.
        if stack.contains(where: { [258, 259, 266, 1070].contains($0.reason) }) {
            return TLSError(kind: .protocolVersion,
                            message: "\(serverName) only offers a TLS version below the minimum",
                            errors: stack)
        }
        if sslError == SSL_ERROR_SYSCALL || sslError == SSL_ERROR_ZERO_RETURN || stack.contains(where: { $0.reason == 294 }) {
            let detail = savedErrno != 0 ? String(cString: strerror(savedErrno)) : "connection closed"
            return TLSError(kind: .connectionClosed, message: "TLS handshake with \(serverName) failed: \(detail)", errors: stack)
        }
        let detail = stack.last?.text ?? "error \(sslError)"
        return TLSError(kind: .handshakeFailed, message: "TLS handshake with \(serverName) failed: \(detail)", errors: stack)
    }

    static func isIPLiteral(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
