import Foundation

/// The test byte pattern (0..255 repeated), identical to Support/common.py.
enum Pattern {
    static func bytes(_ n: Int) -> Data {
        var d = Data(count: n)
        d.withUnsafeMutableBytes { raw in
            let p = raw.bindMemory(to: UInt8.self)
            for i in 0..<n { p[i] = UInt8(truncatingIfNeeded: i) }
        }
        return d
    }
}

/// curl through the proxy.
enum Curl {
    /// Runs curl with `args` (always -sS, never env proxies); `timeout` bounds the whole run.
    static func run(_ args: [String], env: [String: String] = [:], timeout: Double = 60) throws -> ExecResult {
        try Exec.run("curl", ["-sS"] + args, env: env, timeout: timeout)
    }

    /// HTTP status from `-w '%{http_code}'` output (the last 3 characters of stdout).
    static func status(_ r: ExecResult) -> Int? {
        Int(r.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines).suffix(3))
    }

    /// Parses a header block dumped with `-D file` (the last response's headers), names lowercased.
    static func headers(file: String) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: file) else { return [:] }
        let text = String(decoding: data, as: UTF8.self)
        // -D writes every response (100 Continue, CONNECT 200, ...): keep the last block.
        let blocks = text.components(separatedBy: "\r\n\r\n").filter { !$0.isEmpty }
        var out: [String: String] = [:]
        for line in (blocks.last ?? "").components(separatedBy: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            out[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return out
    }
}

/// Support/pyclient.py subcommands.
enum PyClient {
    static func run(_ args: [String], timeout: Double = 60, env: [String: String] = [:]) throws -> [String: Any] {
        let r = try Exec.python("pyclient.py", args, env: env, timeout: timeout)
        if r.timedOut { throw HarnessError("pyclient \(args.first ?? "") timed out after \(timeout)s; stderr: \(r.stderrText.suffix(1000))") }
        return try r.json()
    }

    /// Sends raw bytes to the proxy and reads one response.
    static func raw(proxy: String, _ data: Data, timeout: Double = 10) throws -> [String: Any] {
        try run(["raw", "--proxy", proxy, "--data-b64", data.base64EncodedString(),
                 "--timeout", String(timeout)], timeout: timeout + 20)
    }
}
