import ArgumentParser
import Glibc
import TLSGateEvidence
import TLSGateTLS

/// `tlsgate audit report FILE... --html OUT`: a self-contained HTML page for auditors.
struct AuditReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page (inline SVG charts, no network fetch): the verify result, traffic, TLS versions and violations over time, violations by code, top hosts, FIPS share."
    )

    @Argument(help: "Audit files (plain or .gz).")
    var files: [String]

    @Option(name: .long, help: "Output HTML file.")
    var html: String

    @Option(name: .long, help: "Public key (audit-key.pub.pem) for the verify section.")
    var key: String?

    @Option(name: .long, help: "Only lines at or after this UTC time.")
    var since: String?

    @Option(name: .long, help: "Only lines before this UTC time.")
    var until: String?

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one audit file, e.g. tlsgate audit report /var/log/tlsgate/audit.jsonl* --html report.html") }
        for file in files where access(file, R_OK) != 0 {
            throw ValidationError("cannot read \(file): \(String(cString: strerror(errno)))")
        }
        if html.isEmpty { throw ValidationError("--html needs an output file name, e.g. --html report.html") }
        for (name, value) in [("--since", since), ("--until", until)] {
            if let value, AuditSummaryCommand.timePrefix(value) == nil {
                throw ValidationError("\(name) '\(value)': expected a UTC time such as 2026-12-04 or 2026-12-04T03:00")
            }
        }
        if let key, access(key, R_OK) != 0 { throw ValidationError("--key \(key): cannot read it") }
    }

    func run() throws {
        var verifier = AuditVerifier()
        do {
            if let key { verifier.key = try PublicKey(pemFile: key) }
            var report = AuditReport(since: since.flatMap(AuditSummaryCommand.timePrefix), until: until.flatMap(AuditSummaryCommand.timePrefix))
            try report.add(paths: files)
            let verify = try verifier.verify(paths: files)
            let page = Array(report.html(verify: verify).utf8)
            let fd = open(html, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                printError("cannot write \(html): \(String(cString: strerror(errno)))")
                throw ExitCode(2)
            }
            defer { close(fd) }
            var offset = 0
            while offset < page.count {
                let n = page[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { printError("cannot write \(html): \(String(cString: strerror(errno)))"); throw ExitCode(2) }
                offset += n
            }
            print("wrote \(html): \(report.summary.lines) lines; integrity: \(verify.intact ? "intact" : "\(verify.findingCount) problems")")
        } catch let error as EvidenceReadError {
            printError("\(error)")
            throw ExitCode(2)
        } catch let error as TLSError {
            printError("--key: \(error)")
            throw ExitCode(2)
        }
    }
}
