import TLSGateTLS

/// `tlsgate audit verify`: checks the hash chain and the signed checkpoints of a set of audit
/// files, in the spirit of `aws cloudtrail validate-logs`. Files are grouped by the `instance`
/// of their lines and each group is checked as one chain, in the order of its files' first lines
/// (time, then seq), so rotated files may be given in any order. Memory is bounded: files are
/// streamed and only each chain's last link is kept.
public struct AuditVerifier {
    public var key: PublicKey?
    /// Findings kept per file (the rest are counted).
    public var maxFindingsPerFile = 20

    public init(key: PublicKey? = nil) { self.key = key }

    /// The running state of one instance's chain.
    private struct ChainState {
        var chain: [UInt8]?     // the last line's stored chain (64 hex bytes)
        var seq = 0
        var unsealed = 0
        var checkpoints = 0
        var lastFile = ""
        var lastLine = 0
    }

    public func verify(paths: [String]) throws(EvidenceReadError) -> VerifyResult {
        var result = VerifyResult()
        result.signaturesChecked = key != nil
        let keyID = key.map { Checkpoint.keyID($0) }
        // Order: per instance, by the first line's time then seq.
        var heads: [(index: Int, instance: String, time: String, seq: Int)] = []
        for (index, path) in paths.enumerated() {
            let head = try Self.firstLine(path)
            heads.append((index, head?.instance ?? "", head?.time ?? "", head?.seq ?? 0))
        }
        var instanceOrder: [String] = []
        for head in heads where !instanceOrder.contains(head.instance) { instanceOrder.append(head.instance) }
        let ordered = heads.sorted { a, b in
            let ia = instanceOrder.firstIndex(of: a.instance)!, ib = instanceOrder.firstIndex(of: b.instance)!
            if ia != ib { return ia < ib }
            if a.time != b.time { return a.time < b.time }
            return a.seq < b.seq
        }
        result.instances = instanceOrder.filter { !$0.isEmpty }
        let hasher = SHA256Hasher()
        var states: [String: ChainState] = [:]
        for head in ordered {
            let path = paths[head.index]
            var file = VerifiedFile(path: path)
            var state = states[head.instance] ?? ChainState()
            let reader = try LineReader(path: path)
            var fileStart = true
            var computed = [UInt8](repeating: 0, count: 64)
            func report(_ kind: VerifyFinding.Kind, _ line: Int?, _ seq: Int?, _ message: String) {
                if file.findings.count < maxFindingsPerFile {
                    file.findings.append(VerifyFinding(kind: kind, file: path, line: line, seq: seq, message: message))
                } else {
                    file.moreFindings += 1
                }
            }
            try reader.forEachLine { line, number, terminated, tooLong in
                file.lines += 1
                defer { fileStart = false }
                if tooLong { report(.malformed, number, nil, "line longer than \(LineReader.maxLineBytes) bytes"); return true }
                if !terminated { report(.malformed, number, nil, "the last line is cut off (no newline)"); return true }
                guard let fields = EvidenceFields(line: line), let seq = fields.seq, let chainValue = fields.chain,
                      Hex.isChain(chainValue.bytes), let fieldStart = AuditChain.fieldStart(in: line) else {
                    report(.malformed, number, nil, "not a sealed audit line (no seq and chain)")
                    return true
                }
                if file.instance == nil { file.instance = fields.instance?.string ?? "" }
                if file.firstSeq == nil { file.firstSeq = seq }
                file.lastSeq = seq
                let stored = Array(chainValue.bytes)
                let atBoundary = fileStart && state.chain != nil
                // Which chain this line must follow, and whether its sequence number fits.
                var base: [UInt8]? = state.chain
                var seqOK = true
                if fields.isRestart {
                    let named = fields.prevChain.flatMap { $0.kind == .string ? Array($0.bytes) : nil }
                    base = named ?? AuditChain.genesis
                    if seq != 1 { report(.reordered, number, seq, "a restart line must have seq 1"); seqOK = false }
                    if let previous = state.chain {
                        if let named {
                            if named != previous || fields.prevSeq != state.seq {
                                report(.gap, number, seq, "the restart names seq \(fields.prevSeq.map(String.init) ?? "?") as the previous process's last line, "
                                       + "but the chain before it ends at \(state.lastFile):\(state.lastLine) (seq \(state.seq)): lines are missing between them")
                                seqOK = false
                            }
                        } else {
                            report(.gap, number, seq, "the chain restarts without naming the previous process's last line "
                                   + "(after \(state.lastFile):\(state.lastLine), seq \(state.seq)): what came between cannot be proven complete")
                            seqOK = false
                        }
                    }
                } else if state.chain != nil {
                    let expected = state.seq + 1
                    if seq > expected {
                        let missing = expected == seq - 1 ? "seq \(expected) is" : "seq \(expected)-\(seq - 1) are"
                        if atBoundary {
                            report(.gap, number, seq, "\(missing) missing between \(state.lastFile) (ends at seq \(state.seq)) and this file")
                        } else {
                            report(.deleted, number, seq, "\(missing) missing before this line (deleted or moved)")
                        }
                        seqOK = false
                    } else if seq < expected {
                        report(.reordered, number, seq, "seq \(seq) follows seq \(state.seq) (lines reordered or repeated)")
                        seqOK = false
                    }
                } else {
                    // The first line of the set, not a restart: earlier files were not given, so
                    // its own link cannot be checked; it anchors the chain.
                    base = nil
                }
                if let base {
                    base.withUnsafeBytes { prev in
                        computed.withUnsafeMutableBytes { out in
                            AuditChain.link(previous: prev, UnsafeRawBufferPointer(rebasing: line[0..<fieldStart]),
                                            UnsafeRawBufferPointer(rebasing: line[(fieldStart + AuditChain.fieldLength)...]),
                                            hasher: hasher, into: out.baseAddress!)
                        }
                    }
                    if computed != stored && seqOK {
                        report(.modified, number, seq, "the line does not chain from the one before it: this line (or its chain) was modified")
                    }
                }
                if fields.isCheckpoint {
                    file.checkpoints += 1
                    state.checkpoints += 1
                    var sealedOK = true
                    if let previous = state.chain,
                       fields.sealedSeq != state.seq || fields.sealedChain.map({ Array($0.bytes) }) != previous {
                        report(.modified, number, seq, "the checkpoint does not seal the line before it (seq \(state.seq))")
                        sealedOK = false
                    }
                    if let key {
                        if let sigValue = fields.sig, sigValue.kind == .string, let sig = Hex.decode(sigValue.bytes) {
                            let message = Checkpoint.message(instance: fields.instance?.string ?? "", sealedSeq: fields.sealedSeq ?? -1,
                                                             sealedChain: fields.sealedChain.map { Array($0.bytes) } ?? [],
                                                             time: fields.time?.string ?? "")
                            if fields.keyID?.string != keyID {
                                report(.badSignature, number, seq, "checkpoint signed by key \(fields.keyID?.string ?? "?"), not by the given key \(keyID ?? "")")
                                sealedOK = false
                            } else if !key.verifyEd25519(sig, of: message) {
                                report(.badSignature, number, seq, "the checkpoint's signature does not verify")
                                sealedOK = false
                            } else {
                                file.signedCheckpoints += 1
                            }
                        } else {
                            report(.unsigned, number, seq, "checkpoint without a signature (tlsgate ran without audit.signing_key)")
                            sealedOK = false
                        }
                    }
                    state.unsealed = sealedOK ? 0 : state.unsealed + 1
                } else {
                    state.unsealed += 1
                }
                state.chain = stored
                state.seq = seq
                state.lastFile = path
                state.lastLine = number
                return true
            }
            states[head.instance] = state
            result.files.append(file)
        }
        for instance in instanceOrder {
            guard let state = states[instance], state.chain != nil, state.unsealed > 0 else { continue }
            let what = state.checkpoints == 0 ? "there is no checkpoint: \(state.unsealed) lines are not sealed"
                : "\(state.unsealed) lines after the last checkpoint are not sealed"
            result.chainFindings.append(VerifyFinding(kind: .unsealed, file: state.lastFile, line: nil, seq: state.seq,
                                                      message: "instance \(instance): \(what) (the tail may have been truncated, or tlsgate is still writing it)"))
        }
        return result
    }

    /// The instance, time and seq of a file's first sealed line.
    static func firstLine(_ path: String) throws(EvidenceReadError) -> (instance: String, time: String, seq: Int)? {
        var head: (String, String, Int)?
        try LineReader(path: path).forEachLine { line, _, _, _ in
            guard let f = EvidenceFields(line: line), let seq = f.seq else { return true }
            head = (f.instance?.string ?? "", f.time?.string ?? "", seq)
            return false
        }
        return head
    }
}
