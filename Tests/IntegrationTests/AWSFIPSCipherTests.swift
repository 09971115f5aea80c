import Foundation
import Testing

/// The FIPS TLS profile (any `policy.fips` but off): upstream TLS 1.2 ECDHE+AES-GCM, TLS 1.3 AES-GCM,
/// groups P-256/P-384. `openssl s_server` peers that only offer ChaCha20, X25519 or DHE for FIPS
/// host names: forward mode cannot handshake with them, tunnel mode refuses the server's choice as
/// `weak_cipher`; with fips off the same peers work.
@Suite(.serialized)
struct AWSFIPSCipherTests {
    /// A peer, the FIPS host name it serves, and whether it is reachable in tunnel mode under FIPS.
    struct Peer {
        let label: String
        let host: String
        let args: [String]
        /// The tunnel-mode check applies (the server's cipher choice is visible in the ServerHello).
        let cipherVisibleInTunnel: Bool
        var keyType: CertFactory.KeyType = .ecdsa
        /// What the cipher name contains when this peer's suite is negotiated (fips off).
        var cipherMarker: String? = "CHACHA20"
        /// tlsgate's default (non-FIPS) upstream profile can talk to it (it offers ECDHE only, so
        /// not to a DHE-only peer).
        var forwardWorksWithoutFIPS = true
    }

    static let peers = [
        Peer(label: "TLS 1.2 ChaCha20 only", host: AWSNames.s3FIPS,
             args: ["-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305", "-no_tls1_3"], cipherVisibleInTunnel: true),
        Peer(label: "TLS 1.3 ChaCha20 only", host: AWSNames.s3West2FIPS,
             args: ["-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256", "-tls1_3"], cipherVisibleInTunnel: true),
        Peer(label: "TLS 1.3 X25519 only", host: AWSNames.stsFIPS,
             args: ["-groups", "X25519", "-tls1_3"], cipherVisibleInTunnel: false, cipherMarker: nil),
        // AES-GCM, but finite-field DHE rather than ECDHE: outside the profile.
        Peer(label: "TLS 1.2 DHE-RSA AES-GCM only", host: AWSNames.kmsFIPS,
             args: ["-cipher", "DHE-RSA-AES128-GCM-SHA256", "-no_tls1_3"], cipherVisibleInTunnel: true,
             keyType: .rsa, cipherMarker: "DHE-RSA", forwardWorksWithoutFIPS: false),
    ]

    final class CipherFixture {
        let dir: TempDir
        let certs: CertFactory
        let servers: [SServer]
        let gate: TLSGate

        init(fips: String) throws {
            dir = try TempDir("fips-cipher-\(fips)")
            do {
                certs = try CertFactory(dir: dir)
                let leaf = try certs.leaf(AWSNames.all)
                let rsaLeaf = try certs.leaf(AWSNames.all, keyType: .rsa)
                var started: [SServer] = []
                var config = GateConfig(caBundle: certs.ca.cert)
                for (i, peer) in AWSFIPSCipherTests.peers.enumerated() {
                    let s = try SServer(cert: peer.keyType == .rsa ? rsaLeaf : leaf, dir: dir, name: "s_server-\(i)",
                                        extraArgs: peer.args)
                    started.append(s)
                    config.resolve[peer.host] = s.target
                }
                servers = started
                config.fips = fips
                config.awsEndpoints = AWSNames.catalog
                gate = try TLSGate(config, dir: dir)
            } catch {
                dir.cleanup()
                throw error
            }
        }

        func cleanup() {
            gate.stop()
            for s in servers { s.stop() }
            dir.cleanup()
        }

        /// Forward mode: `curl -x proxy http://host/`.
        func forward(_ host: String) throws -> (ExecResult, [String: String]) {
            let headers = dir.file("h-\(UUID().uuidString)")
            let r = try Curl.run(["-x", gate.proxyURL, "--max-time", "20", "-D", headers, "-o", "/dev/null",
                                  "-w", "%{http_code}", "http://\(host)/"], timeout: 30)
            return (r, Curl.headers(file: headers))
        }

        /// Tunnel mode: curl (offering its default ciphers, ChaCha20 included) through CONNECT.
        func tunnel(_ host: String) throws -> ExecResult {
            try Curl.run(["-x", gate.proxyURL, "--cacert", certs.ca.cert, "--max-time", "20", "-o", "/dev/null",
                          "-w", "%{http_code}", "https://\(host)/"], timeout: 30)
        }
    }

    /// `audit` selects the FIPS TLS profile too (README: "any value but off also selects the FIPS
    /// TLS profile"), so the profile is enforced in both.
    @Test(arguments: ["require", "audit"]) func fipsProfileRefusesUpstreamsOutsideTheProfile(_ fips: String) throws {
        let fx = try CipherFixture(fips: fips)
        defer { fx.cleanup() }
        for peer in Self.peers {
            let (r, headers) = try fx.forward(peer.host)
            #expect(Curl.status(r) == 502, "\(peer.label): forward must fail the handshake: \(r.stdoutText) \(r.stderrText)\n\(fx.gate.diagnostics)")
            #expect(!(headers["x-tlsgate-error"] ?? "").isEmpty, "\(peer.label): \(headers)")
            let rec = fx.gate.waitForAudit { $0.event == "request" && $0.host == peer.host }
            #expect(rec != nil, "\(peer.label): no audit line\n\(fx.gate.auditText)")
            if let rec {
                #expect(rec.status == 502, "\(peer.label): \(rec)")
                #expect(rec.isNullOrAbsent("tls_version") && rec.isNullOrAbsent("cipher"), "\(peer.label): no TLS was negotiated: \(rec)")
                #expect(rec.bool("fips_endpoint") == true, "\(peer.label): \(rec)")
            }
        }
        for peer in Self.peers where peer.cipherVisibleInTunnel {
            let r = try fx.tunnel(peer.host)
            #expect(r.status != 0, "\(peer.label): the tunnel completed with ChaCha20 under fips: \(r.stdoutText)")
            let rec = fx.gate.waitForAudit { $0.event == "tunnel" && $0.host == peer.host }
            #expect(rec != nil, "\(peer.label): no tunnel line\n\(fx.gate.auditText)")
            if let rec {
                #expect(rec.violations.contains("weak_cipher") && rec.decision == "deny", "\(peer.label): \(rec)")
                #expect((rec.string("cipher") ?? "").contains(peer.cipherMarker ?? "?"), "\(peer.label): \(rec)")
                #expect((rec.string("reason") ?? "").contains("FIPS"), "\(peer.label): \(rec)")
            }
        }
    }

    @Test func withFIPSOffTheSameUpstreamsWork() throws {
        let fx = try CipherFixture(fips: "off")
        defer { fx.cleanup() }
        for peer in Self.peers where peer.forwardWorksWithoutFIPS {
            let (r, _) = try fx.forward(peer.host)
            #expect(Curl.status(r) == 200, "\(peer.label): forward: \(r.stdoutText) \(r.stderrText)\n\(fx.gate.diagnostics)")
            let rec = fx.gate.waitForAudit { $0.event == "request" && $0.host == peer.host }
            if let marker = peer.cipherMarker {
                let cipher = rec?.string("cipher") ?? ""
                #expect(cipher.contains(marker), "\(peer.label): \(String(describing: rec))")
            }
            #expect(rec?.bool("fips_endpoint") == true, "\(peer.label): \(String(describing: rec))")
        }
        for peer in Self.peers {
            let t = try fx.tunnel(peer.host)
            #expect(t.status == 0 && Curl.status(t) == 200, "\(peer.label): tunnel: \(t.stdoutText) \(t.stderrText)\n\(fx.gate.diagnostics)")
            let trec = fx.gate.waitForAudit { $0.event == "tunnel" && $0.host == peer.host }
            #expect(trec?.decision == "allow" && trec?.violations.isEmpty == true, "\(peer.label): \(String(describing: trec))")
        }
    }
}
