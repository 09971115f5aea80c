// libFuzzer target: TLSGateConfig.parse(yaml:file:) on arbitrary text (the input decoded as UTF-8
// with replacement, as a config file's bytes would be after validation).
//
// Invariants (a violation is a finding: fatalError):
// - parsing never traps, and gives the same config or the same error twice;
// - an error names the file, has a message, and its line (when given) lies within the text.
import TLSGateConfig

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let input = start.map { UnsafeRawBufferPointer(start: $0, count: count) } ?? UnsafeRawBufferPointer(start: nil, count: 0)
    let text = String(decoding: input, as: UTF8.self)
    let first = parse(text)
    let second = parse(text)
    if first != second { fatalError("config: two parses differ: \(first) / \(second)") }
    if case .failure(let error) = first {
        guard error.file == "fuzz.yaml", !error.message.isEmpty else { fatalError("config: bad error \(error)") }
        // YAML line breaks: LF, CR, CRLF, NEL, LS, PS. Allow one line past the end (end-of-input marks).
        var breaks = 0
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A, 0x0D, 0x85, 0x2028, 0x2029: breaks += 1
            default: break
            }
        }
        if let line = error.line, line < 1 || line > breaks + 2 {
            fatalError("config: error line \(line) outside a text of \(breaks + 1) lines: \(error)")
        }
        if let column = error.column, column < 0 { fatalError("config: negative column: \(error)") }
        _ = error.description
    }
    return 0
}

private func parse(_ text: String) -> Result<TLSGateConfig, ConfigError> {
    do throws(ConfigError) {
        return .success(try TLSGateConfig.parse(yaml: text, file: "fuzz.yaml"))
    } catch {
        return .failure(error)
    }
}
