import Foundation

/// A long-running child (server, proxy) started under Support/guard.py, so it dies with the test
/// process even on a crash. stdout and stderr go to files in the test's directory.
final class ManagedProcess {
    let name: String
    let stdoutPath: String
    let stderrPath: String
    private let process: Process
    private let outHandle: FileHandle
    private let errHandle: FileHandle

    /// Starts `program` (a path or a name on PATH) with `arguments`; its output files go to `dir`.
    /// `directory`: its working directory (default: the test's).
    init(name: String, program: String, arguments: [String], env: [String: String] = [:],
         dir: TempDir, directory: String? = nil) throws {
        guard let exe = Paths.which(program) else { throw HarnessError("\(program) not found on PATH") }
        self.name = name
        stdoutPath = dir.file("\(name).stdout")
        stderrPath = dir.file("\(name).stderr")
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        outHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        errHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        process = Process()
        process.executableURL = URL(fileURLWithPath: Paths.python)
        process.arguments = [Paths.script("guard.py"), exe] + arguments
        process.environment = Exec.environment(env)
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        try process.run()
    }

    deinit { stop() }

    /// The guard's PID.
    var guardPID: Int32 { process.processIdentifier }

    /// The PID of the program itself (the guard's child), once it has been forked.
    func programPID(timeout: Double = 5) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            let path = "/proc/\(guardPID)/task/\(guardPID)/children"
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
               let first = text.split(separator: " ").first, let pid = Int32(first) {
                return pid
            }
            usleep(20_000)
        } while Date() < deadline
        return nil
    }

    var isRunning: Bool { process.isRunning }

    /// Exit status of the guard (the program's exit status, or 128+signal). Only after exit.
    var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }

    var stdoutText: String { Self.read(stdoutPath) }
    var stderrText: String { Self.read(stderrPath) }

    /// The last `n` characters of stderr, for failure messages.
    func stderrTail(_ n: Int = 3000) -> String { String(stderrText.suffix(n)) }

    enum Stream { case stdout, stderr }

    /// Waits until `pattern` (a regex) matches the stream; returns the match's capture groups.
    /// Fails early when the process exits.
    /// Waits for the line announcing the listening port (the pattern's first group); stops the
    /// process if it never comes, so a failed start leaves nothing running.
    func waitForPort(_ pattern: String, on stream: Stream = .stdout, timeout: Double) throws -> Int {
        do {
            let groups = try waitFor(pattern, on: stream, timeout: timeout)
            return Int(groups[1]) ?? 0
        } catch {
            stop()
            throw error
        }
    }

    func waitFor(_ pattern: String, on stream: Stream = .stderr, timeout: Double = 10) throws -> [String] {
        let regex = try NSRegularExpression(pattern: pattern)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let text = stream == .stdout ? stdoutText : stderrText
            let range = NSRange(text.startIndex..., in: text)
            if let m = regex.firstMatch(in: text, range: range) {
                return (0..<m.numberOfRanges).map { i in
                    Range(m.range(at: i), in: text).map { String(text[$0]) } ?? ""
                }
            }
            if !process.isRunning {
                throw HarnessError("\(name) exited (status \(process.terminationStatus)) before printing /\(pattern)/; stderr:\n\(stderrTail())\nstdout:\n\(stdoutText.suffix(2000))")
            }
            if Date() >= deadline {
                throw HarnessError("\(name) did not print /\(pattern)/ within \(timeout)s; stderr:\n\(stderrTail())\nstdout:\n\(stdoutText.suffix(2000))")
            }
            usleep(25_000)
        }
    }

    /// SIGTERM to the guard (forwarded to the program), SIGKILL after `grace` seconds. Idempotent.
    func stop(grace: Double = 5) {
        Signals.stop(process, grace: grace)
        try? outHandle.close()
        try? errHandle.close()
    }

    private static func read(_ path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}
