/// A set of host patterns answered in O(labels): exact names in one set, `*.suffix` suffixes
/// in another, looked up by walking the host's dots from the left.
public struct HostAllowlist: Sendable, Equatable {
    private let exact: Set<String>
    private let suffixes: Set<Substring>
    /// The patterns, in the order given (duplicates removed).
    public let patterns: [HostPattern]

    /// Builds an allowlist from patterns.
    public init(_ patterns: [HostPattern]) {
        var exact = Set<String>(), suffixes = Set<Substring>(), seen = Set<HostPattern>(), kept: [HostPattern] = []
        for pattern in patterns where seen.insert(pattern).inserted {
            kept.append(pattern)
            switch pattern.kind {
            case .exact(let name): exact.insert(name)
            case .suffix(let suffix): suffixes.insert(Substring(suffix))
            }
        }
        self.exact = exact
        self.suffixes = suffixes
        self.patterns = kept
    }

    /// The AWS public endpoint domains: *.amazonaws.com, *.amazonaws.com.cn, *.api.aws, *.aws.
    public static let awsDefault: HostAllowlist = {
        let texts = ["*.amazonaws.com", "*.amazonaws.com.cn", "*.api.aws", "*.aws"]
        return HostAllowlist(texts.compactMap { try? HostPattern($0) })
    }()

    /// True when no pattern is present (nothing is allowed).
    public var isEmpty: Bool { patterns.isEmpty }

    /// True when some pattern matches `host` (any case, optional trailing dot / IPv6 brackets).
    /// Malformed names (empty labels, illegal bytes) never match a wildcard.
    public func allows(_ host: String) -> Bool {
        let name = HostName.canonicalIPv6(HostName.normalize(host))
        if exact.contains(name) { return true }
        return Self.longestSuffixMatch(name, in: suffixes) != nil
    }

    /// Walks the dots of `name` from the left (longest proper suffix first) and returns the first
    /// suffix contained in `set`. O(labels) set lookups, no allocation.
    static func longestSuffixMatch(_ name: String, in set: Set<Substring>) -> Substring? {
        guard !set.isEmpty, HostName.isValidDNSName(name.utf8) else { return nil }
        var index = name.utf8.startIndex
        let end = name.utf8.endIndex
        while let dot = name.utf8[index..<end].firstIndex(of: 0x2E) {
            let next = name.utf8.index(after: dot)
            let suffix = name[next...]
            if set.contains(suffix) { return suffix }
            index = next
        }
        return nil
    }

    public static func == (lhs: HostAllowlist, rhs: HostAllowlist) -> Bool {
        lhs.exact == rhs.exact && lhs.suffixes == rhs.suffixes
    }
}
