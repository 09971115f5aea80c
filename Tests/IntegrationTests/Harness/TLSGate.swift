import Foundation

/// A running `tlsgate run` on 127.0.0.1:0 with a test configuration.
final class TLSGate {
    let process: ManagedProcess
    let port: Int
    let configPath: String
    let auditPath: String

    /// Whether the audit goes to stdout (`audit.path: "-"`) rather than a file.
    let auditToStdout: Bool

    /// Writes `config` into `dir` and starts tlsgate; waits (10 s) for `listening on 127.0.0.1:<port>`.
    init(_ config: GateConfig, dir: TempDir, name: String = "tlsgate", auditToStdout: Bool = false,
         env: [String: String] = [:], directory: String? = nil) throws {
        let binary = try Paths.tlsgateBinary()
        self.auditToStdout = auditToStdout
        auditPath = auditToStdout ? "-" : dir.file("\(name)-audit.jsonl")
        configPath = try dir.write("\(name).yaml", config.yaml(auditPath: auditPath))
        process = try ManagedProcess(
            name: name, program: binary,
            arguments: ["run", "--config", configPath, "--listen", "127.0.0.1:0"], env: env, dir: dir, directory: directory)
        do {
            // Not "admin listening on ...": the admin listener (if configured) logs first.
            let groups = try process.waitFor(#"(?<!admin )listening on 127\.0\.0\.1:(\d+)"#, on: .stderr, timeout: 10)
            guard let p = Int(groups[1]), p > 0 else { throw HarnessError("bad port in \(groups[0])") }
            port = p
        } catch {
            process.stop()
            throw error
        }
    }

    deinit { process.stop() }

    /// `127.0.0.1:PORT`.
    var hostPort: String { "127.0.0.1:\(port)" }
    /// `http://127.0.0.1:PORT`, for curl -x and HTTP_PROXY.
    var proxyURL: String { "http://127.0.0.1:\(port)" }

    /// The tlsgate process's own PID (under the guard).
    var pid: Int32? { process.programPID() }

    func stop() { process.stop() }

    /// stderr so far (diagnostics).
    var stderrText: String { process.stderrText }

    /// The audit file's raw text.
    var auditText: String {
        if auditToStdout { return process.stdoutText }
        return FileManager.default.contents(atPath: auditPath).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// Every audit line parsed; lines that are not JSON objects come back as `.invalid`.
    func auditRecords() -> [AuditRecord] {
        auditText.split(separator: "\n", omittingEmptySubsequences: true).map { AuditRecord(line: String($0)) }
    }

    /// Waits up to `timeout` for an audit record matching `predicate` (records may be written
    /// after the response reached the client).
    func waitForAudit(timeout: Double = 5, _ predicate: (AuditRecord) -> Bool) -> AuditRecord? {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            if let r = auditRecords().first(where: predicate) { return r }
            usleep(50_000)
        } while Date() < deadline
        return nil
    }

    /// Waits until at least `count` records match `predicate`; returns the matches seen last.
    func waitForAudit(count: Int, timeout: Double = 5, _ predicate: (AuditRecord) -> Bool) -> [AuditRecord] {
        let deadline = Date().addingTimeInterval(timeout)
        var found: [AuditRecord] = []
        repeat {
            found = auditRecords().filter(predicate)
            if found.count >= count { return found }
            usleep(50_000)
        } while Date() < deadline
        return found
    }

    /// A short dump for failure messages: stderr tail and audit tail.
    var diagnostics: String {
        "--- tlsgate stderr (tail) ---\n\(process.stderrTail(2500))\n--- audit (tail) ---\n\(auditText.suffix(2500))"
    }
}
