import Foundation
import Testing

/// testssl.sh against an intercepted host: the client side offers TLS 1.2 and 1.3 only, and only
/// AEAD suites. testssl.sh's own sockets do not go through a proxy, so socat stands in front: each
/// connection to it becomes a CONNECT to the intercepted host.
@Suite(.serialized)
struct InterceptTestsslTests {
    @Test func testsslFindsNothingBelowTLS12AndOnlyAEADSuites() throws {
        guard let testssl = Paths.which("testssl") ?? Paths.which("testssl.sh") else {
            Issue.record("testssl.sh is not installed (Debian package testssl.sh; `make deps-test`)")
            return
        }
        let f = try InterceptFixture("icpt-testssl")
        defer { f.cleanup() }
        let pick = try Exec.run(Paths.python, ["-c", "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"])
        guard let port = Int(pick.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            Issue.record("no free port: \(pick.stderrText)")
            return
        }
        let socat = try ManagedProcess(name: "socat", program: "socat",
                                       arguments: ["TCP-LISTEN:\(port),bind=127.0.0.1,fork,reuseaddr",
                                                   "PROXY:127.0.0.1:\(Names.a):443,proxyport=\(f.gate.port)"], dir: f.dir)
        defer { socat.stop() }
        Thread.sleep(forTimeInterval: 0.5)
        let json = f.dir.file("testssl.json")
        let r = try Exec.run(testssl, ["--quiet", "--color", "0", "--warnings", "off", "--nodns", "none", "--ip", "127.0.0.1",
                                       "-p", "-e", "--jsonfile-pretty", json, "\(Names.a):\(port)"], timeout: 600)
        guard let data = FileManager.default.contents(atPath: json),
              let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let scan = (root["scanResult"] as? [[String: Any]])?.first else {
            Issue.record("no testssl.sh JSON: \(r.stdoutText.suffix(3000)) \(r.stderrText.suffix(2000))")
            return
        }
        var protocols: [String: String] = [:]
        for entry in scan["protocols"] as? [[String: Any]] ?? [] {
            if let id = entry["id"] as? String, let finding = entry["finding"] as? String { protocols[id] = finding }
        }
        for old in ["SSLv2", "SSLv3", "TLS1", "TLS1_1"] {
            #expect(protocols[old] == "not offered", "\(old): \(protocols[old] ?? "missing")\n\(r.stdoutText.suffix(3000))")
        }
        #expect(protocols["TLS1_2"]?.hasPrefix("offered") == true && protocols["TLS1_3"]?.hasPrefix("offered") == true, "\(protocols)")
        let ciphers = (scan["cipherTests"] as? [[String: Any]] ?? []).compactMap { $0["finding"] as? String }
        #expect(!ciphers.isEmpty, "no cipher found: \(r.stdoutText.suffix(3000))")
        for cipher in ciphers {
            #expect(cipher.contains("AESGCM") || cipher.contains("ChaCha20") || cipher.contains("AESCCM"), "non-AEAD suite offered: \(cipher)")
        }
    }
}
