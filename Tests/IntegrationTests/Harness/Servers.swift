import Foundation

/// Support/upstream.py: an HTTPS test origin on 127.0.0.1 (see the script for its endpoints).
final class Upstream {
    let process: ManagedProcess
    let port: Int
    /// The listening address (127.0.0.1, or ::1 for an IPv6 upstream).
    let host: String

    /// Environment making OpenSSL willing to speak TLS 1.0/1.1 (no system config, SECLEVEL=0 ciphers).
    static let legacyEnv = ["OPENSSL_CONF": "/dev/null"]

    init(cert: CertPair, dir: TempDir, name: String = "upstream", tlsMin: String = "1.2",
         tlsMax: String = "1.3", ciphers: String? = nil, env: [String: String] = [:], host: String = "127.0.0.1", record: String? = nil) throws {
        self.host = host
        var args = [Paths.script("upstream.py"), "--cert", cert.cert, "--key", cert.key,
                    "--tls-min", tlsMin, "--tls-max", tlsMax, "--host", host]
        if let ciphers { args += ["--ciphers", ciphers] }
        // `record`: a file the upstream appends every request head it receives to.
        if let record { args += ["--record", record] }
        process = try ManagedProcess(name: name, program: Paths.python, arguments: args, env: env, dir: dir)
        port = try process.waitForPort(#"^(\d+)\n"#, timeout: 15)
    }

    /// An upstream that only speaks TLS 1.1 (and 1.0-era ciphers).
    static func legacy(cert: CertPair, dir: TempDir, name: String = "legacy-upstream",
                       tlsMin: String = "1.1", tlsMax: String = "1.1") throws -> Upstream {
        try Upstream(cert: cert, dir: dir, name: name, tlsMin: tlsMin, tlsMax: tlsMax,
                     ciphers: "DEFAULT@SECLEVEL=0", env: legacyEnv)
    }

    deinit { process.stop() }
    func stop() { process.stop() }
    var target: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Support/syn_drop.py: an address on `host` that drops SYNs (a full backlog-0 accept queue).
final class SynDropper {
    let process: ManagedProcess
    let port: Int
    let host: String

    init(dir: TempDir, host: String = "127.0.0.1", name: String = "syn-drop") throws {
        self.host = host
        process = try ManagedProcess(name: name, program: Paths.python,
                                     arguments: [Paths.script("syn_drop.py"), "--host", host], dir: dir)
        port = try process.waitForPort(#"^(\d+)\n"#, timeout: 15)
    }

    deinit { process.stop() }
    func stop() { process.stop() }
    var target: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// `openssl s_server -www` on 127.0.0.1 (raw TLS peer; GET / returns a status page).
final class SServer {
    let process: ManagedProcess
    let port: Int

    init(cert: CertPair, dir: TempDir, name: String = "s_server", extraArgs: [String] = [],
         env: [String: String] = [:]) throws {
        process = try ManagedProcess(
            name: name, program: "openssl",
            arguments: ["s_server", "-accept", "127.0.0.1:0", "-cert", cert.cert, "-key", cert.key,
                        "-www"] + extraArgs,
            env: env, dir: dir)
        port = try process.waitForPort(#"ACCEPT 127\.0\.0\.1:(\d+)"#, timeout: 10)
    }

    deinit { process.stop() }
    func stop() { process.stop() }
    var target: String { "127.0.0.1:\(port)" }
}

/// Support/moto_tls.py: moto (AWS mock) over TLS.
final class MotoServer {
    let process: ManagedProcess
    let port: Int

    init(cert: CertPair, dir: TempDir) throws {
        process = try ManagedProcess(
            name: "moto", program: Paths.python,
            arguments: [Paths.script("moto_tls.py"), "--cert", cert.cert, "--key", cert.key], dir: dir)
        port = try process.waitForPort(#"^(\d+)\n"#, timeout: 60)
    }

    deinit { process.stop() }
    func stop() { process.stop() }
    var target: String { "127.0.0.1:\(port)" }
}
