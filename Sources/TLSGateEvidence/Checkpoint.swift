import Glibc
import TLSGateTLS

/// A `checkpoint` line seals the chain: it names the previous line's `seq` and `chain`
/// (`sealed_seq`, `sealed_chain`) and the time, and carries an Ed25519 signature (`sig`, hex) of
///
///     tlsgate-audit-checkpoint/1\n<instance>\n<sealed_seq>\n<sealed_chain>\n<time>
///
/// by the key `key_id` (the first 16 hex digits of SHA-256 over the raw public key), or
/// `"sig":null` when no `audit.signing_key` is configured. The checkpoint line itself is then a
/// link of the chain like any other.
public enum Checkpoint {
    public static let event = "checkpoint"

    /// The bytes that are signed.
    public static func message(instance: String, sealedSeq: Int, sealedChain: some Sequence<UInt8>, time: String) -> [UInt8] {
        var m = Array("tlsgate-audit-checkpoint/1\n".utf8)
        m += Array(instance.utf8); m.append(0x0A)
        m += Array(String(sealedSeq).utf8); m.append(0x0A)
        m += Array(sealedChain); m.append(0x0A)
        m += Array(time.utf8)
        return m
    }

    /// The key id of a public key: 16 hex digits of SHA-256 over its raw bytes.
    public static func keyID(_ key: PublicKey) -> String {
        String(Hex.string(SHA256Hasher().digest(key.rawBytes)).prefix(16))
    }
}

/// Signs checkpoints with the configured Ed25519 key.
public final class CheckpointSigner: @unchecked Sendable {
    public let key: PrivateKey
    public let keyID: String

    /// Loads `audit.signing_key`; refuses anything but an Ed25519 key in a file only its owner can
    /// read (a signing key others can read proves nothing).
    public init(pemFile path: String) throws(TLSError) {
        try Self.checkPrivate(path)
        key = try PrivateKey(pemFile: path)
        guard key.isEd25519 else {
            throw TLSError(kind: .setup, message: "\(path) is not an Ed25519 key (make one with `tlsgate audit keygen --dir DIR`)")
        }
        keyID = Checkpoint.keyID(try key.publicKey())
    }

    public func sign(_ message: [UInt8]) throws(TLSError) -> [UInt8] { try key.signEd25519(message) }

    private static func checkPrivate(_ path: String) throws(TLSError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw TLSError(kind: .setup, message: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw TLSError(kind: .setup, message: "\(path) is readable by group or others (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 600 it")
        }
    }
}
