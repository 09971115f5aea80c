import Foundation
import Testing

@Suite struct AmazonRootsTests {
    static let pemPath = Repo.path("certs/amazon-roots.pem")
    static let fingerprintPath = Repo.path("certs/amazon-roots.sha256")

    /// `(fingerprint, subject)` lines of certs/amazon-roots.sha256.
    static func listed() throws -> [(String, String)] {
        try String(contentsOfFile: fingerprintPath, encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
            .map { line in
                let parts = line.split(separator: " ", maxSplits: 1)
                return (String(parts[0]), parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
            }
    }

    /// The PEM blocks of certs/amazon-roots.pem.
    static func blocks() throws -> [String] {
        let text = try String(contentsOfFile: pemPath, encoding: .utf8)
        var blocks: [String] = []
        var current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "-----BEGIN CERTIFICATE-----" { current = [line]; continue }
            guard current != nil else { continue }
            current?.append(line)
            if line == "-----END CERTIFICATE-----" {
                blocks.append((current ?? []).joined(separator: "\n") + "\n")
                current = nil
            }
        }
        return blocks
    }

    @Test func fiveCertificatesFiveFingerprints() throws {
        let blocks = try Self.blocks()
        #expect(blocks.count == 5)
        let listed = try Self.listed()
        #expect(listed.count == 5)
        #expect(listed.map(\.1) == [
            "CN=Amazon Root CA 1,O=Amazon,C=US", "CN=Amazon Root CA 2,O=Amazon,C=US",
            "CN=Amazon Root CA 3,O=Amazon,C=US", "CN=Amazon Root CA 4,O=Amazon,C=US",
            "CN=Starfield Services Root Certificate Authority - G2,O=Starfield Technologies\\, Inc.,L=Scottsdale,ST=Arizona,C=US",
        ])
        for (fingerprint, _) in listed {
            #expect(fingerprint.utf8.count == 95)  // 32 bytes as XX:XX:...
        }
    }

    @Test(.enabled(if: opensslAvailable)) func fingerprintsMatch() throws {
        let listed = try Self.listed()
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tlsgate-aws-roots-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (index, block) in try Self.blocks().enumerated() {
            let file = directory.appendingPathComponent("\(index).pem")
            try block.write(to: file, atomically: true, encoding: .utf8)
            let (status, output) = try run("openssl", ["x509", "-noout", "-fingerprint", "-sha256", "-in", file.path])
            #expect(status == 0)
            let line = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let fingerprint = line.split(separator: "=", maxSplits: 1).last.map(String.init) ?? ""
            #expect(index < listed.count && fingerprint == listed[index].0, "certificate \(index)")
        }
    }
}
