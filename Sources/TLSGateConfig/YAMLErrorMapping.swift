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
            // Yams reports the duplicates in no stable order: sort them, and point at the earliest
            // repeat, so the same file always gives the same message.
            let names = duplicates.map { "\($0)" }.sorted()
            let keys = names.map { "'\($0)'" }.joined(separator: ", ")
            let first = context.mark
            let repeats = duplicates.compactMap { repeatedKeyLine($0, after: first, in: yaml) }
            if let again = repeats.min() {
                return ConfigError(file: file, line: again, column: first.column,
                                   message: "duplicate key \(keys) (first defined on line \(first.line))")
            }
            return ConfigError(file: file, line: first.line, column: first.column, message: "duplicate key \(keys)")
        default:
            return ConfigError(file: file, message: "invalid YAML: \(error)")
        }
    }

    /// The line of the next block-mapping occurrence of `key` at the same column as `first`.
    static func repeatedKeyLine(_ key: String, after first: Mark, in yaml: String) -> Int? {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        guard first.line >= 1, first.line < lines.count else { return nil }
        let indent = String(repeating: " ", count: max(first.column - 1, 0))
        for index in first.line..<lines.count {
            let line = lines[index]
            guard line.hasPrefix(indent) else { continue }
            var rest = line.dropFirst(indent.count)
            if rest.hasPrefix("\"") || rest.hasPrefix("'") { rest = rest.dropFirst() }
            guard rest.hasPrefix(key) else { continue }
            let after = rest.dropFirst(key.count).drop { $0 == "\"" || $0 == "'" || $0 == " " }
            if after.hasPrefix(":") { return index + 1 }
        }
        return nil
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
