import Foundation

/// Locations of the package, the support scripts, the tlsgate binary and external tools.
enum Paths {
    /// The package root, derived from this file's path (Tests/IntegrationTests/Harness/Paths.swift).
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// Tests/IntegrationTests/Support: the Python helper scripts.
    static let support: String = packageRoot + "/Tests/IntegrationTests/Support"

    /// A support script by file name.
    static func script(_ name: String) -> String { support + "/" + name }

    /// The tlsgate binary: `TLSGATE_BIN`, else `<package root>/.build/debug/tlsgate`.
    static func tlsgateBinary() throws -> String {
        let path = ProcessInfo.processInfo.environment["TLSGATE_BIN"]
            ?? packageRoot + "/.build/debug/tlsgate"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw HarnessError("tlsgate binary not found at \(path) — build first: swift build (or set TLSGATE_BIN)")
        }
        return path
    }

    /// The real python3 interpreter (resolved once; avoids the pyenv shim on every start).
    static let python: String = {
        if let p = ProcessInfo.processInfo.environment["TLSGATE_ITEST_PYTHON"] { return p }
        if let r = try? Exec.run("python3", ["-c", "import sys; print(sys.executable)"], timeout: 30),
           r.status == 0 {
            let p = r.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
            if !p.isEmpty { return p }
        }
        return "python3"
    }()

    /// Looks a program up on PATH; returns the argument unchanged when it already has a slash.
    static func which(_ program: String) -> String? {
        if program.contains("/") { return program }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
