import Foundation

/// A fresh temporary directory per test; removed by `cleanup()` unless TLSGATE_ITEST_KEEP is set.
final class TempDir {
    let path: String

    init(_ label: String) throws {
        var template = Array("/tmp/tlsgate-itest-\(label)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buf -> Bool in
            mkdtemp(buf.baseAddress!) != nil
        }
        guard made else { throw HarnessError("mkdtemp failed for \(label)") }
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// The path of `name` inside the directory.
    func file(_ name: String) -> String { path + "/" + name }

    /// Writes `data` to `name` and returns its path.
    @discardableResult
    func write(_ name: String, _ data: Data) throws -> String {
        let p = file(name)
        try data.write(to: URL(fileURLWithPath: p))
        return p
    }

    /// Writes UTF-8 `text` to `name` and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, Data(text.utf8))
    }

    func cleanup() {
        if ProcessInfo.processInfo.environment["TLSGATE_ITEST_KEEP"] != nil { return }
        try? FileManager.default.removeItem(atPath: path)
    }
}
