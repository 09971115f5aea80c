/// Why the endpoint catalog could not be loaded.
public enum AWSCatalogError: Error, Equatable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// The file is not a catalog this version understands.
    case malformed(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read AWS endpoint catalog \(path): \(reason)"
        case .malformed(let path, let reason): return "malformed AWS endpoint catalog \(path): \(reason)"
        }
    }
}
