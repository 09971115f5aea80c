import Foundation
import PackagePlugin

/// Embeds the AWS endpoint catalog (config/aws-endpoints.json) and the Amazon trust roots
/// (certs/amazon-roots.pem) into the `TLSGateData` target as Swift string literals, at build time.
///
/// Why a build-tool plugin: the files stay the single source (the generator writes the JSON, the
/// roots come from Debian's ca-certificates), SwiftPM reruns the tool when either changes (they are
/// declared inputs), and nothing is looked up on disk at run time. `Bundle.module` resources would
/// be files beside the binary; a committed generated copy would put a second 850 KB file in every
/// catalog refresh. A `StaticString` literal is stored once in the binary's read-only data and
/// read in place (no copy until the catalog is parsed); compiling it takes about a second.
@main
struct EmbedData: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        let inputs: [(name: String, url: URL)] = [
            ("awsEndpointsJSON", root.appending(path: "config/aws-endpoints.json")),
            ("amazonRootsPEM", root.appending(path: "certs/amazon-roots.pem")),
        ]
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedData+Generated.swift")
        return [
            .buildCommand(
                displayName: "Embedding aws-endpoints.json and amazon-roots.pem",
                executable: try context.tool(named: "EmbedDataTool").url,
                arguments: [output.path] + inputs.map { "\($0.name)=\($0.url.path)" },
                inputFiles: inputs.map(\.url),
                outputFiles: [output]
            ),
        ]
    }
}
