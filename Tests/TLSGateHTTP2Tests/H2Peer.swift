import Foundation
import TLSGateHTTP
import TLSGateHTTP2

/// Runs Support/h2peer.py (Python `h2`: a real HTTP/2 implementation) to make and check bytes.
enum H2Peer {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Support/h2peer.py").path

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// What h2peer.py saw in tlsgate's bytes: plain frame decodes and h2's events.
    struct Report {
        let frames: [[String: Any]]
        let events: [[String: Any]]
        var out: [UInt8] = []

        /// Frames of `type` (e.g. "GOAWAY"), optionally on `stream`.
        func frames(_ type: String, stream: Int? = nil) -> [[String: Any]] {
            frames.filter { $0["type"] as? String == type && (stream == nil || $0["stream"] as? Int == stream) }
        }

        /// Events named `name` (e.g. "ResponseReceived").
        func events(_ name: String) -> [[String: Any]] { events.filter { $0["event"] as? String == name } }

        /// The status of the first HEADERS frame on `stream`.
        func status(stream: Int) -> String? {
            for f in frames("HEADERS", stream: stream) {
                for pair in (f["headers"] as? [[String]]) ?? [] where pair.first == ":status" { return pair[1] }
            }
            return nil
        }
    }

    /// Bytes an h2 client sends for `scenario`.
    static func clientBytes(_ scenario: String) throws -> [UInt8] {
        let out = try run(["client-gen", scenario], stdin: "")
        return hex(String(decoding: out, as: UTF8.self))
    }

    /// h2's client view of tlsgate's server output for `scenario`.
    static func clientParse(_ scenario: String, _ serverOutput: [UInt8]) throws -> Report {
        try report(run(["client-parse", scenario], stdin: hexString(serverOutput)))
    }

    /// An h2 server answering tlsgate's client output per `scenario`.
    static func server(_ scenario: String, _ clientOutput: [UInt8]) throws -> Report {
        try report(run(["server", scenario], stdin: hexString(clientOutput)))
    }

    private static func report(_ data: Data) throws -> Report {
        guard let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Failure(description: "h2peer.py: not JSON: \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        var r = Report(frames: obj["frames"] as? [[String: Any]] ?? [], events: obj["events"] as? [[String: Any]] ?? [])
        if let out = obj["out"] as? String { r.out = hex(out) }
        return r
    }

    private static func run(_ args: [String], stdin: String) throws -> Data {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("h2peer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let inURL = dir.appendingPathComponent("in"), outURL = dir.appendingPathComponent("out"), errURL = dir.appendingPathComponent("err")
        try Data(stdin.utf8).write(to: inURL)
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script] + args
        p.standardInput = try FileHandle(forReadingFrom: inURL)
        p.standardOutput = try FileHandle(forWritingTo: outURL)
        p.standardError = try FileHandle(forWritingTo: errURL)
        var env = ProcessInfo.processInfo.environment
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        p.environment = env
        try p.run()
        p.waitUntilExit()
        let out = try Data(contentsOf: outURL)
        guard p.terminationStatus == 0 else {
            let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
            throw Failure(description: "h2peer.py \(args.joined(separator: " ")) exited \(p.terminationStatus): \(err.suffix(2000))")
        }
        return out
    }

    static func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count / 2)
        var hi: UInt8?
        for c in s.utf8 {
            let v: UInt8
            switch c {
            case 48...57: v = c - 48
            case 97...102: v = c - 87
            default: continue
            }
            if let h = hi { out.append(h << 4 | v); hi = nil } else { hi = v }
        }
        return out
    }

    static func hexString(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Helpers over event lists.
extension Array where Element == HTTP2Event {
    var requests: [(Int32, HTTP2Request, Bool)] {
        compactMap { if case .request(let s, let r, let e) = $0 { return (s, r, e) } else { return nil } }
    }
    var responses: [(Int32, HTTPResponseHead, Bool)] {
        compactMap { if case .response(let s, let h, let e) = $0 { return (s, h, e) } else { return nil } }
    }
    func body(_ stream: Int32) -> [UInt8] {
        var out: [UInt8] = []
        for case .data(let s, let bytes) in self where s == stream { out += bytes }
        return out
    }
    var resets: [(Int32, HTTP2ErrorCode, Bool)] {
        compactMap { if case .streamReset(let s, let c, let p) = $0 { return (s, c, p) } else { return nil } }
    }
    var goAways: [(Int32, HTTP2ErrorCode, Bool)] {
        compactMap { if case .goAway(let l, let c, let p) = $0 { return (l, c, p) } else { return nil } }
    }
    var connectionErrors: [String] {
        compactMap { if case .connectionError(let m) = $0 { return m } else { return nil } }
    }
    var rejections: [(Int32, Int?, String)] {
        compactMap { if case .rejected(let s, let st, let r) = $0 { return (s, st, r) } else { return nil } }
    }
    func ended(_ stream: Int32) -> Bool {
        contains { if case .endStream(let s) = $0 { return s == stream } else { return false } }
    }
    func trailers(_ stream: Int32) -> [(String, String)]? {
        for case .trailers(let s, let h) in self where s == stream { return h.map { ($0.name, $0.value) } }
        return nil
    }
}
