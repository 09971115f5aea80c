import TLSGateTLS

/// A local-CA problem. `message` is a complete sentence that says what is wrong and what to do.
public struct CAError: Error, Sendable, CustomStringConvertible {
    /// What is wrong and how to fix it.
    public let message: String
    /// OpenSSL's error stack at the failure, when OpenSSL failed.
    public let errors: [OpenSSLErrorEntry]

    public init(_ message: String, errors: [OpenSSLErrorEntry] = []) {
        self.message = message
        self.errors = errors
    }

    /// The same error with `prefix` in front of the message (e.g. the configuration key).
    public func prefixed(_ prefix: String) -> CAError {
        CAError(prefix + message, errors: errors)
    }

    public var description: String {
        guard !errors.isEmpty else { return message }
        return message + " [" + errors.map(\.text).joined(separator: "; ") + "]"
    }
}
