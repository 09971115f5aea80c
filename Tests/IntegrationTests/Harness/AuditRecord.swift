import Foundation

/// One audit JSON line.
struct AuditRecord: CustomStringConvertible {
    let line: String
    let fields: [String: Any]?

    init(line: String) {
        self.line = line
        fields = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }

    var isValid: Bool { fields != nil }
    var description: String { line }

    subscript(key: String) -> Any? { fields?[key] }
    func string(_ key: String) -> String? { fields?[key] as? String }
    func int(_ key: String) -> Int? { (fields?[key] as? NSNumber)?.intValue }

    var event: String? { string("event") }
    var mode: String? { string("mode") }
    var host: String? { string("host") }
    var path: String? { string("path") }
    var status: Int? { int("status") }
    var decision: String? { string("decision") }
    var violations: [String] { (fields?["violations"] as? [Any])?.compactMap { $0 as? String } ?? [] }

    /// Keys every record carries.
    static let requiredKeys = ["time", "event", "mode", "client", "host", "port", "method", "path",
                               "status", "upstream", "tls_version", "cipher", "decision", "outcome", "error",
                               "violations", "reason", "bytes_in", "bytes_out", "duration_ms",
                               "instance", "seq", "chain"]
    /// Extra keys of tunnel records.
    static let tunnelKeys = ["sni", "alpn", "client_tls_max"]

    /// Required keys absent from this record (plus tunnel keys for tunnel records).
    var missingKeys: [String] {
        guard let fields else { return ["<not a JSON object>"] }
        var keys = Self.requiredKeys
        if event == "tunnel" { keys += Self.tunnelKeys }
        return keys.filter { fields[$0] == nil }
    }

    /// `time` is RFC 3339 with milliseconds in UTC, e.g. 2025-01-02T03:04:05.678Z.
    var timeIsRFC3339MillisUTC: Bool {
        guard let t = string("time") else { return false }
        return t.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#, options: .regularExpression) != nil
    }
}
