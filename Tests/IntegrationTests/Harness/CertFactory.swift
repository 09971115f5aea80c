import Foundation

/// A certificate and its private key, as PEM file paths.
struct CertPair: Sendable {
    let cert: String
    let key: String
}

/// Makes a test PKI with the `openssl` CLI in a test directory: a trusted test CA, leaf certificates
/// with SANs (ECDSA P-256 or RSA), and a second, untrusted CA.
final class CertFactory {
    enum KeyType { case ecdsa, rsa }

    let dir: TempDir
    /// The CA the proxy trusts (`tls.ca_bundle`).
    let ca: CertPair
    private var counter = 0

    init(dir: TempDir) throws {
        self.dir = dir
        ca = try Self.makeCA(dir: dir, name: "ca", subject: "/CN=tlsgate integration test CA")
    }

    /// A CA nobody trusts, for cert_untrusted.
    func untrustedCA() throws -> CertPair {
        try Self.makeCA(dir: dir, name: "rogue-ca-\(next())", subject: "/CN=rogue test CA")
    }

    /// A leaf certificate for `names` (DNS SANs; the first is also the CN) signed by `issuer`
    /// (the trusted CA by default).
    func leaf(_ names: [String], keyType: KeyType = .ecdsa, issuer: CertPair? = nil) throws -> CertPair {
        let issuer = issuer ?? ca
        let base = dir.file("leaf-\(next())")
        let key = base + ".key", csr = base + ".csr", cert = base + ".pem", ext = base + ".ext"
        try Self.genkey(keyType, to: key)
        try Self.openssl(["req", "-new", "-key", key, "-subj", "/CN=\(names.first ?? "leaf")", "-out", csr])
        let san = names.map { "DNS:\($0)" }.joined(separator: ",")
        try dir.write((ext as NSString).lastPathComponent, """
            subjectAltName=\(san)
            basicConstraints=critical,CA:FALSE
            keyUsage=critical,digitalSignature,keyEncipherment
            extendedKeyUsage=serverAuth

            """)
        try Self.openssl(["x509", "-req", "-in", csr, "-CA", issuer.cert, "-CAkey", issuer.key,
                          "-set_serial", Self.serial(), "-days", "3", "-sha256", "-extfile", ext,
                          "-out", cert])
        return CertPair(cert: cert, key: key)
    }

    private func next() -> Int { counter += 1; return counter }

    private static func makeCA(dir: TempDir, name: String, subject: String) throws -> CertPair {
        let key = dir.file("\(name).key"), cert = dir.file("\(name).pem")
        try genkey(.ecdsa, to: key)
        try openssl(["req", "-x509", "-new", "-key", key, "-subj", subject, "-days", "3", "-sha256",
                     "-set_serial", serial(),
                     "-addext", "basicConstraints=critical,CA:TRUE",
                     "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                     "-out", cert])
        return CertPair(cert: cert, key: key)
    }

    private static func genkey(_ type: KeyType, to path: String) throws {
        switch type {
        case .ecdsa:
            try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path])
        case .rsa:
            try openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", path])
        }
    }

    private static func serial() -> String {
        "0x" + String(UInt64.random(in: 1...UInt64.max >> 1), radix: 16)
    }

    private static func openssl(_ args: [String]) throws {
        let r = try Exec.run("openssl", args, timeout: 60)
        guard r.status == 0 else {
            throw HarnessError("openssl \(args.joined(separator: " ")) failed: \(r.stderrText)")
        }
    }
}
