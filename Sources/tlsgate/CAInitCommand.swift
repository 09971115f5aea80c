import ArgumentParser
import TLSGateCA
import TLSGateConfig
import TLSGatePolicy

/// `tlsgate ca init`: a new local CA (ECDSA P-256, ten years, name-constrained) in DIR.
struct CAInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the local CA: DIR/ca.pem and DIR/ca-key.pem (mode 0600), name-constrained to the intercepted domains.",
        discussion: """
            The CA may only sign for its permitted DNS subtrees: --name-constraint values if given, else the \
            domains of the intercept host patterns of --config FILE (intercept.hosts, or policy.allow_hosts), \
            else the default allowlist's domains (amazonaws.com, amazonaws.com.cn, api.aws, aws). \
            OpenSSL-based clients reject a leaf for any other name, so the key cannot impersonate other sites.
            """
    )

    @Option(name: .long, help: "Directory for ca.pem and ca-key.pem.")
    var dir: String = CACommand.defaultDirectory

    @Flag(name: .long, help: "Replace an existing CA (clients must then trust the new ca.pem).")
    var force = false

    @Option(name: .customLong("name-constraint"),
            help: ArgumentHelp("A permitted domain (e.g. amazonaws.com) or IP block; repeat for more.", valueName: "SUFFIX"))
    var nameConstraints: [String] = []

    @Option(name: .long, help: "Take the permitted domains from this configuration's intercept hosts.")
    var config: String?

    func validate() throws {
        if !nameConstraints.isEmpty, config != nil {
            throw ValidationError("use either --name-constraint or --config, not both (--name-constraint lists the domains itself)")
        }
        if dir.isEmpty { throw ValidationError("--dir must name a directory, e.g. --dir certs") }
        do {
            if !nameConstraints.isEmpty { _ = try NameConstraints.parsing(nameConstraints) }
        } catch {
            throw ValidationError(error.message)
        }
    }

    func run() throws {
        let constraints: NameConstraints
        if !nameConstraints.isEmpty {
            constraints = try NameConstraints.parsing(nameConstraints)
        } else if let config {
            let loaded: TLSGateConfig
            do {
                loaded = try TLSGateConfig.load(path: config)
            } catch {
                printError(error.description)
                throw ExitCode(2)
            }
            constraints = NameConstraints.covering(loaded.intercept.hosts ?? loaded.policy.allowHosts.patterns)
        } else {
            constraints = .awsDefault
        }
        do {
            let authority = try CertificateAuthority.create(constraints: constraints)
            let paths = try authority.write(directory: dir, force: force)
            print("wrote \(paths.certificate) and \(paths.key) (mode 0600)")
            print(CAShowCommand.describe(authority.certificate, path: paths.certificate), terminator: "")
            print("next: trust \(paths.certificate) in the clients (see README, \"TLS interception\") and set intercept.enabled: true")
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
    }
}
