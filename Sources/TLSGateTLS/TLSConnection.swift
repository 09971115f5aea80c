import COpenSSL
import CShims
import Glibc

/// Owns one `SSL` object: a TLS session over a non-blocking socket, in the client role (tlsgate
/// to an upstream) or the server role (an intercepted client to tlsgate). Both roles share the
/// handshake, read, write and error handling below; only the set-up differs.
///
/// The socket is attached with `SSL_set_fd`, so OpenSSL reads and writes it directly (no extra
/// copy through memory BIOs); alerts, including the one after a failed handshake, reach the peer
/// without a separate flush. Not thread-safe: used on its session's queue only.
public final class TLSConnection {
    private let ssl: OpaquePointer
    /// Keeps the `SSL_CTX` alive as long as this connection (the `SSL` holds a reference too).
    public let context: TLSContext
    /// Client role: the upstream host verified. Server role: the host the certificate was made for.
    public let serverName: String
    /// Where this connection's new sessions are filed (kept alive while the SSL points at it);
    /// nil in the server role (tickets carry the sessions).
    private let sessionSlot: SessionSlot?
    /// Server role: the socket BIO that replaces the prefix memory BIO once it is drained.
    private var socketBIO: OpaquePointer?

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
        let slot = SessionSlot(cache: context.sessions, key: "\(serverName):\(port)")
        self.sessionSlot = slot
        _ = tg_SSL_set_app_data(ssl, Unmanaged.passUnretained(slot).toOpaque())
        context.sessions.apply(to: ssl, key: slot.key)

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

    /// Prepares a server session on an accepted socket whose first bytes (`prefix`, the
    /// ClientHello tlsgate already read and checked) are no longer in the socket: OpenSSL reads
    /// them from a memory BIO first, then the socket (``handshake()`` switches when the memory
    /// BIO is empty). Writes go to the socket from the start. The certificate, its key and the
    /// chain after it are this connection's (`SSL_use_certificate`), not the context's.
    public init(server context: TLSContext, fd: Int32, prefix: UnsafeRawBufferPointer, serverName: String,
                certificate: X509Certificate, key: PrivateKey, chain: [X509Certificate]) throws(TLSError) {
        OpenSSLErrorStack.clear()
        guard let ssl = SSL_new(context.pointer) else {
            throw TLSError(kind: .setup, message: "SSL_new failed", errors: OpenSSLErrorStack.capture())
        }
        self.ssl = ssl
        self.context = context
        self.serverName = serverName
        self.sessionSlot = nil
        func fail(_ what: String) -> TLSError {
            TLSError(kind: .setup, message: what, errors: OpenSSLErrorStack.capture())
        }
        guard SSL_use_certificate(ssl, certificate.pointer) == 1, SSL_use_PrivateKey(ssl, key.pointer) == 1 else {
            throw fail("cannot use the certificate for \(serverName)")
        }
        for cert in chain where tg_SSL_add1_chain_cert(ssl, cert.pointer) != 1 {
            throw fail("cannot add the CA chain for \(serverName)")
        }
        guard let socket = BIO_new_socket(fd, BIO_NOCLOSE) else { throw fail("BIO_new_socket failed") }
        if prefix.isEmpty {
            SSL_set_bio(ssl, socket, socket)   // one BIO for both directions (one reference)
        } else {
            guard let memory = BIO_new(BIO_s_mem()) else {
                BIO_free(socket)
                throw fail("BIO_new failed")
            }
            tg_BIO_set_mem_eof_return(memory, -1)   // drained = "retry", the cue to switch to the socket
            guard BIO_write(memory, prefix.baseAddress, Int32(prefix.count)) == Int32(prefix.count) else {
                BIO_free(memory)
                BIO_free(socket)
                throw fail("cannot buffer the ClientHello")
            }
            SSL_set_bio(ssl, memory, socket)
            socketBIO = socket
        }
        SSL_set_accept_state(ssl)
    }

    deinit { SSL_free(ssl) }

    /// One step of the handshake.
    public func handshake() -> TLSHandshakeResult {
        OpenSSLErrorStack.clear()
        let rc = SSL_do_handshake(ssl)
        if rc == 1 {
            switchToSocketReads()
            return .complete
        }
        let err = SSL_get_error(ssl, rc)
        switch err {
        case SSL_ERROR_WANT_READ:
            // The prefix is used up: read the socket from now on, and try again at once (the
            // socket may hold the rest already; it will not become readable again by itself).
            if switchToSocketReads() { return handshake() }
            return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        default: return .failed(classifyHandshakeFailure(sslError: err))
        }
    }

    /// Server role: replaces the drained prefix BIO by the socket. True when it switched.
    @discardableResult
    private func switchToSocketReads() -> Bool {
        guard let socket = socketBIO, let memory = SSL_get_rbio(ssl), BIO_ctrl_pending(memory) == 0 else { return false }
        socketBIO = nil
        BIO_up_ref(socket)   // SSL_set0_rbio takes one reference; the write side keeps its own
        SSL_set0_rbio(ssl, socket)
        return true
    }

    /// The ALPN protocol the handshake selected ("http/1.1"), nil when none.
    public var alpnSelected: String? {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// Reads decrypted bytes into `buffer`.
    public func read(into buffer: UnsafeMutableRawPointer, count: Int) -> TLSIOResult {
        OpenSSLErrorStack.clear()
        let rc = SSL_read(ssl, buffer, Int32(clamping: count))
        if rc > 0 { return .bytes(Int(rc)) }
        let result = ioResult(rc)
        // Server role, prefix bytes left after the handshake (rare): now they are read.
        if case .wantRead = result, socketBIO != nil, switchToSocketReads() { return read(into: buffer, count: count) }
        return result
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
