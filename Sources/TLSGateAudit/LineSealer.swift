import TLSGateEvidence

/// Gives each encoded line its `instance`, `seq` and `chain` (the canonical form is in
/// `AuditChain`), and makes the `restart` and `checkpoint` lines. Runs only on the audit log's
/// writer queue, which is the one place lines are in their final order; callers of
/// `AuditLog.write` never pay for the hash.
final class LineSealer {
    let sealing: AuditSealing
    /// `,"instance":"<escaped>","seq":`
    private let instancePrefix: [UInt8]
    private let hasher = SHA256Hasher()
    private(set) var seq = 0
    /// The last line's chain, 64 hex bytes.
    private(set) var chain: [UInt8]
    /// Lines sealed since the last checkpoint.
    private(set) var unsealed = 0
    /// Lines sealed in all (records and evidence lines).
    private(set) var sealedLines = 0
    private var signatureFailureReported = false
    private let previous: ChainTail?
    private var restartPending = true
    /// When the process opened the log: the restart line's time.
    private let started = AuditTimestamp.now()

    /// `previous` is the last line of the previous process, when it could be read: the restart
    /// line links to it.
    init(sealing: AuditSealing, previous: ChainTail?) {
        self.sealing = sealing
        var prefix = JSONWriter(capacity: 128)
        prefix.ascii(",\"instance\":")
        prefix.string(sealing.instance)
        prefix.ascii(",\"seq\":")
        instancePrefix = prefix.withUnsafeBytes { Array($0) }
        chain = previous?.chain ?? AuditChain.genesis
        self.previous = previous
    }

    /// Writes the sealed `restart` line that starts this process's chain, before its first line.
    private func restart(into out: inout JSONWriter) {
        restartPending = false
        var json = JSONWriter(capacity: 256)
        json.ascii("{\"time\":"); started.write(into: &json)
        json.ascii(",\"event\":\"restart\",\"prev_seq\":"); json.int(previous?.seq)
        json.ascii(",\"prev_chain\":")
        if let previous { json.byte(0x22); previous.chain.withUnsafeBufferPointer { json.bytes($0) }; json.byte(0x22) } else { json.null() }
        json.ascii(",\"prev_instance\":"); json.string(previous?.instance)
        json.ascii("}")
        json.withUnsafeBytes { sealLine($0, closing: 1, into: &out) }
    }

    /// Seals every line of `batch` (each ending in `}\n`) into `out`.
    func seal(batch: UnsafeRawBufferPointer, into out: inout JSONWriter) {
        guard let base = batch.baseAddress else { return }
        if restartPending { restart(into: &out) }
        var start = 0
        while start < batch.count {
            let rest = batch.count - start
            guard let nl = memchr(base + start, 0x0A, rest) else { break }
            let length = (base + start).distance(to: UnsafeRawPointer(nl))
            sealLine(UnsafeRawBufferPointer(start: base + start, count: length), closing: sealing.closingBytes, into: &out)
            start += length + 1
        }
    }

    /// Seals one encoded line (without its newline); `closing` bytes at its end stay after the
    /// evidence fields.
    private func sealLine(_ line: UnsafeRawBufferPointer, closing: Int, into out: inout JSONWriter) {
        let closing = min(closing, line.count)
        let lineStart = out.count
        out.bytes(UnsafeBufferPointer(rebasing: line.bindMemory(to: UInt8.self)[0..<(line.count - closing)]))
        seq += 1
        instancePrefix.withUnsafeBufferPointer { out.bytes($0) }
        out.int(seq)
        let closingBytes = UnsafeRawBufferPointer(rebasing: line[(line.count - closing)...])
        // Hash previous chain || line-so-far || closing bytes, then write the chain field in place.
        out.reserve(AuditChain.fieldLength + closing + 1)
        let canonical = UnsafeRawBufferPointer(start: out.base + lineStart, count: out.count - lineStart)
        out.ascii(",\"chain\":\"")
        chain.withUnsafeMutableBytes { chainBytes in
            AuditChain.link(previous: UnsafeRawBufferPointer(chainBytes), canonical, closingBytes,
                            hasher: hasher, into: chainBytes.baseAddress!)
            out.bytes(UnsafeBufferPointer(chainBytes.bindMemory(to: UInt8.self)))
        }
        out.byte(0x22)
        out.bytes(closingBytes.bindMemory(to: UInt8.self))
        out.byte(0x0A)
        unsealed += 1
        sealedLines += 1
    }

    /// Writes a sealed `checkpoint` line for the last line, signed when a key is configured.
    /// Does nothing when no line was written since the last checkpoint.
    func checkpoint(into out: inout JSONWriter) {
        guard unsealed > 0 else { return }
        let time = AuditTimestamp.now().rfc3339
        let sealedSeq = seq, sealedChain = chain
        var signature: [UInt8]?
        if let signer = sealing.signer {
            do {
                signature = try signer.sign(Checkpoint.message(instance: sealing.instance, sealedSeq: sealedSeq, sealedChain: sealedChain, time: time))
            } catch {
                if !signatureFailureReported {
                    signatureFailureReported = true
                    FileOutput.warn("audit checkpoint signing failed: \(error)")
                }
            }
        }
        var json = JSONWriter(capacity: 512)
        json.ascii("{\"time\":"); json.string(time)
        json.ascii(",\"event\":\"checkpoint\",\"sealed_seq\":"); json.int(sealedSeq)
        json.ascii(",\"sealed_chain\":\""); sealedChain.withUnsafeBufferPointer { json.bytes($0) }; json.byte(0x22)
        json.ascii(",\"key_id\":"); json.string(sealing.signer?.keyID)
        json.ascii(",\"sig\":"); json.string(signature.map { Hex.string($0) })
        json.ascii("}")
        json.withUnsafeBytes { sealLine($0, closing: 1, into: &out) }
        unsealed = 0
    }

}

#if canImport(Glibc)
import Glibc
#endif
