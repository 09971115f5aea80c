import ArgumentParser
import Glibc
import TLSGateAWS
import TLSGateConfig
import TLSGateCA
import TLSGateTLS

/// `tlsgate check-config`: validates a configuration file (exit 0) or names the problem (exit 2).
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file; prints FILE:LINE: message and exits 2 when it is not valid."
    )

    @Option(name: .shortAndLong, help: "Configuration file (YAML).")
    var config: String = RunCommand.defaultConfigPath

    func run() throws {
        do {
            let loaded = try TLSGateConfig.load(path: config)
            _ = try TLSContext(client: ConfigMapping.tlsConfiguration(loaded, configPath: config))
            if let catalog = try SharedFiles.catalogPath(for: loaded, configPath: config) {
                _ = try AWSEndpointCatalog.load(path: catalog)
            }
            if let intercept = try ConfigMapping.interceptSetup(loaded, configPath: config) {
                let ca = intercept.issuer.authority.certificate
                print("\(config): intercept: \(intercept.hosts.count) host pattern(s), CA \(ca.subjectText), SHA-256 \(ca.sha256Fingerprint)")
            }
            print("\(config): OK")
        } catch let error as ConfigError {
            printError(error.description)
            throw ExitCode(2)
        } catch {
            printError("\(config): \(error)")
            throw ExitCode(2)
        }
    }
}

func printError(_ text: String) {
    let line = Array((text + "\n").utf8)
    _ = line.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
}
