import TLSGateIO
import TLSGateTLS

/// An upstream TLS connection owned by one forward session: socket, TLS session, readiness.
final class UpstreamLink: @unchecked Sendable {
    let channel: SocketChannel
    let tls: TLSConnection
    let address: SocketAddress
    /// Host and port this connection was made for; reused only for the same pair.
    let host: String
    let port: Int
    /// Readiness as last observed: false after OpenSSL reported want-read / want-write.
    var readable = true
    var writable = true
    /// An SSL_write that must be retried with the same length.
    var pendingWriteLength = 0
    /// OpenSSL asked for the other direction (TLS 1.3 post-handshake messages).
    var writeNeedsRead = false
    var readNeedsWrite = false
    var eof = false
    var handshakeDone = false
    /// The pool key it was last pooled under, and the pool's readable handler for it while idle
    /// (kept by the pool; made once per connection).
    var poolKey: UpstreamPool.Key?
    var idleWatch: (() -> Void)?
    /// Audit fields, made once per connection rather than per request.
    lazy var addressText = address.description
    lazy var tlsVersionText = tls.protocolVersion
    lazy var cipherText = tls.cipherName

    init(channel: SocketChannel, tls: TLSConnection, address: SocketAddress, host: String, port: Int) {
        self.channel = channel
        self.tls = tls
        self.address = address
        self.host = host
        self.port = port
    }

    /// Whether OpenSSL may make progress reading now.
    var canRead: Bool { readable && !(readNeedsWrite && !writable) }
    /// Whether OpenSSL may make progress writing now.
    var canWrite: Bool { writable && !(writeNeedsRead && !readable) }

    /// A TLS error happened: the session must not be resumed.
    var failed = false

    func close(sendCloseNotify: Bool) {
        if handshakeDone && !failed {
            // Either way the session stays resumable; only a failed connection loses it.
            if sendCloseNotify && !eof { tls.shutdown() } else { tls.markClosedByPeer() }
        }
        channel.close()
    }
}
