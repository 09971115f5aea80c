import Glibc

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
}
