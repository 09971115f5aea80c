import ArgumentParser
import Glibc
import TLSGateEvidence
import TLSGateTLS

/// `tlsgate audit verify FILE... [--key PUB]`: checks the chain and the signed checkpoints.
struct AuditVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that audit files are complete and unmodified: one line per file and a summary; exit 0 only when all is intact.",
        discussion: """
        Reports the first modified line (file:line, seq), deleted or reordered lines, gaps between files, \
        lines after the last checkpoint (a truncated tail), and bad checkpoint signatures. Files may be plain \
        or gzip, in any order, from several instances (each instance's chain is checked on its own). \
        Exit status: 0 intact, 1 problems found, 2 unreadable input.
        """
    )

    @Argument(help: "Audit files (plain or .gz), e.g. /var/log/tlsgate/audit.jsonl*")
    var files: [String]

    @Option(name: .long, help: "Public key (audit-key.pub.pem) to check checkpoint signatures with.")
    var key: String?

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one audit file, e.g. tlsgate audit verify /var/log/tlsgate/audit.jsonl*") }
        for file in files where access(file, R_OK) != 0 {
            throw ValidationError("cannot read \(file): \(String(cString: strerror(errno)))")
        }
        if let key, access(key, R_OK) != 0 {
            throw ValidationError("--key \(key): cannot read it: \(String(cString: strerror(errno)))")
        }
    }

    func run() throws {
        var verifier = AuditVerifier()
        if let key {
            do {
                let pub = try PublicKey(pemFile: key)
                guard pub.isEd25519 else {
                    printError("--key \(key): not an Ed25519 public key (use the audit-key.pub.pem of tlsgate audit keygen)")
                    throw ExitCode(2)
                }
                verifier.key = pub
            } catch let error as TLSError {
                let hint = Self.looksPrivate(key) ? " (this is the private key: pass audit-key.pub.pem)" : ""
                printError("--key \(key): \(error.message)\(hint)")
                throw ExitCode(2)
            }
        }
        let result: VerifyResult
        do {
            result = try verifier.verify(paths: files)
        } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
        print(result.text(), terminator: "")
        if !result.intact { throw ExitCode(1) }
    }

    /// Whether the file's first 4 KiB name a private key (the common mistake with --key).
    static func looksPrivate(_ path: String) -> Bool {
        guard let file = fopen(path, "r") else { return false }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = fread(&buffer, 1, buffer.count, file)
        return String(decoding: buffer.prefix(n), as: UTF8.self).contains("PRIVATE KEY")
    }
}
