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
    /// Optional operations keys (nil: the key is not written, tlsgate's default applies).
    var listen: String = "127.0.0.1:0"
    var shutdownGrace: String? = nil
    var eventLoops: String? = nil
    /// `tunnel_relay`: "copy" or "splice".
    var tunnelRelay: String? = nil
    /// `admin:` listen address (e.g. "127.0.0.1:0"); nil: not written (off).
    var admin: String? = nil
    var allowClients: [String]? = nil
    /// `proxy_auth: {users_file, realm}`.
    var proxyAuth: (usersFile: String, realm: String)? = nil
    var requestHeadTimeout: String? = nil
    var idleTimeout: String? = nil
    var tunnelIdleTimeout: String? = nil
    var maxConnections: Int? = nil
    var maxConnectionsPerClient: Int? = nil
    var maxUpstreamPerHost: Int? = nil
    /// `upstream.resolve` entries with several addresses (host -> ["127.0.0.1:P", "[::1]:Q"]).
    var resolveLists: [String: [String]] = [:]
    /// `upstream.proxy` (parent proxy URL), `no_proxy`, credentials file / env variable name.
    var parentProxy: String? = nil
    var noProxy: [String]? = nil
    var proxyCredentialsFile: String? = nil
    var proxyCredentialsEnv: String? = nil
    var connectTimeout: String = "5s"
    /// `upstream.http2` (auto | off); nil leaves the key out (auto).
    var upstreamHTTP2: String? = nil
    /// Extra YAML appended verbatim.
    var extra: String = ""
    /// Extra `audit:` keys (after `path`), e.g. `["signing_key: /k.pem", "instance: gw-1"]`.
    var auditKeys: [String] = []

    init(caBundle: String) { self.caBundle = caBundle }

    /// The YAML text, auditing to `auditPath`.
    func yaml(auditPath: String) -> String {
        var y = """
            # written by tlsgate IntegrationTests
            listen: \(listen)
            log_level: \(logLevel)
            tls:
              min_version: "\(minVersion)"
              ca_bundle: \(Self.quote(caBundle))
            upstream:
              connect_timeout: \(connectTimeout)
              handshake_timeout: 10s

            """
        if let parentProxy { y += "  proxy: \(Self.quote(parentProxy))\n" }
        if let noProxy { y += "  no_proxy: [\(noProxy.map(Self.quote).joined(separator: ", "))]\n" }
        if let proxyCredentialsFile { y += "  proxy_credentials_file: \(Self.quote(proxyCredentialsFile))\n" }
        if let proxyCredentialsEnv { y += "  proxy_credentials_env: \(Self.quote(proxyCredentialsEnv))\n" }
        if let upstreamHTTP2 { y += "  http2: \(upstreamHTTP2)\n" }
        if resolve.isEmpty && resolveLists.isEmpty {
            y += "  resolve: {}\n"
        } else {
            y += "  resolve:\n"
            for (k, v) in resolve.sorted(by: { $0.key < $1.key }) where resolveLists[k] == nil {
                y += "    \(Self.quote(k)): \(Self.quote(v))\n"
            }
            for (k, v) in resolveLists.sorted(by: { $0.key < $1.key }) {
                y += "    \(Self.quote(k)): [\(v.map(Self.quote).joined(separator: ", "))]\n"
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
        if let requestHeadTimeout { y += "  request_head: \(requestHeadTimeout)\n" }
        if let idleTimeout { y += "  idle: \(idleTimeout)\n" }
        if let tunnelIdleTimeout { y += "  tunnel_idle: \(tunnelIdleTimeout)\n" }
        let limits: [(String, Int?)] = [("max_request_head_bytes", maxRequestHeadBytes),
                                        ("max_connections", maxConnections),
                                        ("max_connections_per_client", maxConnectionsPerClient),
                                        ("max_upstream_per_host", maxUpstreamPerHost)]
        if limits.contains(where: { $0.1 != nil }) {
            y += "limits:\n"
            for case let (key, value?) in limits { y += "  \(key): \(value)\n" }
        }
        if let shutdownGrace { y += "shutdown_grace: \(shutdownGrace)\n" }
        if let eventLoops { y += "event_loops: \(eventLoops)\n" }
        if let tunnelRelay { y += "tunnel_relay: \(tunnelRelay)\n" }
        if let admin { y += "admin: \(admin)\n" }
        if let allowClients {
            y += "allow_clients: [\(allowClients.map(Self.quote).joined(separator: ", "))]\n"
        }
        if let proxyAuth {
            y += "proxy_auth:\n  users_file: \(Self.quote(proxyAuth.usersFile))\n  realm: \(Self.quote(proxyAuth.realm))\n"
        }
        y += "audit:\n  path: \(Self.quote(auditPath))\n"
        for key in auditKeys { y += "  \(key)\n" }
        if let awsEndpoints { y += "aws:\n  endpoints: \(Self.quote(awsEndpoints))\n" }
        y += extra
        return y
    }

    static func quote(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
