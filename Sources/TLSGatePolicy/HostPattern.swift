/// A host pattern from `policy.allow_hosts` or `upstream.resolve`: an exact name (or IP literal),
/// or `*.suffix`, which matches any name ending in `.suffix` at any depth but not `suffix` itself.
/// Matching is case-insensitive and ignores one trailing dot.
public struct HostPattern: Sendable, Hashable, CustomStringConvertible {
    /// What a pattern matches.
    public enum Kind: Sendable, Hashable {
        /// Exactly this normalized name (IPv6 literals in canonical form, without brackets).
        case exact(String)
        /// Any name ending in "." + this normalized suffix.
        case suffix(String)
    }

    /// The parsed pattern.
    public let kind: Kind

    /// Parses a pattern. Throws a `PatternError` whose message tells the user what to change.
    public init(_ text: String) throws(PatternError) {
        func fail(_ message: String) -> PatternError { PatternError(pattern: text, message: message) }
        guard !text.isEmpty else { throw fail("empty host pattern") }
        guard text != "*" && text != "*." else {
            throw fail("'\(text)' would match every host; list domains instead, e.g. '*.amazonaws.com'")
        }
        if let bad = text.unicodeScalars.first(where: { !Self.isAllowedScalar($0) }) {
            throw fail("illegal character \(Self.show(bad)) in host pattern '\(text)' "
                       + "(allowed: letters, digits, '-', '_', '.', a leading '*.', or an IP address)")
        }
        let name = HostName.normalize(text)
        if name.hasPrefix("*.") {
            let suffix = String(name.dropFirst(2))
            if suffix.contains("*") {
                throw fail("'*' is only allowed once, as the whole first label, as in '*.example.com'")
            }
            try Self.validateName(suffix, original: text)
            kind = .suffix(suffix)
            return
        }
        if name.contains("*") {
            throw fail("'*' is only allowed as the whole first label, as in '*.example.com'")
        }
        if name.utf8.contains(0x3A) {  // ':' only in IPv6 literals
            guard let address = IPAddress(parsing: name), case .v6 = address else {
                throw fail("'\(text)' is not a valid host name or IPv6 address "
                           + "(a port does not belong in a host pattern)")
            }
            kind = .exact(address.description)
            return
        }
        try Self.validateName(name, original: text)
        kind = .exact(name)
    }

    /// True when `host` (any case, optional trailing dot, optional IPv6 brackets) matches.
    public func matches(_ host: String) -> Bool {
        let name = HostName.canonicalIPv6(HostName.normalize(host))
        switch kind {
        case .exact(let exact):
            return name == exact
        case .suffix(let suffix):
            let nameBytes = name.utf8, suffixBytes = suffix.utf8
            guard nameBytes.count > suffixBytes.count + 1,
                  HostName.isValidDNSName(nameBytes),
                  nameBytes.reversed().starts(with: suffixBytes.reversed()) else { return false }
            let dot = nameBytes.index(nameBytes.endIndex, offsetBy: -(suffixBytes.count + 1))
            return nameBytes[dot] == 0x2E
        }
    }

    /// The normalized pattern text: `name` or `*.suffix`.
    public var description: String {
        switch kind {
        case .exact(let name): return name
        case .suffix(let suffix): return "*." + suffix
        }
    }

    private static func isAllowedScalar(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.isASCII else { return false }
        let byte = UInt8(scalar.value)
        return HostName.isNameByte(byte) || byte == 0x2E || byte == 0x2A || byte == 0x3A
            || byte == 0x5B || byte == 0x5D
    }

    private static func show(_ scalar: Unicode.Scalar) -> String {
        if scalar == " " { return "' ' (space)" }
        if scalar.value < 0x20 || scalar.value == 0x7F { return "U+\(String(scalar.value, radix: 16, uppercase: true))" }
        return "'\(scalar)'"
    }

    private static func validateName(_ name: String, original: String) throws(PatternError) {
        let utf8 = name.utf8
        guard !utf8.isEmpty else { throw PatternError(pattern: original, message: "'\(original)' has no domain name") }
        guard utf8.count <= 253 else {
            throw PatternError(pattern: original, message: "host name '\(original)' is longer than 253 characters")
        }
        if utf8.first == 0x2E || utf8.contains(where: { $0 == 0x5B || $0 == 0x5D })
            || name.contains("..") {
            throw PatternError(pattern: original, message: "host pattern '\(original)' has an empty label or stray brackets")
        }
        guard HostName.isValidDNSName(utf8) else {
            throw PatternError(pattern: original, message: "host pattern '\(original)' has a label longer than 63 characters")
        }
    }
}

/// Why a host pattern was rejected. `message` is a complete sentence a user can act on.
public struct PatternError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text as given.
    public let pattern: String
    /// What is wrong and how to fix it.
    public let message: String

    public init(pattern: String, message: String) {
        self.pattern = pattern
        self.message = message
    }

    public var description: String { message }
}
