import Foundation
import TLSGateAWS

/// Paths in the repository this test file lives in.
enum Repo {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
    static let catalogPath = path("config/aws-endpoints.json")
}

/// The committed catalog, loaded once for all tests; `loadSeconds` is how long that took.
enum Fixture {
    static let loaded: (catalog: AWSEndpointCatalog, seconds: Double) = {
        let start = DispatchTime.now().uptimeNanoseconds
        // The committed file must load; a failure here fails every test that uses it.
        let catalog = try! AWSEndpointCatalog.load(path: Repo.catalogPath)
        return (catalog, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }()
    static var catalog: AWSEndpointCatalog { loaded.catalog }
}

/// Runs a process to completion, returning its exit status and standard output.
@discardableResult
func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, Data) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, data)
}

/// True when `python3` can import botocore.
let botocoreAvailable: Bool = (try? run("python3", ["-c", "import botocore"]).0 == 0) ?? false
/// True when the `openssl` command exists.
let opensslAvailable: Bool = (try? run("openssl", ["version"]).0 == 0) ?? false
