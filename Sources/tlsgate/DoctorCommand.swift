import ArgumentParser
import Glibc
import TLSGateAWS
import TLSGateConfig
import TLSGateHTTP2
import TLSGateTLS

/// `tlsgate doctor`: what this installation would run with, and what is off.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the installation: OpenSSL and its FIPS provider, the CA bundle, the AWS endpoint catalog, the configuration."
    )

    @Option(name: .shortAndLong, help: "Configuration file (YAML).")
    var config: String = RunCommand.defaultConfigPath

    func run() throws {
        var problems: [String] = []
        var advice: [String] = []
        func line(_ label: String, _ value: String) { print("\(label.padding(16)) \(value)") }

        line("tlsgate", TLSGateCommand.version)
        line("OpenSSL", TLSContext.libraryVersion)
        let fips = FIPSProvider.load()
        line("FIPS provider", fips.description)
        line("HTTP/2", HTTP2Library.summary)

        let loaded: TLSGateConfig?
        do {
            loaded = try TLSGateConfig.load(path: config)
            line("configuration", "\(config): OK")
        } catch {
            loaded = nil
            line("configuration", "\(error)")
            problems.append("the configuration does not load: \(error)")
        }

        if let loaded {
            switch loaded.tls.caBundle {
            case .system:
                let store = TLSContext.systemTrustStore
                let present = access(store.file, R_OK) == 0
                line("CA bundle", "system (\(store.file)\(present ? "" : ", missing"); \(store.directory))")
                if !present { advice.append("install ca-certificates, or set tls.ca_bundle to a PEM file") }
            case .file(let path):
                line("CA bundle", path)
            case .amazon:
                line("CA bundle", "amazon (built-in: \(BuiltInData.amazonRootCount) Amazon Trust Services roots, certs/amazon-roots.pem as built)")
            }
            do {
                _ = try TLSContext(client: ConfigMapping.tlsConfiguration(loaded, configPath: config))
                line("TLS context", "OK (minimum \(loaded.tls.minVersion.name)\(loaded.policy.fips != .off ? ", FIPS profile" : ""))")
            } catch {
                line("TLS context", "\(error)")
                problems.append("the TLS context cannot be built: \(error)")
            }
            if let proxy = loaded.upstream.proxy {
                do {
                    let route = try ConfigMapping.parentRoute(loaded)
                    line("parent proxy", "\(proxy)\(route?.user.map { ", user \($0)" } ?? ""), no_proxy: \(loaded.upstream.noProxy.patterns.count) patterns")
                } catch {
                    line("parent proxy", "\(proxy): \(error)")
                    problems.append("the parent proxy's credentials do not load: \(error)")
                }
            }
            line("policy", "mode \(loaded.policy.mode.rawValue), fips \(loaded.policy.fips.rawValue), \(loaded.policy.allowHosts.patterns.count) allowed host patterns")
            if loaded.policy.fips != .off && !fips.isActive {
                advice.append("policy.fips is \(loaded.policy.fips.rawValue) but no OpenSSL FIPS provider is active: tlsgate enforces FIPS endpoints and FIPS-approved TLS algorithms, but the cryptography is not a FIPS 140 validated module; install and configure the OpenSSL FIPS provider if validation is required")
            }

            let source = BuiltInData.catalogSource(for: loaded)
            do {
                let catalog = try BuiltInData.loadCatalog(source)
                let origin = source == .builtIn ? "built-in" : "file \(source)"
                line("AWS catalog", "\(origin): botocore \(catalog.botocoreVersion), generated \(catalog.generated), \(catalog.hostCount) hosts")
                if let age = Self.ageInDays(catalog.generated), age > 180 {
                    advice.append(source == .builtIn
                        ? "the built-in AWS endpoint catalog is \(age) days old: rebuild tlsgate after config/generate-aws-endpoints.py, or set aws.endpoints to a fresh file"
                        : "the AWS endpoint catalog is \(age) days old: refresh it with config/generate-aws-endpoints.py")
                }
            } catch {
                line("AWS catalog", "\(error)")
                problems.append("the AWS endpoint catalog does not load: \(error)")
            }
        }

        for note in advice { print("advice: \(note)") }
        for problem in problems { print("problem: \(problem)") }
        if !problems.isEmpty { throw ExitCode(1) }
        print(advice.isEmpty ? "all good" : "OK, with advice")
    }

    /// Days since a `YYYY-MM-DD...` date.
    static func ageInDays(_ date: String) -> Int? {
        let parts = date.prefix(10).split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        var tm = Glibc.tm()
        tm.tm_year = Int32(parts[0] - 1900)
        tm.tm_mon = Int32(parts[1] - 1)
        tm.tm_mday = Int32(parts[2])
        let then = timegm(&tm)
        return Int((time(nil) - then) / 86400)
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + ":" : self + ":" + String(repeating: " ", count: width - count)
    }
}
