import ArgumentParser
import TLSGateCA
import TLSGateConfig
import TLSGateTLS

/// `tlsgate ca`: the local CA that signs interception leaves.
struct CACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca",
        abstract: "Create and inspect the local CA used for TLS interception.",
        subcommands: [CAInitCommand.self, CAExportCommand.self, CAShowCommand.self]
    )

    static let defaultDirectory = "certs"
}

/// `tlsgate ca export`: the CA certificate as PEM on stdout (to give to clients).
struct CAExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Print the CA certificate (PEM) for clients to trust."
    )

    @Option(name: .long, help: "Directory holding ca.pem.")
    var dir: String = CACommand.defaultDirectory

    func run() throws {
        do {
            let certificate = try CertificateAuthority.loadCertificate(path: dir + "/ca.pem")
            print(certificate.pem, terminator: "")
        } catch {
            printError("\(dir)/ca.pem: \(error)")
            throw ExitCode(1)
        }
    }
}

/// `tlsgate ca show`: what the CA is and what it may sign for.
struct CAShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the CA's subject, name constraints, validity and SHA-256 fingerprint."
    )

    @Option(name: .long, help: "Directory holding ca.pem.")
    var dir: String = CACommand.defaultDirectory

    func run() throws {
        let path = dir + "/ca.pem"
        do {
            let certificate = try CertificateAuthority.loadCertificate(path: path)
            print(CAShowCommand.describe(certificate, path: path), terminator: "")
        } catch {
            printError("\(path): \(error)")
            throw ExitCode(1)
        }
    }

    static func describe(_ certificate: X509Certificate, path: String) -> String {
        let constraints = NameConstraints.of(certificate)
        var text = "certificate: \(path)\n"
        text += "subject: \(certificate.subjectText)\n"
        text += "serial: \(certificate.serialHex)\n"
        text += "not before: \(CertificateAuthority.utc(certificate.notBefore))\n"
        text += "not after: \(CertificateAuthority.utc(certificate.notAfter))\n"
        for line in constraints.lines { text += "name constraints: \(line)\n" }
        text += "SHA-256 fingerprint: \(certificate.sha256Fingerprint)\n"
        return text
    }
}
