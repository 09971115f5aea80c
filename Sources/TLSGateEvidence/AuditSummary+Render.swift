/// The summary as text, JSON or Markdown.
extension AuditSummary {
    public enum Format: String, CaseIterable, Sendable { case text, json, markdown }

    /// Top entries shown per table.
    static let topN = 10

    public func render(_ format: Format) -> String {
        switch format {
        case .json: return json()
        case .text: return tables(markdown: false)
        case .markdown: return tables(markdown: true)
        }
    }

    private func percent(_ part: Int, _ whole: Int) -> String {
        guard whole > 0 else { return "-" }
        let tenths = (part * 1000 + whole / 2) / whole
        return "\(tenths / 10).\(tenths % 10)%"
    }

    private var sections: [(String, Counter, Int)] {
        [("Mode", byMode, .max), ("Decision (what policy decided)", byDecision, .max),
         ("Outcome (failures that are no policy finding)", byOutcome, .max), ("Errors", byError, .max),
         ("TLS version", tlsVersions, .max), ("Cipher", ciphers, Self.topN), ("Top hosts", hosts, Self.topN),
         ("Top clients", clients, Self.topN), ("Instances", instances, .max),
         ("AWS services", awsServices, Self.topN), ("AWS regions", awsRegions, Self.topN),
         ("AWS operations", awsOperations, Self.topN), ("AWS access key ids", awsAccessKeys, Self.topN)]
    }

    private func tables(markdown md: Bool) -> String {
        var out = md ? "# tlsgate audit summary\n\n" : "tlsgate audit summary\n"
        let span = "\(firstTime ?? "-") .. \(lastTime ?? "-")"
        let fips = "\(awsFIPSCalls) of \(awsCalls) AWS calls (\(percent(awsFIPSCalls, awsCalls)))"
        let head: [(String, String)] = [("Span", span), ("Lines", "\(lines)"), ("Requests and tunnels", "\(traffic)"),
                                        ("FIPS endpoints", fips), ("Violation lines", "\(violations.values.reduce(0) { $0 + $1.count })"),
                                        ("Unreadable lines", "\(malformed)")]
        if md {
            out += "| | |\n|---|---|\n" + head.map { "| \($0.0) | \($0.1) |\n" }.joined() + "\n"
        } else {
            out += head.map { "  \($0.0.padding(22))\($0.1)\n" }.joined()
        }
        for (title, counter, limit) in sections where counter.total > 0 {
            let rows = counter.top(limit)
            if md {
                out += "## \(title)\n\n| value | count | share |\n|---|---:|---:|\n"
                out += rows.map { "| \(Self.mdEscape($0.0)) | \($0.1) | \(percent($0.1, counter.total)) |\n" }.joined() + "\n"
            } else {
                out += "\n\(title):\n"
                let width = min(60, rows.map { $0.0.count }.max() ?? 0) + 2
                out += rows.map { "  \($0.0.padding(width))\(String($0.1).leftPadding(9))  \(percent($0.1, counter.total).leftPadding(6))\n" }.joined()
            }
        }
        let codes = violations.sorted { $0.value.count != $1.value.count ? $0.value.count > $1.value.count : $0.key < $1.key }
        if md {
            out += "## Violations\n\n"
            if codes.isEmpty { out += "None.\n" } else {
                out += "| code | count | first | last |\n|---|---:|---|---|\n"
                out += codes.map { "| \($0.key) | \($0.value.count) | \($0.value.first) | \($0.value.last) |\n" }.joined()
                out += "\nExamples:\n\n" + codes.map { "- `\($0.key)`: `\(Self.mdEscape($0.value.example).replacingAll("`", "'"))`\n" }.joined()
            }
        } else {
            out += "\nViolations:\n"
            if codes.isEmpty { out += "  none\n" }
            for (code, stats) in codes {
                out += "  \(code.padding(24))\(String(stats.count).leftPadding(9))  first \(stats.first)  last \(stats.last)\n"
                out += "    e.g. \(stats.example)\n"
            }
        }
        return out
    }

    private func json() -> String {
        var o = JSONText()
        o.open("{")
        o.key("span"); o.open("{"); o.key("first"); o.string(firstTime); o.key("last"); o.string(lastTime); o.close("}")
        o.key("lines"); o.int(lines)
        o.key("traffic"); o.int(traffic)
        o.key("malformed"); o.int(malformed)
        o.key("fips"); o.open("{"); o.key("aws_calls"); o.int(awsCalls); o.key("fips_calls"); o.int(awsFIPSCalls)
        o.key("share"); o.raw(awsCalls > 0 ? String(Double(awsFIPSCalls) / Double(awsCalls)) : "null"); o.close("}")
        let named: [(String, Counter, Int)] = [("by_mode", byMode, .max), ("by_decision", byDecision, .max), ("by_outcome", byOutcome, .max),
                                               ("errors", byError, .max), ("tls_versions", tlsVersions, .max), ("ciphers", ciphers, .max),
                                               ("hosts", hosts, Self.topN), ("clients", clients, Self.topN), ("instances", instances, .max),
                                               ("aws_services", awsServices, .max), ("aws_regions", awsRegions, .max),
                                               ("aws_operations", awsOperations, .max), ("aws_access_key_ids", awsAccessKeys, .max)]
        for (name, counter, limit) in named {
            o.key(name); o.open("{")
            for (value, count) in counter.top(limit) { o.key(value); o.int(count) }
            o.close("}")
        }
        o.key("violations"); o.open("{")
        for (code, stats) in violations.sorted(by: { $0.key < $1.key }) {
            o.key(code); o.open("{")
            o.key("count"); o.int(stats.count); o.key("first"); o.string(stats.first); o.key("last"); o.string(stats.last)
            o.key("example"); o.string(stats.example)
            o.close("}")
        }
        o.close("}")
        o.close("}")
        return o.text + "\n"
    }

    static func mdEscape(_ s: String) -> String { s.replacingAll("|", "\\|") }
}

/// A minimal JSON text builder for the tools' output.
struct JSONText {
    var text = ""
    private var needComma = false

    mutating func open(_ bracket: String) { comma(); text += bracket; needComma = false }
    mutating func close(_ bracket: String) { text += bracket; needComma = true }
    mutating func key(_ k: String) { comma(); text += Self.quote(k) + ":"; needComma = false }
    mutating func string(_ s: String?) { comma(); text += s.map(Self.quote) ?? "null"; needComma = true }
    mutating func int(_ i: Int) { comma(); text += String(i); needComma = true }
    mutating func raw(_ r: String) { comma(); text += r; needComma = true }
    private mutating func comma() { if needComma { text += "," } }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x7F || u.value == 0x2028 || u.value == 0x2029 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
    func leftPadding(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
    func replacingAll(_ target: Character, _ replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
