import Foundation

/// The outcome of a finished (or timed-out) child process.
struct ExecResult {
    var status: Int32
    var stdout: Data
    var stderr: Data
    var timedOut: Bool

    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var stderrText: String { String(decoding: stderr, as: UTF8.self) }

    /// stdout parsed as one JSON object (the pyclient.py convention: the last non-empty line).
    func json() throws -> [String: Any] {
        let line = stdoutText.split(separator: "\n").last.map(String.init) ?? ""
        guard let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw HarnessError("not a JSON object on stdout: \(stdoutText.prefix(500)) stderr: \(stderrText.suffix(1000))")
        }
        return obj
    }
}

/// Runs short-lived commands to completion with a deadline.
enum Exec {
    /// The environment for child processes: the test's, without proxy variables (curl honours
    /// NO_PROXY even with -x) and with `extra` merged in.
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        for key in ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy",
                    "NO_PROXY", "no_proxy"] {
            env[key] = nil
        }
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONUNBUFFERED"] = "1"
        for (k, v) in extra { env[k] = v }
        return env
    }

    /// Runs `program` (a path or a name on PATH) and waits up to `timeout` seconds; on timeout it is
    /// terminated, then killed, and `timedOut` is set. Output is captured through files (no pipe
    /// deadlocks for large outputs).
    static func run(_ program: String, _ arguments: [String], env: [String: String] = [:],
                    timeout: Double = 60, stdin: String? = nil, directory: String? = nil) throws -> ExecResult {
        guard let exe = Paths.which(program) else { throw HarnessError("\(program) not found on PATH") }
        let dir = try TempDir("exec")
        defer { dir.cleanup() }
        let outPath = dir.file("stdout"), errPath = dir.file("stderr")
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer { try? out.close(); try? err.close() }

        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = arguments
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        p.environment = environment(env)
        p.standardOutput = out
        p.standardError = err
        if let stdin {
            let inPath = try dir.write("stdin", stdin)
            p.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
        } else {
            p.standardInput = FileHandle.nullDevice
        }
        try p.run()
        let timedOut = !Signals.waitForExit(p, timeout: timeout)
        if timedOut { Signals.stop(p, grace: 2) }
        p.waitUntilExit()
        return ExecResult(
            status: p.terminationStatus,
            stdout: (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data(),
            stderr: (try? Data(contentsOf: URL(fileURLWithPath: errPath))) ?? Data(),
            timedOut: timedOut)
    }

    /// Runs a Python support script with the resolved interpreter.
    static func python(_ script: String, _ arguments: [String], env: [String: String] = [:],
                       timeout: Double = 60) throws -> ExecResult {
        try run(Paths.python, [Paths.script(script)] + arguments, env: env, timeout: timeout)
    }
}

/// Stopping processes by PID: SIGTERM, a grace period, then SIGKILL.
enum Signals {
    /// Polls until `p` exits; false when `timeout` elapsed first.
    static func waitForExit(_ p: Process, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning {
            if Date() >= deadline { return false }
            usleep(20_000)
        }
        return true
    }

    /// Terminates `p` by PID, kills it after `grace` seconds, and reaps it.
    static func stop(_ p: Process, grace: Double = 5) {
        guard p.isRunning else { return }
        let pid = p.processIdentifier
        kill(pid, SIGTERM)
        if !waitForExit(p, timeout: grace) {
            kill(pid, SIGKILL)
            _ = waitForExit(p, timeout: 5)
        }
    }
}
