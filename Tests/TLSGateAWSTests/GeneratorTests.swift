import Foundation
import Testing
@testable import TLSGateAWS

/// config/generate-aws-endpoints.py: deterministic, and the committed catalog is its output.
@Suite(.serialized, .enabled(if: botocoreAvailable)) struct GeneratorTests {
    static let script = Repo.path("config/generate-aws-endpoints.py")

    @Test func deterministic() throws {
        let date = ["--date", "2026-01-02"]
        let (status1, first) = try run("python3", [Self.script] + date)
        let (status2, second) = try run("python3", [Self.script] + date)
        #expect(status1 == 0 && status2 == 0)
        #expect(first.count > 100_000)
        #expect(first == second)
        // SOURCE_DATE_EPOCH fixes the date the same way (2026-01-02T12:00:00Z).
        let (status3, third) = try run("python3", [Self.script], environment: ["SOURCE_DATE_EPOCH": "1767355200"])
        #expect(status3 == 0 && third == first)
        // The output is a loadable catalog.
        let catalog = try AWSEndpointCatalog.load(data: first)
        #expect(catalog.generated == "2026-01-02")
        #expect(catalog.hostCount > 5000)
    }

    @Test func committedCatalogIsCurrent() throws {
        let committed = Fixture.catalog
        let (_, version) = try run("python3", ["-c", "import botocore; print(botocore.__version__, end='')"])
        guard String(decoding: version, as: UTF8.self) == committed.botocoreVersion else {
            print("botocore \(String(decoding: version, as: UTF8.self)) installed, catalog from \(committed.botocoreVersion): not compared")
            return
        }
        let (status, output) = try run("python3", [Self.script, "--date", committed.generated])
        #expect(status == 0)
        let file = try Data(contentsOf: URL(fileURLWithPath: Repo.catalogPath))
        #expect(output == file, "config/aws-endpoints.json differs from the generator's output: regenerate it")
    }
}

@Suite struct CatalogLoadingTests {
    @Test func loadErrors() throws {
        #expect(throws: AWSCatalogError.self) { try AWSEndpointCatalog.load(path: "/nonexistent/aws-endpoints.json") }
        #expect(throws: AWSCatalogError.self) { try AWSEndpointCatalog.load(data: Data("{".utf8)) }
        let wrongFormat = #"{"format":2,"botocoreVersion":"1","generated":"2026-01-01","partitions":[],"signing":{},"hosts":{}}"#
        #expect(throws: AWSCatalogError.self) { try AWSEndpointCatalog.load(data: Data(wrongFormat.utf8)) }
        let badPartition = #"{"format":1,"botocoreVersion":"1","generated":"2026-01-01","partitions":[],"signing":{},"hosts":{"a.b":[0,"s","r",""]}}"#
        #expect(throws: AWSCatalogError.self) { try AWSEndpointCatalog.load(data: Data(badPartition.utf8)) }
        let badFlags = #"{"format":1,"botocoreVersion":"1","generated":"2026-01-01","partitions":[{"id":"aws","dnsSuffix":"b","suffixes":["b"]}],"signing":{},"hosts":{"a.b":[0,"s","r","x"]}}"#
        #expect(throws: AWSCatalogError.self) { try AWSEndpointCatalog.load(data: Data(badFlags.utf8)) }
        let upper = #"{"format":1,"botocoreVersion":"1","generated":"2026-01-01","partitions":[{"id":"aws","dnsSuffix":"b","suffixes":["b"]}],"signing":{},"hosts":{"A.b":[0,"s","r",""]}}"#
        #expect(throws: AWSCatalogError.self) { try AWSEndpointCatalog.load(data: Data(upper.utf8)) }
    }

    @Test func smallCatalog() throws {
        let json = #"""
        {"format":1,"botocoreVersion":"9.9.9","generated":"2026-01-01",
         "partitions":[{"id":"aws","dnsSuffix":"amazonaws.com","suffixes":["amazonaws.com","api.aws"]}],
         "signing":{"api.ecr":"ecr"},
         "hosts":{"s3.us-east-1.amazonaws.com":[0,"s3","us-east-1","","s3-fips.us-east-1.amazonaws.com"],
                  "s3-fips.us-east-1.amazonaws.com":[0,"s3","us-east-1","f"],
                  "api.ecr.us-east-1.amazonaws.com":[0,"api.ecr","us-east-1","",null]}}
        """#
        let catalog = try AWSEndpointCatalog.load(data: Data(json.utf8))
        #expect(catalog.hostCount == 3)
        #expect(catalog.botocoreVersion == "9.9.9")
        #expect(catalog.lookup("api.ecr.us-east-1.amazonaws.com")?.signingNames == ["ecr"])
        #expect(catalog.lookup("api.ecr.us-east-1.amazonaws.com")?.fipsAlternative == nil)
        #expect(catalog.lookup("x.s3.us-east-1.amazonaws.com")?.fipsAlternative == "x.s3-fips.us-east-1.amazonaws.com")
        #expect(catalog.partitionSuffixes == ["amazonaws.com", "api.aws"])
    }
}
