import ArgumentParser
import Glibc
import Logging
import TLSGateAudit
import TLSGateConfig
import TLSGateIO
import TLSGateProxy
import TLSGateTLS

/// `tlsgate run`: serve the proxy until SIGTERM/SIGINT.
struct RunCommand: ParsableCommand {
    static let defaultConfigPath = "config/tlsgate.yaml"

    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the proxy."
    )

    @Option(name: .shortAndLong, help: "Configuration file (YAML).")
    var config: String = RunCommand.defaultConfigPath

    @Option(name: .long, help: "Listen address HOST:PORT, overriding the file's `listen` (port 0 picks a free port).")
    var listen: String?

    func validate() throws {
        if let listen, (try? ListenAddress(parsing: listen)) == nil {
            throw ValidationError("--listen must be HOST:PORT (e.g. 127.0.0.1:8080 or [::1]:8080), got '\(listen)'")
        }
    }

    func run() throws {
        var loaded: TLSGateConfig
        do {
            loaded = try TLSGateConfig.load(path: config)
            if let listen { loaded = try loaded.withListen(listen) }
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        try ProxyRuntime.run(config: loaded, configPath: config, listenOverride: listen)
    }
}
