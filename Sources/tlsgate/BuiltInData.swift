import Glibc
import TLSGateAWS
import TLSGateConfig
import TLSGateData
import TLSGateTLS

/// The AWS endpoint catalog and the Amazon roots a configuration uses: built into the executable
/// (`EmbeddedData`), unless `aws.endpoints` or `tls.ca_bundle: FILE` names a file. Nothing is
/// looked up beside the configuration or in install directories, so every command works from any
/// directory and in a `scratch` image.
enum BuiltInData {
    /// Where the AWS endpoint catalog comes from.
    enum CatalogSource: Equatable, CustomStringConvertible {
        case builtIn
        case file(String)

        var description: String {
            switch self {
            case .builtIn: return "built-in"
            case .file(let path): return path
            }
        }
    }

    /// `override` (a command-line `--catalog`), else `aws.endpoints`, else the built-in catalog.
    static func catalogSource(for config: TLSGateConfig?, override: String? = nil) -> CatalogSource {
        if let path = override ?? config?.aws.endpoints { return .file(path) }
        return .builtIn
    }

    static func loadCatalog(_ source: CatalogSource) throws -> AWSEndpointCatalog {
        switch source {
        case .builtIn: return try AWSEndpointCatalog.builtIn()
        case .file(let path): return try AWSEndpointCatalog.load(path: path)
        }
    }

    /// `tls.ca_bundle: amazon`: the Amazon Trust Services roots of certs/amazon-roots.pem as built.
    static var amazonRoots: TLSClientConfiguration.TrustStore {
        .pem(name: "built-in Amazon roots", text: EmbeddedData.text(EmbeddedData.amazonRootsPEM))
    }

    /// How many certificates the built-in Amazon roots hold.
    static var amazonRootCount: Int {
        EmbeddedData.text(EmbeddedData.amazonRootsPEM).split(separator: "\n").filter { $0 == "-----BEGIN CERTIFICATE-----" }.count
    }

    /// A catalog's identity for reloading: constant when built in, modification time and size of a file.
    static func stamp(_ source: CatalogSource) -> String {
        guard case .file(let path) = source else { return "built-in" }
        var info = stat()
        guard stat(path, &info) == 0 else { return "" }
        return "\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec):\(info.st_size)"
    }
}
