import Glibc
import TLSGateAWS
import TLSGateConfig

/// Files tlsgate ships beside its configuration (the Amazon roots, the AWS endpoint catalog),
/// looked up next to the configuration file first, then in the install locations.
enum SharedFiles {
    static func locate(_ name: String, configPath: String, repoSubdirectory: String) -> String? {
        let configDir = directory(of: configPath)
        let candidates = [
            "\(configDir)/\(name)",
            "\(configDir)/../\(repoSubdirectory)/\(name)",
            "/etc/tlsgate/\(name)",
            "/usr/share/tlsgate/\(name)",
        ]
        return candidates.first { access($0, R_OK) == 0 }
    }

    static func amazonRoots(configPath: String) -> String? {
        locate("amazon-roots.pem", configPath: configPath, repoSubdirectory: "certs")
    }

    static func endpointCatalog(configPath: String) -> String? {
        locate("aws-endpoints.json", configPath: configPath, repoSubdirectory: "config")
    }

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    struct CatalogProblem: Error, CustomStringConvertible {
        let description: String
    }

    /// The catalog file a configuration uses: `aws.endpoints`, else the one shipped beside it.
    /// Throws when `policy.fips` needs one and there is none.
    static func catalogPath(for config: TLSGateConfig, configPath: String) throws(CatalogProblem) -> String? {
        if let path = config.aws.endpoints ?? endpointCatalog(configPath: configPath) { return path }
        if config.policy.fips != .off {
            throw CatalogProblem(description: "policy.fips: \(config.policy.fips.rawValue) needs the AWS endpoint catalog: set aws.endpoints or install aws-endpoints.json next to the configuration or in /etc/tlsgate")
        }
        return nil
    }

    /// A file's identity for reloading: modification time and size.
    static func fileStamp(_ path: String) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { return "" }
        return "\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec):\(info.st_size)"
    }
}
