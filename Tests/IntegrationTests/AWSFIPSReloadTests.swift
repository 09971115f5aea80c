import Foundation
import Testing

/// `policy.fips` and the endpoint catalog across a configuration reload (SIGHUP).
@Suite(.serialized)
struct AWSFIPSReloadTests {
    /// Sends SIGHUP to tlsgate and waits for the `config_reload` audit line number `count`.
    static func reload(_ gate: TLSGate, count: Int) -> AuditRecord? {
        guard let pid = gate.pid else { return nil }
        kill(pid, SIGHUP)
        let lines = gate.waitForAudit(count: count, timeout: 8) { $0.event == "config_reload" }
        return lines.count >= count ? lines[count - 1] : nil
    }

    static func get(_ gate: TLSGate, _ url: String, headers: String) throws -> ExecResult {
        try Curl.run(["-x", gate.proxyURL, "--max-time", "20", "-D", headers, "-o", "/dev/null", "-w", "%{http_code}", url],
                     timeout: 30)
    }

    @Test func reloadTurnsFIPSRequireOn() throws {
        let dir = try TempDir("fips-reload-policy")
        defer { dir.cleanup() }
        let certs = try CertFactory(dir: dir)
        let upstream = try Upstream(cert: try certs.leaf(AWSNames.all), dir: dir)
        defer { upstream.stop() }
        var config = GateConfig(caBundle: certs.ca.cert)
        for name in AWSNames.all { config.resolve[name] = upstream.target }
        config.fips = "off"
        config.awsEndpoints = AWSNames.catalog
        let gate = try TLSGate(config, dir: dir)
        defer { gate.stop() }
        let h = dir.file("h")

        let before = try Self.get(gate, "http://\(AWSNames.s3)/bytes/10", headers: h)
        #expect(Curl.status(before) == 200, "fips off: \(before.stderrText)\n\(gate.diagnostics)")

        config.fips = "require"
        try dir.write("tlsgate.yaml", config.yaml(auditPath: gate.auditPath))
        let rec = Self.reload(gate, count: 1)
        #expect(rec?.decision == "allow", "reload: \(String(describing: rec))\n\(gate.diagnostics)")

        let after = try Self.get(gate, "http://\(AWSNames.s3)/bytes/10", headers: h)
        #expect(Curl.status(after) == 403, "fips require after reload: \(after.stdoutText)\n\(gate.diagnostics)")
        #expect(Curl.headers(file: h)["x-tlsgate-error"] == "non_fips_endpoint", "\(Curl.headers(file: h))")
        let fips = try Self.get(gate, "http://\(AWSNames.s3FIPS)/bytes/10", headers: h)
        #expect(Curl.status(fips) == 200, "FIPS endpoint after reload: \(fips.stderrText)\n\(gate.diagnostics)")
    }

    /// The documented refresh: regenerate aws-endpoints.json, then reload. A host added to the
    /// catalog file must be known after the reload.
    @Test func reloadPicksUpARefreshedCatalog() throws {
        let dir = try TempDir("fips-reload-catalog")
        defer { dir.cleanup() }
        let certs = try CertFactory(dir: dir)
        let upstream = try Upstream(cert: try certs.leaf(AWSNames.all), dir: dir)
        defer { upstream.stop() }

        // An older catalog that lacks s3-fips.us-west-2.
        let full = try Data(contentsOf: URL(fileURLWithPath: AWSNames.catalog))
        guard var json = try JSONSerialization.jsonObject(with: full) as? [String: Any],
              var hosts = json["hosts"] as? [String: Any] else {
            Issue.record("cannot parse \(AWSNames.catalog)")
            return
        }
        hosts[AWSNames.s3West2FIPS] = nil
        json["hosts"] = hosts
        let catalogPath = try dir.write("aws-endpoints.json", try JSONSerialization.data(withJSONObject: json))

        var config = GateConfig(caBundle: certs.ca.cert)
        for name in AWSNames.all { config.resolve[name] = upstream.target }
        config.fips = "require"
        config.awsEndpoints = catalogPath
        let gate = try TLSGate(config, dir: dir)
        defer { gate.stop() }
        let h = dir.file("h")
        let url = "http://\(AWSNames.s3West2FIPS)/bytes/10"

        let before = try Self.get(gate, url, headers: h)
        #expect(Curl.status(before) == 403 && Curl.headers(file: h)["x-tlsgate-error"] == "unknown_aws_endpoint",
                "precondition (old catalog): \(before.stdoutText) \(Curl.headers(file: h))\n\(gate.diagnostics)")

        // Refresh the catalog in place (as config/generate-aws-endpoints.py -o would) and reload.
        try full.write(to: URL(fileURLWithPath: catalogPath))
        let rec = Self.reload(gate, count: 1)
        #expect(rec?.decision == "allow", "reload: \(String(describing: rec))\n\(gate.diagnostics)")

        let after = try Self.get(gate, url, headers: h)
        #expect(Curl.status(after) == 200,
                "after refreshing \(catalogPath) and SIGHUP, \(AWSNames.s3West2FIPS) is still refused (\(Curl.headers(file: h)["x-tlsgate-error"] ?? "-")): the reload kept the old catalog\n\(gate.diagnostics)")
    }
}
