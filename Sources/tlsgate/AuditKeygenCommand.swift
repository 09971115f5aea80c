import ArgumentParser
import Glibc
import TLSGateEvidence
import TLSGateTLS

/// `tlsgate audit keygen --dir DIR`: a new Ed25519 checkpoint signing key.
struct AuditKeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Write a new Ed25519 signing key: DIR/audit-key.pem (mode 0600, for audit.signing_key) and DIR/audit-key.pub.pem (for audit verify --key)."
    )

    @Option(name: .long, help: "Directory for audit-key.pem and audit-key.pub.pem (must exist; existing keys are never overwritten).")
    var dir: String

    func validate() throws {
        var info = stat()
        guard stat(dir, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw ValidationError("--dir \(dir): not an existing directory (create it first, e.g. mkdir -m 700 \(dir))")
        }
        for name in ["audit-key.pem", "audit-key.pub.pem"] where access("\(dir)/\(name)", F_OK) == 0 {
            throw ValidationError("\(dir)/\(name) already exists; move it away first (a new key cannot verify the old checkpoints)")
        }
    }

    func run() throws {
        let privatePath = "\(dir)/audit-key.pem", publicPath = "\(dir)/audit-key.pub.pem"
        do {
            let key = try PrivateKey.generateEd25519()
            let pub = try key.publicKey()
            try key.writePEM(toNewFile: privatePath)
            try pub.writePEM(toNewFile: publicPath)
            print("wrote \(privatePath) (mode 0600: set audit.signing_key to it)")
            print("wrote \(publicPath) (give it to auditors: tlsgate audit verify --key \(publicPath) FILE...)")
            print("key id \(Checkpoint.keyID(pub))")
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }
}
