import Foundation

/// Common names served by the test upstream (all mapped to loopback by `upstream.resolve`).
enum Names {
    static let s3 = "s3.us-east-1.amazonaws.com"
    static let sts = "sts.us-east-1.amazonaws.com"
    static let a = "a.example.test"
    static let other = "other.example.test"
    static let all = [s3, sts, "*.s3.us-east-1.amazonaws.com", a]
}

/// A temp dir, a test CA, one upstream.py with a leaf for `Names.all`, and a tlsgate whose resolve
/// map points those names at the upstream. Call `cleanup()` in a defer.
final class ProxyFixture {
    let dir: TempDir
    let certs: CertFactory
    let leaf: CertPair
    let upstream: Upstream
    let gate: TLSGate

    /// - Parameter configure: adjusts the gate's config (resolve and CA are already set).
    init(_ label: String, leafNames: [String] = Names.all, keyType: CertFactory.KeyType = .ecdsa,
         upstreamTLSMax: String = "1.3", upstreamCiphers: String? = nil, configure: (inout GateConfig) -> Void = { _ in }) throws {
        dir = try TempDir(label)
        do {
            certs = try CertFactory(dir: dir)
            leaf = try certs.leaf(leafNames, keyType: keyType)
            upstream = try Upstream(cert: leaf, dir: dir, tlsMax: upstreamTLSMax, ciphers: upstreamCiphers)
            var config = GateConfig(caBundle: certs.ca.cert)
            for name in Names.all + [Names.other] { config.resolve[name] = upstream.target }
            configure(&config)
            gate = try TLSGate(config, dir: dir)
        } catch {
            dir.cleanup()
            throw error
        }
    }

    /// `http://s3.us-east-1.amazonaws.com` — a forward-mode base URL.
    var s3: String { "http://\(Names.s3)" }

    func cleanup() {
        gate.stop()
        upstream.stop()
        dir.cleanup()
    }
}

/// Reads a numeric field (kB) from /proc/<pid>/status, e.g. "VmHWM".
func procStatusKB(pid: Int32, field: String) -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        let digits = line.split(separator: " ").compactMap { Int($0) }
        return digits.first
    }
    return nil
}
