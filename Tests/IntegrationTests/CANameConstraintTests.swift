import Foundation
import Testing

/// The name constraints `tlsgate ca init` writes are enforced by real clients: a leaf for a name
/// outside them, signed by the CA's own key, is rejected by openssl, curl and Python's ssl; a leaf
/// for an AWS name from the same CA is accepted.
@Suite(.serialized)
struct CANameConstraintTests {
    static let verifyScript = """
        import json, socket, ssl, sys
        ctx = ssl.create_default_context(cafile=sys.argv[1])
        try:
            with socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=10) as raw:
                with ctx.wrap_socket(raw, server_hostname=sys.argv[3]) as tls:
                    print(json.dumps({"ok": True, "version": tls.version()}))
        except ssl.SSLCertVerificationError as error:
            print(json.dumps({"ok": False, "error": error.verify_message}))
        """

    @Test("a leaf for example.com from the tlsgate CA fails in openssl verify, curl and Python; sts.us-east-1.amazonaws.com passes")
    func constraintsBindClients() throws {
        let dir = try TempDir("ca-constraints")
        defer { dir.cleanup() }
        let ca = dir.file("nested/ca")  // parents are created
        try CATool.initCA(dir: ca)
        let script = try dir.write("verify.py", Self.verifyScript)

        let bank = try CATool.leaf(["example.com"], caDir: ca, in: dir, label: "bank")
        let aws = try CATool.leaf(["sts.us-east-1.amazonaws.com"], caDir: ca, in: dir, label: "aws")

        let verifyBank = try CATool.openssl(["verify", "-CAfile", ca + "/ca.pem", bank.cert])
        #expect(verifyBank.status != 0)
        #expect(verifyBank.stdoutText.contains("permitted subtree violation") || verifyBank.stderrText.contains("permitted subtree violation"),
                "\(verifyBank.stdoutText)\(verifyBank.stderrText)")
        let verifyAWS = try CATool.openssl(["verify", "-CAfile", ca + "/ca.pem", aws.cert])
        #expect(verifyAWS.status == 0, "\(verifyAWS.stderrText)")

        for (pair, host, expectOK) in [(bank, "example.com", false), (aws, "sts.us-east-1.amazonaws.com", true)] {
            let server = try SServer(cert: pair, dir: dir, name: "s_server-\(host)")
            defer { server.stop() }
            let curl = try Curl.run(["--cacert", ca + "/ca.pem", "--resolve", "\(host):\(server.port):127.0.0.1",
                                     "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "https://\(host):\(server.port)/"])
            if expectOK {
                #expect(curl.status == 0 && Curl.status(curl) == 200, "curl \(host): \(curl.status) \(curl.stderrText)")
            } else {
                #expect(curl.status == 60, "curl \(host) should fail verification: \(curl.status) \(curl.stderrText)")
                #expect(curl.stderrText.contains("permitted subtree violation"), "\(curl.stderrText)")
            }
            let python = try Exec.run(Paths.python, [script, ca + "/ca.pem", String(server.port), host], timeout: 30)
            let result = try python.json()
            #expect(result["ok"] as? Bool == expectOK, "python \(host): \(result) \(python.stderrText)")
            if !expectOK {
                #expect((result["error"] as? String)?.contains("permitted subtree violation") == true, "\(result)")
            }
        }
    }

    @Test("the CA excludes every IP address unless one is named; a named IP block is permitted")
    func ipLeaves() throws {
        let dir = try TempDir("ca-ip")
        defer { dir.cleanup() }
        try CATool.initCA(dir: dir.file("aws"))
        let ipLeaf = try CATool.leaf(["127.0.0.1"], caDir: dir.file("aws"), in: dir, label: "ip")
        let refused = try CATool.openssl(["verify", "-CAfile", dir.file("aws/ca.pem"), ipLeaf.cert])
        #expect(refused.status != 0, "an IP leaf from the AWS-only CA must not verify: \(refused.stdoutText)")

        try CATool.initCA(dir: dir.file("lo"), ["--name-constraint", "127.0.0.0/8", "--name-constraint", "example.test"])
        let permitted = try CATool.leaf(["127.0.0.1"], caDir: dir.file("lo"), in: dir, label: "ip-lo")
        let ok = try CATool.openssl(["verify", "-CAfile", dir.file("lo/ca.pem"), "-verify_ip", "127.0.0.1", permitted.cert])
        #expect(ok.status == 0, "\(ok.stdoutText)\(ok.stderrText)")
    }
}
