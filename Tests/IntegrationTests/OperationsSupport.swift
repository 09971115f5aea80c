import Foundation

import Testing

// Shared pieces of the Operations* suites: the asyncio upstream, raw client sockets, background
// Python clients, signals to tlsgate and memory probes.

/// Operations and hardening: shutdown, reload, limits, stalls, listener safety. The suites nest
/// here so they run one at a time (they measure timings and memory on a small machine).
@Suite(.serialized)
struct Operations {}

/// Support/ops_upstream.py: `serve` (delays, many connections, stats file) or `blackhole` (TLS
/// handshake, then never reads).
final class OpsUpstream {
    let process: ManagedProcess
    let port: Int
    let statsPath: String?
    /// Requests to `/delay?gate=1&ms=N` wait until this file exists (see `release()`).
    let releasePath: String?

    init(cert: CertPair, dir: TempDir, mode: String = "serve", name: String = "ops-upstream") throws {
        var args = [Paths.script("ops_upstream.py"), mode, "--cert", cert.cert, "--key", cert.key]
        statsPath = mode == "serve" ? dir.file("\(name)-stats.json") : nil
        releasePath = mode == "serve" ? dir.file("\(name)-release") : nil
        if let statsPath, let releasePath { args += ["--stats", statsPath, "--release", releasePath] }
        process = try ManagedProcess(name: name, program: Paths.python, arguments: args, dir: dir)
        port = try process.waitForPort(#"^(\d+)\n"#, timeout: 15)
    }

    deinit { process.stop() }
    func stop() { process.stop() }
    var target: String { "127.0.0.1:\(port)" }

    /// Lets gated `/delay` requests proceed.
    func release() {
        if let releasePath { _ = FileManager.default.createFile(atPath: releasePath, contents: Data()) }
    }

    /// The stats file: arrived (request heads received), answered, open connections.
    func stats() -> (arrived: Int, answered: Int, open: Int) {
        guard let statsPath, let data = FileManager.default.contents(atPath: statsPath),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return (0, 0, 0) }
        return ((obj["arrived"] as? Int) ?? 0, (obj["answered"] as? Int) ?? 0, (obj["open"] as? Int) ?? 0)
    }

    /// Waits until at least `count` request heads have arrived; returns the count seen last.
    @discardableResult
    func waitForArrived(_ count: Int, timeout: Double) -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        var seen = 0
        repeat {
            seen = stats().arrived
            if seen >= count { return seen }
            usleep(50_000)
        } while Date() < deadline
        return seen
    }
}

/// A long-running Support/ops_client.py subcommand under the guard: progress lines on stdout,
/// then one JSON object as the last line.
final class BackgroundClient {
    let process: ManagedProcess

    init(_ args: [String], dir: TempDir, name: String) throws {
        process = try ManagedProcess(name: name, program: Paths.python,
                                     arguments: [Paths.script("ops_client.py")] + args, dir: dir)
    }

    deinit { process.stop() }

    /// Waits for a progress line matching `pattern` on stdout.
    @discardableResult
    func waitFor(_ pattern: String, timeout: Double) throws -> [String] {
        try process.waitFor(pattern, on: .stdout, timeout: timeout)
    }

    /// Waits (up to `timeout`) for the client to exit and parses its final JSON line.
    func result(timeout: Double) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            process.stop()
            throw HarnessError("\(process.name) did not finish within \(timeout)s; stdout: \(process.stdoutText.suffix(1000)) stderr: \(process.stderrTail(1000))")
        }
        let line = process.stdoutText.split(separator: "\n").last.map(String.init) ?? ""
        guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw HarnessError("\(process.name): no JSON result; stdout: \(process.stdoutText.suffix(1000)) stderr: \(process.stderrTail(1000))")
        }
        return obj
    }

    func stop() { process.stop() }
}

/// One parsed HTTP response read from a raw socket.
struct RawResponse {
    let status: Int
    /// Header names lowercased (the last value wins).
    let headers: [String: String]
    let body: Data
    let head: String
}

/// A plain TCP client socket to 127.0.0.1, for precise control over what is open when.
final class RawConnection {
    private(set) var fd: Int32
    private var pending: [UInt8] = []

    /// Connects to 127.0.0.1:`port`; `timeout` bounds each send/receive.
    init(port: Int, timeout: Double = 10) throws {
        fd = try Self.connect(port: port)
        setTimeout(timeout)
    }

    deinit { close() }

    /// Whether a TCP connection to 127.0.0.1:`port` can be established at all (false on
    /// ECONNREFUSED and similar).
    static func canConnect(port: Int) -> Bool {
        guard let fd = try? connect(port: port) else { return false }
        Glibc.close(fd)
        return true
    }

    private static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket: errno \(errno)") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            let e = errno
            Glibc.close(fd)
            throw HarnessError("connect to 127.0.0.1:\(port): errno \(e)")
        }
        return fd
    }

    func setTimeout(_ seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ text: String) throws { try send(Data(text.utf8)) }

    func send(_ data: Data) throws {
        var offset = 0
        let bytes = [UInt8](data)
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw HarnessError("send failed: errno \(errno)") }
            offset += n
        }
    }

    /// Sends a forward-mode GET for `url` (absolute form) on this connection.
    func sendGet(_ url: String, headers: [String: String] = [:]) throws {
        let host = URL(string: url)?.host ?? ""
        var req = "GET \(url) HTTP/1.1\r\nHost: \(host)\r\n"
        for (k, v) in headers { req += "\(k): \(v)\r\n" }
        try send(req + "\r\n")
    }

    /// One recv into `pending`; 0 = EOF, -1 = timeout or error.
    private func fill() -> Int {
        var buf = [UInt8](repeating: 0, count: 65536)
        let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n > 0 { pending += buf[0..<n] }
        return n
    }

    /// Reads one response (head + Content-Length body). nil when the peer closed (or the read
    /// timed out) before a complete head arrived.
    func readResponse() -> RawResponse? {
        let crlf2: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int? = nil
        for _ in 0..<10_000 {
            if let r = find(crlf2) { headEnd = r; break }
            if pending.count > 1 << 20 || fill() <= 0 { break }
        }
        guard let end = headEnd else { return nil }
        let head = String(decoding: pending[0..<end], as: UTF8.self)
        pending.removeFirst(end + 4)
        var headers: [String: String] = [:]
        let lines = head.components(separatedBy: "\r\n")
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let parts = lines.first?.split(separator: " ") ?? []
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        for _ in 0..<100_000 where pending.count < length {
            if fill() <= 0 { break }
        }
        let take = min(length, pending.count)
        let body = Data(pending[0..<take])
        pending.removeFirst(take)
        return RawResponse(status: status, headers: headers, body: body, head: head)
    }

    /// Waits up to `timeout` for the peer to close (EOF or reset); data read meanwhile is dropped.
    func waitForClose(timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        setTimeout(0.2)
        defer { setTimeout(10) }
        while Date() < deadline {
            var buf = [UInt8](repeating: 0, count: 65536)
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return true }
            if n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR { return true }
        }
        return false
    }

    private func find(_ needle: [UInt8]) -> Int? {
        guard pending.count >= needle.count else { return nil }
        for i in 0...(pending.count - needle.count) where pending[i] == needle[0] {
            if Array(pending[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }

    func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }
}

extension TLSGate {
    /// Sends `sig` to the tlsgate process itself (not the guard, which would SIGKILL it after 3 s).
    func signal(_ sig: Int32) throws {
        guard let pid else { throw HarnessError("no tlsgate pid") }
        guard kill(pid, sig) == 0 else { throw HarnessError("kill(\(pid), \(sig)): errno \(errno)") }
    }

    /// Waits up to `timeout` for tlsgate to exit; returns its exit status, nil if still running.
    func waitForExit(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        return process.exitStatus
    }

    /// VmRSS / VmHWM of tlsgate in kB.
    func memoryKB(_ field: String = "VmRSS") -> Int? {
        guard let pid else { return nil }
        return procStatusKB(pid: pid, field: field)
    }

    /// Audit lines with `event`.
    func audit(event: String) -> [AuditRecord] { auditRecords().filter { $0.event == event } }
}

/// Samples a process's VmRSS every 100 ms on a background thread; `stop()` returns the peak.
final class RSSSampler: @unchecked Sendable {
    private let lock = NSLock()
    private var peak = 0
    private var running = true
    let pid: Int32

    init(pid: Int32) {
        self.pid = pid
        let thread = Thread { [self] in run() }
        thread.start()
    }

    private func run() {
        for _ in 0..<6000 {   // at most 10 minutes
            guard lock.withLock({ running }) else { return }
            if let kb = procStatusKB(pid: pid, field: "VmRSS") { lock.withLock { peak = max(peak, kb) } }
            usleep(100_000)
        }
    }

    /// Stops sampling; returns the peak VmRSS seen, in kB.
    func stop() -> Int {
        lock.withLock {
            running = false
            return peak
        }
    }
}

/// The fixture most Operations tests use: a temp dir, a test CA and leaf, the asyncio upstream
/// (serving every test name), and tlsgate pointed at it.
final class OpsFixture {
    let dir: TempDir
    let certs: CertFactory
    let leaf: CertPair
    let upstream: OpsUpstream
    /// With `blackhole: true`: an upstream that never reads, serving `Names.other`.
    let blackhole: OpsUpstream?
    let gate: TLSGate
    var config: GateConfig

    init(_ label: String, blackhole withBlackhole: Bool = false, gateEnv: [String: String] = [:],
         configure: (inout GateConfig) -> Void = { _ in }) throws {
        dir = try TempDir("ops-" + label)
        do {
            certs = try CertFactory(dir: dir)
            leaf = try certs.leaf(Names.all + [Names.other])
            upstream = try OpsUpstream(cert: leaf, dir: dir)
            blackhole = try withBlackhole ? OpsUpstream(cert: leaf, dir: dir, mode: "blackhole", name: "blackhole") : nil
            var config = GateConfig(caBundle: certs.ca.cert)
            for name in Names.all + [Names.other] { config.resolve[name] = upstream.target }
            if let blackhole { config.resolve[Names.other] = blackhole.target }
            configure(&config)
            self.config = config
            gate = try TLSGate(config, dir: dir, env: gateEnv)
        } catch {
            dir.cleanup()
            throw error
        }
    }

    var s3: String { "http://\(Names.s3)" }

    /// Rewrites tlsgate's config file (for SIGHUP reloads).
    func rewriteConfig(_ text: String) throws {
        try text.write(toFile: gate.configPath, atomically: true, encoding: .utf8)
    }

    func cleanup() {
        gate.stop()
        upstream.stop()
        blackhole?.stop()
        dir.cleanup()
    }
}

// MARK: - Admin listener

extension TLSGate {
    /// The admin listener's port, from `admin listening on 127.0.0.1:PORT` on stderr.
    func adminPort(timeout: Double = 10) throws -> Int {
        let g = try process.waitFor(#"admin listening on 127\.0\.0\.1:(\d+)"#, on: .stderr, timeout: timeout)
        guard let port = Int(g[1]), port > 0 else { throw HarnessError("bad admin port in \(g[0])") }
        return port
    }

    /// One request to the admin listener on a fresh connection.
    func admin(_ method: String, _ path: String) throws -> RawResponse? {
        let c = try RawConnection(port: try adminPort())
        defer { c.close() }
        try c.send("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")
        return c.readResponse()
    }

    /// `GET /metrics` body.
    func metricsText() throws -> String {
        guard let r = try admin("GET", "/metrics"), r.status == 200 else { throw HarnessError("GET /metrics failed") }
        return String(decoding: r.body, as: UTF8.self)
    }
}

/// The value of one series in a Prometheus text exposition, e.g.
/// `metric(text, "tlsgate_requests_total{class=\"2xx\"}")`; nil when absent. Labels must be given in
/// the order the exposition prints them.
func metric(_ text: String, _ series: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.dropFirst(series.count + 1).split(separator: " ").first ?? "")
    }
    return nil
}

/// The sum of every series of the family `name` whose label set contains `labelFilter` (all series
/// when empty).
func metricSum(_ text: String, _ name: String, labelFilter: String = "") -> Double {
    var sum = 0.0
    for line in text.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
        let parts = line.split(separator: " ")
        guard parts.count >= 2, labelFilter.isEmpty || parts[0].contains(labelFilter) else { continue }
        sum += Double(parts[1]) ?? 0
    }
    return sum
}
