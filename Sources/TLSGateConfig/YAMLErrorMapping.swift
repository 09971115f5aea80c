import Yams

/// Turns Yams/libyaml errors into `file:line: invalid YAML: ...`.
enum YAMLErrorMapping {
    static func configError(_ error: YamlError, file: String, yaml: String) -> ConfigError {
        func located(_ mark: Mark, _ problem: String, _ context: YamlError.Context?) -> ConfigError {
            if problem == "but found another document" {
                return ConfigError(file: file, line: mark.line, column: mark.column,
                                   message: "invalid YAML: a config file holds one document; remove the second '---'")
            }
            var message = "invalid YAML: \(problem)"
            if let context, !context.text.isEmpty, context.text.count < 200 {
                message += " (\(context.text) on line \(context.mark.line))"
            }
            return ConfigError(file: file, line: mark.line, column: mark.column, message: message)
        }
        switch error {
        case let .scanner(context, problem, mark, _),
             let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            return located(mark, problem, context)
        case let .reader(problem, offset, _, _):
            let line = offset.map { lineNumber(ofCharacterOffset: $0, in: yaml) }
            return ConfigError(file: file, line: line, message: "invalid YAML: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            // Yams reports the duplicates, and the mark of its context, in no stable order: sort the
            // names and find the lines ourselves, so the same file always gives the same message.
            let names = Array(Set(duplicates.map { "\($0)" })).sorted()
            let keys = names.map { "'\($0)'" }.joined(separator: ", ")
            let found = names.compactMap { occurrences(of: $0, in: yaml) }.min { $0.again < $1.again }
            if let found {
                return ConfigError(file: file, line: found.again, column: found.column,
                                   message: "duplicate key \(keys) (first defined on line \(found.first))")
            }
            _ = context
            return ConfigError(file: file, message: "duplicate key \(keys)")
        default:
            return ConfigError(file: file, message: "invalid YAML: \(error)")
        }
    }

    /// The first two lines (1-based) where `key:` starts a block-mapping entry at the same
    /// indentation, and that column; nil when the key does not appear twice that way (for
    /// example a complex `? [..]` key).
    static func occurrences(of key: String, in yaml: String) -> (first: Int, again: Int, column: Int)? {
        guard !key.isEmpty else { return nil }
        var firstByIndent: [Int: Int] = [:]
        var best: (first: Int, again: Int, column: Int)?
        for (index, line) in yaml.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let indent = line.prefix { $0 == " " }.count
            var rest = line.dropFirst(indent)
            if rest.hasPrefix("\"") || rest.hasPrefix("'") { rest = rest.dropFirst() }
            guard rest.hasPrefix(key) else { continue }
            let after = rest.dropFirst(key.count).drop { $0 == "\"" || $0 == "'" || $0 == " " }
            guard after.hasPrefix(":") else { continue }
            if let first = firstByIndent[indent] {
                if best == nil || index + 1 < best!.again { best = (first, index + 1, indent + 1) }
            } else {
                firstByIndent[indent] = index + 1
            }
        }
        return best
    }

    /// 1-based line of the character at `offset`.
    static func lineNumber(ofCharacterOffset offset: Int, in text: String) -> Int {
        var line = 1
        for (index, character) in text.enumerated() {
            if index >= offset { break }
            if character == "\n" || character == "\r\n" { line += 1 }
        }
        return line
    }
}
