import Foundation
import Testing
import TLSGateAWS
import TLSGateData
import TLSGateTLS

/// The data built into the executable is exactly the committed files, and it loads without them.
@Suite struct EmbeddedDataTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func file(_ relative: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent(relative))
    }

    @Test func embeddedBytesAreTheCommittedFiles() throws {
        #expect(Data(EmbeddedData.bytes(EmbeddedData.awsEndpointsJSON)) == (try Self.file("config/aws-endpoints.json")),
                "the built-in catalog differs from config/aws-endpoints.json: the EmbedData plugin did not rerun")
        #expect(Data(EmbeddedData.bytes(EmbeddedData.amazonRootsPEM)) == (try Self.file("certs/amazon-roots.pem")),
                "the built-in roots differ from certs/amazon-roots.pem")
    }

    @Test func builtInCatalogIsTheFile() throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let builtIn = try AWSEndpointCatalog.builtIn()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print("built-in catalog: \(builtIn.hostCount) hosts parsed in \(Int(seconds * 1000)) ms (debug build)")
        let path = Self.root.appendingPathComponent("config/aws-endpoints.json").path
        let file = try AWSEndpointCatalog.load(path: path)
        #expect(builtIn.hostCount == file.hostCount && builtIn.hostCount > 1000)
        #expect(builtIn.botocoreVersion == file.botocoreVersion && builtIn.generated == file.generated)
        #expect(builtIn.lookup("s3.us-east-1.amazonaws.com")?.fipsAlternative == "s3-fips.us-east-1.amazonaws.com")
    }

    /// The roots load from memory (no file) into a trust store, as the certificates certs/amazon-roots.sha256 lists.
    @Test func builtInRootsLoadFromMemory() throws {
        let pem = EmbeddedData.text(EmbeddedData.amazonRootsPEM)
        let roots = try X509Certificate.all(pem: pem)
        let listed = String(decoding: try Self.file("certs/amazon-roots.sha256"), as: UTF8.self)
            .split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
        #expect(roots.count == listed.count && roots.count == 5)
        // Each parsed certificate re-encodes to the PEM block it came from.
        let blocks = pem.components(separatedBy: "-----END CERTIFICATE-----\n").filter { $0.contains("BEGIN") }
        for (root, block) in zip(roots, blocks) {
            #expect(root.pem == String(block[block.range(of: "-----BEGIN")!.lowerBound...]) + "-----END CERTIFICATE-----\n")
        }
        _ = try TLSContext(client: TLSClientConfiguration(trustStore: .pem(name: "built-in Amazon roots", text: pem)))
    }

    @Test func badPEMIsRefused() throws {
        #expect(throws: TLSError.self) { try X509Certificate.all(pem: "") }
        #expect(throws: TLSError.self) { try X509Certificate.all(pem: "not a certificate\n") }
        let pem = EmbeddedData.text(EmbeddedData.amazonRootsPEM)
        // A bundle whose last certificate is cut short is an error, not four roots.
        let cut = String(pem.dropLast(200))
        #expect(throws: TLSError.self) { try X509Certificate.all(pem: cut) }
        #expect(throws: TLSError.self) {
            try TLSContext(client: TLSClientConfiguration(trustStore: .pem(name: "cut", text: cut)))
        }
    }
}
