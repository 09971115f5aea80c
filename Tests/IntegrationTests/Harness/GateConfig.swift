import Foundation

/// A tlsgate configuration written by a test (format: config/tlsgate.yaml).
struct GateConfig {
    /// PEM bundle the proxy trusts upstream (the test CA).
    var caBundle: String
    /// Host -> "127.0.0.1:PORT" overrides (trusted; bypass deny_private_addresses).
    var resolve: [String: String] = [:]
    var allowHosts: [String] = ["*.amazonaws.com", "*.example.test"]
    var mode: String = "enforce"
    var minVersion: String = "1.2"
    var connectPorts: [Int]? = nil
    var denyPrivateAddresses: Bool? = nil
    var maxRequestHeadBytes: Int? = nil
    var clientHelloTimeout: String = "3s"
    var logLevel: String = "info"
    /// `policy.fips` (off | audit | require); nil leaves the key out.
    var fips: String? = nil
    /// `aws.endpoints`: the endpoint catalog path; nil leaves the section out.
    var awsEndpoints: String? = nil
    /// Extra YAML appended verbatim.
    var extra: String = ""

    init(caBundle: String) { self.caBundle = caBundle }

    /// The YAML text, auditing to `auditPath`.
    func yaml(auditPath: String) -> String {
        var y = """
            # written by tlsgate IntegrationTests
            listen: 127.0.0.1:0
            log_level: \(logLevel)
            tls:
              min_version: "\(minVersion)"
              ca_bundle: \(Self.quote(caBundle))
            upstream:
              connect_timeout: 5s
              handshake_timeout: 10s

            """
        if resolve.isEmpty {
            y += "  resolve: {}\n"
        } else {
            y += "  resolve:\n"
            for (k, v) in resolve.sorted(by: { $0.key < $1.key }) {
                y += "    \(Self.quote(k)): \(Self.quote(v))\n"
            }
        }
        y += "policy:\n  mode: \(mode)\n  allow_hosts:\n"
        for h in allowHosts { y += "    - \(Self.quote(h))\n" }
        if let connectPorts {
            y += "  connect_ports: [\(connectPorts.map(String.init).joined(separator: ", "))]\n"
        }
        if let denyPrivateAddresses { y += "  deny_private_addresses: \(denyPrivateAddresses)\n" }
        if let fips { y += "  fips: \(Self.quote(fips))\n" }
        y += "timeouts:\n  client_hello: \(clientHelloTimeout)\n"
        if let maxRequestHeadBytes { y += "limits:\n  max_request_head_bytes: \(maxRequestHeadBytes)\n" }
        y += "audit:\n  path: \(Self.quote(auditPath))\n"
        if let awsEndpoints { y += "aws:\n  endpoints: \(Self.quote(awsEndpoints))\n" }
        y += extra
        return y
    }

    static func quote(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
