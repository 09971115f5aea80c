/// One thing `tlsgate audit verify` found.
public struct VerifyFinding: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// A line does not chain from the line before it.
        case modified
        /// Sequence numbers are missing inside a file.
        case deleted
        /// A sequence number goes backwards or repeats.
        case reordered
        /// Lines are missing between two files (or a restart does not link to what precedes it).
        case gap
        /// Lines after the last checkpoint (the tail may have been cut off).
        case unsealed
        /// A checkpoint's signature does not verify (or is by another key).
        case badSignature = "bad_signature"
        /// A checkpoint without a signature while a key was given.
        case unsigned
        /// Not a sealed audit line (not JSON, no chain, cut off, too long).
        case malformed
    }

    public let kind: Kind
    public let file: String
    /// 1-based line number, or nil for a whole-file or whole-chain finding.
    public let line: Int?
    public let seq: Int?
    public let message: String

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return "\(kind.rawValue): \(place)\(seq.map { " (seq \($0))" } ?? ""): \(message)"
    }
}

/// The result for one file.
public struct VerifiedFile: Sendable {
    public let path: String
    public internal(set) var instance: String?
    public internal(set) var lines = 0
    public internal(set) var firstSeq: Int?
    public internal(set) var lastSeq: Int?
    public internal(set) var checkpoints = 0
    public internal(set) var signedCheckpoints = 0
    public internal(set) var findings: [VerifyFinding] = []
    /// Findings beyond those kept in `findings`.
    public internal(set) var moreFindings = 0
    public var intact: Bool { findings.isEmpty }

    init(path: String) { self.path = path }
}

/// The result of verifying a set of files.
public struct VerifyResult: Sendable {
    public internal(set) var files: [VerifiedFile] = []
    /// Findings about a whole chain (unsealed tail), per instance.
    public internal(set) var chainFindings: [VerifyFinding] = []
    public internal(set) var instances: [String] = []
    /// Whether checkpoint signatures were checked (a key was given).
    public internal(set) var signaturesChecked = false

    public var findingCount: Int { files.reduce(0) { $0 + $1.findings.count + $1.moreFindings } + chainFindings.count }
    public var intact: Bool { findingCount == 0 }
    public var lines: Int { files.reduce(0) { $0 + $1.lines } }

    /// The text report: one line per file, then the chain findings and a summary line.
    public func text() -> String {
        var out = ""
        for file in files {
            let span = file.firstSeq.map { "seq \($0)-\(file.lastSeq ?? $0)" } ?? "no sealed line"
            let sig = signaturesChecked ? "\(file.signedCheckpoints) signed" : "signatures not checked"
            out += "\(file.intact ? "OK  " : "FAIL") \(file.path): instance \(file.instance ?? "?"), \(file.lines) lines, \(span), "
                + "\(file.checkpoints) checkpoints (\(sig))\n"
            for finding in file.findings { out += "     \(finding.description)\n" }
            if file.moreFindings > 0 { out += "     ... and \(file.moreFindings) more findings\n" }
        }
        for finding in chainFindings { out += "FAIL \(finding.description)\n" }
        let verdict = intact ? "intact" : "\(findingCount) problem\(findingCount == 1 ? "" : "s") found"
        out += "\(files.count) file\(files.count == 1 ? "" : "s"), \(lines) lines, \(instances.count) instance\(instances.count == 1 ? "" : "s") (\(instances.joined(separator: ", "))): \(verdict)"
        if !signaturesChecked {
            out += "\nnote: no --key given: the chain detects edits, but anyone with write access to the files can rebuild it; pass --key audit-key.pub.pem to check the signed checkpoints"
        }
        return out + "\n"
    }
}
