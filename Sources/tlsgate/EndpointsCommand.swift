import ArgumentParser
import Glibc
import TLSGateAWS
import TLSGateConfig

/// `tlsgate endpoints lookup HOST`: what the AWS endpoint catalog knows about a host.
struct EndpointsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "endpoints",
        abstract: "Query the AWS endpoint catalog.",
        subcommands: [Lookup.self]
    )

    struct Lookup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show service, region, partition and FIPS variant of an AWS host name (exit 1 when unknown)."
        )

        @Argument(help: "Host name, e.g. s3.us-east-1.amazonaws.com or my-bucket.s3-fips.us-east-1.amazonaws.com")
        var host: String

        @Option(name: .shortAndLong, help: "Configuration file (to find aws.endpoints; the built-in catalog when it sets none or does not exist).")
        var config: String = RunCommand.defaultConfigPath

        @Option(name: .long, help: "Endpoint catalog (JSON), overriding the configuration.")
        var catalog: String?

        func validate() throws {
            if host.isEmpty || host.contains("/") || host.contains(" ") {
                throw ValidationError("HOST must be a host name such as s3.us-east-1.amazonaws.com (no scheme, path or spaces), got '\(host)'")
            }
        }

        func run() throws {
            // A configuration that does not exist (the default path, run elsewhere) means the
            // built-in catalog; one that exists but does not load is an error.
            var loaded: TLSGateConfig?
            if catalog == nil && access(config, F_OK) == 0 {
                do { loaded = try TLSGateConfig.load(path: config) } catch {
                    printError("\(error)")
                    throw ExitCode(2)
                }
            }
            let source = BuiltInData.catalogSource(for: loaded, override: catalog)
            let endpoints: AWSEndpointCatalog
            do {
                endpoints = try BuiltInData.loadCatalog(source)
            } catch {
                printError("\(error)")
                throw ExitCode(2)
            }
            switch endpoints.fipsFinding(for: host) {
            case .notAWS:
                print("\(host): not an AWS domain (\(endpoints.partitionSuffixes.joined(separator: ", ")))")
                throw ExitCode(1)
            case .unknownAWSHost:
                print("\(host): an AWS domain, but not a known endpoint (catalog of \(endpoints.hostCount) hosts, botocore \(endpoints.botocoreVersion))")
                throw ExitCode(1)
            case .fipsEndpoint(let endpoint), .nonFIPS(let endpoint, _):
                print("host:            \(endpoint.host)")
                if let bucket = endpoint.virtualHostBucket { print("bucket:          \(bucket)") }
                print("service:         \(endpoint.service) (signing name \(endpoint.signingName))")
                print("region:          \(endpoint.region)\(endpoint.isGlobal ? " (global endpoint)" : "")")
                print("partition:       \(endpoint.partition)")
                print("FIPS endpoint:   \(endpoint.isFIPS ? "yes" : "no")")
                print("dual-stack:      \(endpoint.isDualstack ? "yes" : "no")")
                if !endpoint.isFIPS {
                    print("FIPS variant:    \(endpoint.fipsAlternative ?? "none known for this service and region")")
                }
            }
        }
    }
}
