import ArgumentParser
import Glibc
import TLSGateEvidence

/// `tlsgate audit summary FILE...`: the auditor's questions answered from the files.
struct AuditSummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Summarize audit files: span, totals by mode, decision and outcome, TLS versions and ciphers, FIPS share, AWS services, regions, operations and access keys, top hosts and clients, every violation code.",
        discussion: "Files may be plain or gzip, from several instances. --since/--until take UTC times as tlsgate writes them, or a prefix: 2026-12-04, 2026-12-04T03:00."
    )

    @Argument(help: "Audit files (plain or .gz).")
    var files: [String]

    @Option(name: .long, help: "text, json or markdown.")
    var format: String = "text"

    @Option(name: .long, help: "Only lines at or after this UTC time (e.g. 2026-12-04 or 2026-12-04T03:00:00Z).")
    var since: String?

    @Option(name: .long, help: "Only lines before this UTC time.")
    var until: String?

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one audit file, e.g. tlsgate audit summary /var/log/tlsgate/audit.jsonl*") }
        guard AuditSummary.Format(rawValue: format) != nil else {
            throw ValidationError("--format must be text, json or markdown, got '\(format)'")
        }
        for (name, value) in [("--since", since), ("--until", until)] {
            if let value, Self.timePrefix(value) == nil {
                throw ValidationError("\(name) '\(value)': expected a UTC time such as 2026-12-04, 2026-12-04T03:00 or 2026-12-04T03:00:00.000Z")
            }
        }
        for file in files where access(file, R_OK) != 0 {
            throw ValidationError("cannot read \(file): \(String(cString: strerror(errno)))")
        }
    }

    /// The comparable prefix of an RFC 3339 UTC time (`Z` dropped), or nil.
    static func timePrefix(_ text: String) -> String? {
        var t = text
        if t.hasSuffix("Z") { t.removeLast() }
        let pattern = Array("dddd-dd-ddTdd:dd:dd.ddd".utf8)
        let bytes = Array(t.utf8)
        guard bytes.count >= 4, bytes.count <= pattern.count else { return nil }
        for (b, p) in zip(bytes, pattern) {
            if p == UInt8(ascii: "d") { guard b >= 0x30 && b <= 0x39 else { return nil } } else if b != p { return nil }
        }
        return t
    }

    func run() throws {
        var summary = AuditSummary(since: since.flatMap(Self.timePrefix), until: until.flatMap(Self.timePrefix))
        do {
            try summary.add(paths: files)
        } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
        print(summary.render(AuditSummary.Format(rawValue: format)!), terminator: "")
    }
}
