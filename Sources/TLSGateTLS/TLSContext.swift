import COpenSSL
import CShims
import Glibc

/// Owns one `SSL_CTX`. Built once at start-up (or on reload) and shared by all connections:
/// OpenSSL contexts are safe to use from many threads once configured.
public final class TLSContext: @unchecked Sendable {
    /// OpenSSL's read buffer per connection (read-ahead fills it in one system call).
    static let readBufferBytes = 64 * 1024

    let pointer: OpaquePointer
    public let configuration: TLSClientConfiguration
    /// Upstream sessions for resumption, per host:port.
    let sessions = TLSSessionCache()

    /// A client context: minimum version, AEAD-only ciphers, peer verification always on.
    /// `http2`: ALPN offers `h2` then `http/1.1` (`upstream.http2: auto`); otherwise no ALPN.
    public init(client configuration: TLSClientConfiguration, http2: Bool = false) throws(TLSError) {
        OpenSSLErrorStack.clear()
        guard let ctx = SSL_CTX_new(TLS_client_method()) else {
            throw TLSError(kind: .setup, message: "SSL_CTX_new failed", errors: OpenSSLErrorStack.capture())
        }
        self.pointer = ctx
        self.configuration = configuration

        func fail(_ what: String) -> TLSError {
            TLSError(kind: .setup, message: what, errors: OpenSSLErrorStack.capture())
        }
        try Self.applyProfile(configuration, to: ctx)
        _ = tg_SSL_CTX_set_mode(ctx, tg_default_ssl_mode())
        tg_SSL_CTX_set_read_ahead(ctx, 1)
        // With read-ahead, one read(2) fills this buffer: several 16 KiB records per system call
        // on bulk bodies. Idle connections give it back (`TLSConnection.releaseBuffers()`); busy ones
        // keep it across requests.
        SSL_CTX_set_default_read_buffer_len(ctx, Self.readBufferBytes)
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
        // Resumption: OpenSSL offers each new session to the callback, which files it by host:port.
        _ = tg_SSL_CTX_set_session_cache_mode(ctx, tg_client_session_cache_mode())
        SSL_CTX_sess_set_new_cb(ctx, tlsgateNewSessionCallback)
        if http2 {
            let protocols: [UInt8] = [2] + Array("h2".utf8) + [8] + Array("http/1.1".utf8)
            // Returns 0 on success (unlike most of OpenSSL).
            guard SSL_CTX_set_alpn_protos(ctx, protocols, UInt32(protocols.count)) == 0 else { throw fail("cannot set ALPN protocols") }
        }
        switch configuration.trustStore {
        case .system:
            guard SSL_CTX_set_default_verify_paths(ctx) == 1 else { throw fail("cannot load the system trust store") }
        case .file(let path):
            guard SSL_CTX_load_verify_locations(ctx, path, nil) == 1 else {
                throw fail("cannot load CA bundle '\(path)'")
            }
        case .pem(let name, let text):
            let roots: [X509Certificate]
            do { roots = try X509Certificate.all(pem: text) } catch {
                throw TLSError(kind: .setup, message: "cannot load CA bundle \(name): \(error.message)", errors: error.errors)
            }
            // The store takes its own reference to each certificate.
            guard let store = SSL_CTX_get_cert_store(ctx) else { throw fail("SSL_CTX_get_cert_store failed") }
            for root in roots where X509_STORE_add_cert(store, root.pointer) != 1 {
                throw fail("cannot add a certificate of \(name) to the trust store")
            }
        }
    }

    deinit { SSL_CTX_free(pointer) }

    /// A server context (the client side of an intercepted connection): the same version floor,
    /// AEAD-only ciphers, groups and signature algorithms as `configuration` (its trust store is
    /// not used), stateless session tickets (this context's own random ticket key: a new context
    /// is a new key), no server-side session cache, `http/1.1` as the only ALPN protocol, and
    /// record buffers released whenever a connection has nothing buffered. The certificate is set
    /// per connection (``TLSConnection/init(server:fd:prefix:certificate:key:chain:)``).
    /// `http2`: ALPN offers `h2` (preferred) and `http/1.1` instead of `http/1.1` alone.
    public init(server configuration: TLSClientConfiguration, http2: Bool = false) throws(TLSError) {
        OpenSSLErrorStack.clear()
        guard let ctx = SSL_CTX_new(TLS_server_method()) else {
            throw TLSError(kind: .setup, message: "SSL_CTX_new failed", errors: OpenSSLErrorStack.capture())
        }
        self.pointer = ctx
        self.configuration = configuration
        try Self.applyProfile(configuration, to: ctx)
        _ = tg_SSL_CTX_set_mode(ctx, tg_server_ssl_mode())
        tg_SSL_CTX_set_read_ahead(ctx, 1)
        // Tickets carry the whole session (stateless): a resuming client skips the certificate
        // and key exchange work, and the server keeps nothing per session.
        _ = tg_SSL_CTX_set_session_cache_mode(ctx, 0)
        _ = SSL_CTX_set_num_tickets(ctx, 1)
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nil)
        if http2 { tg_SSL_CTX_select_alpn_h2_http11(ctx) } else { tg_SSL_CTX_select_alpn_http11(ctx) }
    }

    /// Version floor, cipher lists, groups and signature algorithms: the same for both roles.
    private static func applyProfile(_ configuration: TLSClientConfiguration, to ctx: OpaquePointer) throws(TLSError) {
        func fail(_ what: String) -> TLSError {
            TLSError(kind: .setup, message: what, errors: OpenSSLErrorStack.capture())
        }
        guard tg_SSL_CTX_set_min_proto_version(ctx, configuration.minimumVersion.openSSLValue) == 1 else {
            throw fail("cannot set minimum TLS version")
        }
        _ = tg_SSL_CTX_set_options(ctx, tg_default_ssl_options())
        guard SSL_CTX_set_cipher_list(ctx, configuration.cipherList) == 1 else {
            throw fail("invalid TLS 1.2 cipher list '\(configuration.cipherList)'")
        }
        guard SSL_CTX_set_ciphersuites(ctx, configuration.cipherSuites) == 1 else {
            throw fail("invalid TLS 1.3 cipher suites '\(configuration.cipherSuites)'")
        }
        if let groups = configuration.groups, tg_SSL_CTX_set1_groups_list(ctx, groups) != 1 {
            throw fail("invalid TLS groups '\(groups)'")
        }
        if let sigalgs = configuration.signatureAlgorithms, tg_SSL_CTX_set1_sigalgs_list(ctx, sigalgs) != 1 {
            throw fail("invalid TLS signature algorithms '\(sigalgs)'")
        }
    }

    /// Where OpenSSL's default trust store lives: (file, directory), as overridden by
    /// SSL_CERT_FILE / SSL_CERT_DIR.
    public static var systemTrustStore: (file: String, directory: String) {
        let fileEnv = String(cString: X509_get_default_cert_file_env())
        let dirEnv = String(cString: X509_get_default_cert_dir_env())
        let file = getenv(fileEnv).map { String(cString: $0) } ?? String(cString: X509_get_default_cert_file())
        let dir = getenv(dirEnv).map { String(cString: $0) } ?? String(cString: X509_get_default_cert_dir())
        return (file, dir)
    }

    /// The OpenSSL library version string, e.g. "OpenSSL 3.0.19 27 Jan 2026".
    public static var libraryVersion: String { String(cString: OpenSSL_version(Int32(OPENSSL_VERSION))) }
}
