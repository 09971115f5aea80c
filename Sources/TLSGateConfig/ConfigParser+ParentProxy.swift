import TLSGatePolicy
import Yams

/// `upstream.proxy`, `upstream.no_proxy` and where the parent's credentials come from.
extension ConfigParser {
    func parseParentProxy(_ node: Node, into upstream: inout UpstreamSettings) throws(ConfigError) {
        var proxyNode: Node?, fileNode: Node?, envNode: Node?
        for (key, value) in try entries(of: node, path: "upstream", allowed: Self.upstreamKeys) {
            switch key {
            case "proxy" where !isNull(value): proxyNode = value
            case "proxy_credentials_file" where !isNull(value): fileNode = value
            case "proxy_credentials_env" where !isNull(value): envNode = value
            case "no_proxy":
                var patterns: [HostPattern] = []
                let items = isNull(value) ? [] : try list(value, "upstream.no_proxy", of: "host patterns")
                for (index, item) in items.enumerated() {
                    let path = "upstream.no_proxy[\(index)]"
                    let text = try string(item, path, expected: "a host pattern such as \"*.internal.example\"")
                    do {
                        patterns.append(try HostPattern(text))
                    } catch {
                        throw self.error(item, "\(path): \(error.message)")
                    }
                }
                upstream.noProxy = HostAllowlist(patterns)
            default: break
            }
        }
        guard let proxyNode else {
            if let stray = fileNode ?? envNode {
                throw error(stray, "upstream: proxy_credentials_file and proxy_credentials_env need upstream.proxy")
            }
            return
        }
        var proxy = try parsed(proxyNode, "upstream.proxy") { text throws(ValueError) in try ParentProxy(parsing: text) }
        if [proxy.credentials == nil ? nil : proxyNode, fileNode, envNode].compactMap({ $0 }).count > 1 {
            throw error(fileNode ?? envNode, "upstream: give the parent's credentials one way: in upstream.proxy, proxy_credentials_file or proxy_credentials_env")
        }
        if let fileNode {
            let path = try string(fileNode, "upstream.proxy_credentials_file", expected: "a file path")
            if let problem = fileReadable(path) {
                throw error(fileNode, "upstream.proxy_credentials_file: cannot read \"\(path)\": \(problem)")
            }
            proxy.credentials = .file(path)
        }
        if let envNode {
            let name = try string(envNode, "upstream.proxy_credentials_env", expected: "an environment variable name")
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 == 0x5F || ($0 | 0x20) &- 0x61 < 26 || $0 &- 0x30 < 10 }) else {
                throw error(envNode, "upstream.proxy_credentials_env: expected a variable name such as TLSGATE_PARENT_CREDENTIALS, got \"\(name)\"")
            }
            proxy.credentials = .environment(name)
        }
        upstream.proxy = proxy
    }
}
