import Yams

extension TLSGateConfig {
    /// Reads and parses a config file. A missing or unreadable file, invalid YAML, an unknown
    /// key or a bad value is a `ConfigError` located at `path:line`.
    public static func load(path: String) throws(ConfigError) -> TLSGateConfig {
        let bytes: [UInt8]
        switch FileAccess.readFile(path) {
        case .success(let read): bytes = read
        case .failure(let problem): throw ConfigError(file: path, message: "cannot read config file: \(problem.message)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigError(file: path, message: "config file is not valid UTF-8")
        }
        return try parse(yaml: text, file: path)
    }

    /// Parses YAML text; `file` names it in errors. Empty text (or only comments) gives the defaults.
    public static func parse(yaml: String, file: String) throws(ConfigError) -> TLSGateConfig {
        if yaml.utf8.contains(0) {
            throw ConfigError(file: file, message: "config contains a NUL byte; is it a YAML text file?")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw YAMLErrorMapping.configError(error, file: file, yaml: yaml)
        } catch {
            throw ConfigError(file: file, message: "invalid YAML: \(error)")
        }
        return try ConfigParser(file: file).parse(root)
    }
}
