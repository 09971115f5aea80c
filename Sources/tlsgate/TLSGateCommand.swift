import ArgumentParser
import TLSGateTLS

/// `tlsgate`: a TLS-enforcing local HTTPS proxy.
@main
struct TLSGateCommand: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "tlsgate",
        abstract: "A TLS-enforcing local HTTPS proxy: re-originates plain HTTP as verified TLS 1.2+, inspects CONNECT tunnels, audits every request.",
        version: "tlsgate \(version) (\(TLSContext.libraryVersion))",
        subcommands: [RunCommand.self, CheckConfigCommand.self, DoctorCommand.self, EndpointsCommand.self,
                      CACommand.self],
        defaultSubcommand: RunCommand.self
    )
}
