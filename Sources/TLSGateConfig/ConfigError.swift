/// A configuration problem, located: `file:line: message` (or `file: message`).
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The config file path as given (or "--listen" etc. for command-line values).
    public var file: String
    /// 1-based line, when known.
    public var line: Int?
    /// 1-based column, when known.
    public var column: Int?
    /// What is wrong, starting with the key path when there is one.
    public var message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}
