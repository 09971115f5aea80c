import Foundation

/// A free TCP port on 127.0.0.1 (bound, read, released: a parent proxy's config needs a number).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw HarnessError("socket: \(errno)") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
            bind(fd, sa, len) == 0 && getsockname(fd, sa, &len) == 0
        }
    }
    guard ok else { throw HarnessError("bind/getsockname: \(errno)") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// `pid`'s TCP sockets in `state` (ss state name: syn-sent, established, …) to port `port`, as ss
/// lines; waits up to `timeout` for there to be none (returns what is left).
func tcpSockets(of pid: Int32?, state: String, toPort port: Int, waitingForNone timeout: Double = 0) throws -> [String] {
    guard let pid else { return [] }
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        let r = try Exec.run("ss", ["-Htnp", "state", state, "( dport = :\(port) )"], timeout: 10)
        let mine = r.stdoutText.split(separator: "\n").map(String.init).filter { $0.contains("pid=\(pid),") }
        if mine.isEmpty || Date() >= deadline { return mine }
        usleep(100_000)
    }
}

/// Waits until something accepts TCP connections on 127.0.0.1:`port`.
func waitForListener(_ port: Int, timeout: Double, process: ManagedProcess) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let rc = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        close(fd)
        if rc == 0 { return }
        usleep(100_000)
    }
    throw HarnessError("\(process.name) did not listen on 127.0.0.1:\(port) within \(timeout)s: \(process.stderrTail())")
}

/// Debian's squid (squid-openssl) as a parent proxy on 127.0.0.1: CONNECT to any port, names from
/// its own hosts file (no DNS server: `dns_nameservers 127.0.0.1`), optional Basic auth
/// (basic_ncsa_auth) and denied destination domains.
final class SquidParent {
    let process: ManagedProcess
    let port: Int
    let dir: String
    /// The access log (one line per CONNECT: what squid was asked for).
    /// Squid writes a CONNECT's line when the tunnel ends (close the client first).
    var accessLog: String { (try? String(contentsOfFile: dir + "/access.log", encoding: .utf8)) ?? "" }

    /// The access log once it contains `text` (up to `timeout`), else as it is then.
    func accessLog(waitingFor text: String, timeout: Double = 5) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var log = accessLog
        while !log.contains(text) && Date() < deadline {
            usleep(100_000)
            log = accessLog
        }
        return log
    }

    /// - Parameters:
    ///   - hosts: name -> address lines for squid's hosts_file.
    ///   - user: Basic credentials squid requires (nil: none).
    ///   - deny: destination domains squid answers 403 for.
    init(dir: TempDir, hosts: [String: String] = [:], user: (name: String, password: String)? = nil,
         deny: [String] = []) throws {
        port = try freeLoopbackPort()
        self.dir = dir.file("squid")
        try FileManager.default.createDirectory(atPath: self.dir, withIntermediateDirectories: true)
        // Squid drops to the `proxy` user as root: let it write its logs and read its files.
        chmod(dir.path, 0o755)
        chmod(self.dir, 0o777)
        try dir.write("squid/hosts", hosts.map { "\($0.value) \($0.key)\n" }.joined())
        var conf = """
            http_port 127.0.0.1:\(port)
            visible_hostname tlsgate-test-parent
            pid_filename \(self.dir)/squid.pid
            cache_log \(self.dir)/cache.log
            access_log stdio:\(self.dir)/access.log
            coredump_dir \(self.dir)
            hosts_file \(self.dir)/hosts
            dns_nameservers 127.0.0.1
            cache deny all
            cache_mem 0 MB
            logfile_rotate 0
            shutdown_lifetime 0 seconds
            pinger_enable off
            via off
            acl local src 127.0.0.1/32

            """
        if let user {
            let hash = try Exec.run("openssl", ["passwd", "-apr1", user.password], timeout: 10).stdoutText
                .trimmingCharacters(in: .whitespacesAndNewlines)
            try dir.write("squid/passwd", "\(user.name):\(hash)\n")
            chmod(self.dir + "/passwd", 0o644)
            conf += """
                auth_param basic program /usr/lib/squid/basic_ncsa_auth \(self.dir)/passwd
                auth_param basic realm tlsgate-test-parent
                acl authed proxy_auth REQUIRED
                http_access deny !authed

                """
        }
        if !deny.isEmpty {
            conf += "acl blocked dstdomain \(deny.joined(separator: " "))\nhttp_access deny blocked\n"
        }
        conf += "http_access allow local\nhttp_access deny all\n"
        let confPath = try dir.write("squid/squid.conf", conf)
        process = try ManagedProcess(name: "squid", program: "squid", arguments: ["-N", "-f", confPath], dir: dir)
        try waitForListener(port, timeout: 30, process: process)
    }

    deinit { process.stop() }
    func stop() { process.stop() }
    var url: String { "http://127.0.0.1:\(port)" }
}

/// Debian's tinyproxy as a parent proxy on 127.0.0.1 (CONNECT to any port; optional BasicAuth).
final class TinyproxyParent {
    let process: ManagedProcess
    let port: Int

    init(dir: TempDir, user: (name: String, password: String)? = nil) throws {
        port = try freeLoopbackPort()
        let sub = dir.file("tinyproxy")
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        chmod(dir.path, 0o755)
        chmod(sub, 0o777)
        var conf = """
            Port \(port)
            Listen 127.0.0.1
            Timeout 60
            MaxClients 64
            Allow 127.0.0.1
            DisableViaHeader Yes
            LogLevel Info
            LogFile "\(sub)/tinyproxy.log"
            PidFile "\(sub)/tinyproxy.pid"

            """
        if getuid() == 0 { conf += "User nobody\nGroup nogroup\n" }
        if let user { conf += "BasicAuth \(user.name) \(user.password)\n" }
        let confPath = try dir.write("tinyproxy/tinyproxy.conf", conf)
        process = try ManagedProcess(name: "tinyproxy", program: "tinyproxy", arguments: ["-d", "-c", confPath], dir: dir)
        try waitForListener(port, timeout: 15, process: process)
    }

    deinit { process.stop() }
    func stop() { process.stop() }
    var url: String { "http://127.0.0.1:\(port)" }
}
