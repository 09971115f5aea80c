import Foundation
import TLSGateAudit
import TLSGateEvidence
import TLSGateTLS

/// A temporary directory, removed at deinit.
final class EvidenceDir {
    let path: String
    init() {
        path = FileManager.default.temporaryDirectory.path + "/tlsgate-evidence-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { "\(path)/\(name)" }

    /// A fresh signing key pair: (private PEM path, public key).
    func keyPair(_ name: String = "audit-key") throws -> (String, PublicKey) {
        let key = try PrivateKey.generateEd25519()
        let privatePath = file("\(name).pem"), publicPath = file("\(name).pub.pem")
        try key.writePEM(toNewFile: privatePath)
        try key.publicKey().writePEM(toNewFile: publicPath)
        return (privatePath, try PublicKey(pemFile: publicPath))
    }
}

func lines(_ path: String) throws -> [String] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
}

func writeLines(_ lines: [String], to path: String) throws {
    try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
}

/// Writes `count` request records through a real AuditLog (sealed, checkpointed at close).
func writeLog(_ path: String, count: Int, instance: String = "gw-test", signer: CheckpointSigner?, start: Int = 0,
              checkpointEvery: Int = 0) {
    let log = try! AuditLog(path: path, sealing: AuditSealing(instance: instance, checkpointInterval: 0, signer: signer))
    for i in 0..<count {
        log.write(AuditRecord(event: .request, mode: .forward, host: "h\(i % 7).example", status: 200, decision: .allow,
                              extra: [("i", .int(start + i))]))
        if checkpointEvery > 0, (i + 1) % checkpointEvery == 0 { log.close() }
    }
    log.close()
}

/// The attack the signature exists for: rewrite `lines` and recompute every chain (and the
/// checkpoints' sealed chains) from the first, as someone with write access but no key can.
func rebuildChain(_ lines: [String]) -> [String] {
    let hasher = SHA256Hasher()
    var previous = AuditChain.genesis
    var out: [String] = []
    for line in lines {
        var bytes = Array(line.utf8)
        var text = line
        if text.contains("\"event\":\"checkpoint\"") {
            let old = text.range(of: #""sealed_chain":""#)!
            let start = old.upperBound
            let end = text.index(start, offsetBy: 64)
            text.replaceSubrange(start..<end, with: String(decoding: previous, as: UTF8.self))
            bytes = Array(text.utf8)
        }
        let fieldStart = bytes.withUnsafeBytes { AuditChain.fieldStart(in: $0)! }
        var canonical = Array(bytes[0..<fieldStart])
        canonical += bytes[(fieldStart + AuditChain.fieldLength)...]
        let digest = hasher.digest(previous + canonical)
        let chain = Array(Hex.string(digest).utf8)
        var rebuilt = Array(bytes[0..<fieldStart]) + Array(#","chain":""#.utf8) + chain + [0x22]
        rebuilt += bytes[(fieldStart + AuditChain.fieldLength)...]
        previous = chain
        out.append(String(decoding: rebuilt, as: UTF8.self))
    }
    return out
}
