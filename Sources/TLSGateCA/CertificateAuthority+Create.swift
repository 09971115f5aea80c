import COpenSSL
import Glibc
import TLSGateIO
import TLSGateTLS

extension CertificateAuthority {
    /// Validity of a new CA: ten years.
    public static let validitySeconds = 10 * 365 * 86_400 + 2 * 86_400

    /// A new CA: ECDSA P-256, `O=tlsgate, CN=tlsgate local CA (HOST)`, a random serial, valid from
    /// an hour ago for ten years, basicConstraints critical CA:TRUE pathlen:0, keyUsage critical
    /// keyCertSign cRLSign, critical name constraints, subject key identifier, SHA-256.
    public static func create(constraints: NameConstraints, hostName: String = CertificateAuthority.machineName()) throws(CAError) -> CertificateAuthority {
        let key: PrivateKey
        do {
            key = try PrivateKey.generateP256()
        } catch {
            throw CAError(error.message, errors: error.errors)
        }
        let now = Int(time(nil))
        var extensions: [(nid: Int32, value: String)] = [
            (NID_basic_constraints, "critical,CA:TRUE,pathlen:0"),
            (NID_key_usage, "critical,keyCertSign,cRLSign"),
            (NID_subject_key_identifier, "hash"),
        ]
        if !constraints.isEmpty { extensions.append((NID_name_constraints, constraints.extensionValue)) }
        let spec = CertificateSpec(subject: [("O", "tlsgate"), ("CN", "tlsgate local CA (\(hostName))")],
                                   notBefore: now - 3600, notAfter: now + validitySeconds, extensions: extensions)
        let certificate = try CertificateBuilder.issue(spec, subjectKey: key, issuer: nil, signingKey: key)
        return try CertificateAuthority(certificate: certificate, key: key, certificatePath: "new CA", keyPath: "new key")
    }

    /// This machine's host name (for the CA's subject), `localhost` when unknown.
    public static func machineName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }

    /// Writes `ca.pem` (0644) and `ca-key.pem` (0600, PKCS#8) into `directory` (created 0755 if
    /// missing). The key file is created with `O_CREAT|O_EXCL` and mode 0600, so it is never
    /// readable by others, not even for a moment. Without `force` an existing file is never
    /// replaced (each file is linked into place, which fails if the name exists); with `force`
    /// each is renamed into place atomically.
    public func write(directory: String, force: Bool) throws(CAError) -> (certificate: String, key: String) {
        let certPath = directory + "/ca.pem", keyPath = directory + "/ca-key.pem"
        if !force {
            for path in [certPath, keyPath] where access(path, F_OK) == 0 {
                throw CAError("\(path) already exists; tlsgate never overwrites a CA without --force "
                              + "(`tlsgate ca init --force` replaces it, and every client must then trust the new ca.pem)")
            }
        }
        do {
            try Posix.makeDirectory(directory, mode: 0o755)
        } catch {
            throw CAError("cannot create \(directory): \(String(cString: strerror(error.errno)))")
        }
        let suffix = ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let tempKey = keyPath + suffix, tempCert = certPath + suffix
        defer {
            Posix.removeFile(tempKey)
            Posix.removeFile(tempCert)
        }
        try Self.writeNew(tempKey, Array(key.pkcs8PEM.utf8), mode: 0o600)
        try Self.writeNew(tempCert, Array(certificate.pem.utf8), mode: 0o644)
        do throws(IOError) {
            if force {
                try Posix.rename(tempKey, keyPath)
                try Posix.rename(tempCert, certPath)
            } else {
                try Posix.link(tempKey, keyPath)
                do throws(IOError) {
                    try Posix.link(tempCert, certPath)
                } catch {
                    Posix.removeFile(keyPath)
                    throw error
                }
            }
        } catch {
            let hint = error.errno == EEXIST ? "; it appeared while writing; use --force to replace it" : ""
            throw CAError("cannot put the CA files in \(directory): \(error)\(hint)")
        }
        return (certPath, keyPath)
    }

    private static func writeNew(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(CAError) {
        let fd: Int32
        do {
            fd = try Posix.createExclusive(path, mode: mode)
        } catch {
            throw CAError("cannot create \(path): \(String(cString: strerror(error.errno)))")
        }
        defer { Posix.close(fd) }
        do {
            try Posix.writeAllAndSync(fd, bytes)
        } catch {
            throw CAError("cannot write \(path): \(error)")
        }
    }
}
