/// The `upstream.resolve` map: requested host pattern -> where to connect instead.
/// Lookup is O(labels): an exact name beats any wildcard, and the longest wildcard suffix wins.
public struct ResolveOverrides: Sendable, Equatable {
    private var exact: [String: [UpstreamTarget]] = [:]
    private var suffixes: [Substring: [UpstreamTarget]] = [:]
    /// The entries in the order given (a later duplicate pattern replaces an earlier one).
    public private(set) var entries: [(pattern: HostPattern, target: UpstreamTarget)] = []

    /// No overrides.
    public init() {}

    /// Builds the map; a repeated pattern keeps the last target.
    public init(_ entries: [(pattern: HostPattern, target: UpstreamTarget)]) {
        for (pattern, target) in entries { set(pattern, target) }
    }

    /// Adds or replaces one entry.
    public mutating func set(_ pattern: HostPattern, _ target: UpstreamTarget) {
        set(pattern, targets: [target])
    }

    /// Adds or replaces one entry with several addresses (raced by Happy Eyeballs, in this order).
    /// `entries` shows the first.
    public mutating func set(_ pattern: HostPattern, targets: [UpstreamTarget]) {
        guard let first = targets.first else { return }
        if let index = entries.firstIndex(where: { $0.pattern == pattern }) {
            entries[index].target = first
        } else {
            entries.append((pattern, first))
        }
        switch pattern.kind {
        case .exact(let name): exact[name] = targets
        case .suffix(let suffix): suffixes[Substring(suffix)] = targets
        }
    }

    /// True when there are no overrides.
    public var isEmpty: Bool { entries.isEmpty }

    /// The (first) target for `host`: the exact entry if any, else the longest matching `*.suffix`.
    public func lookup(_ host: String) -> UpstreamTarget? {
        lookupAll(host).first
    }

    /// Every target for `host` (empty: no override), in the order configured.
    public func lookupAll(_ host: String) -> [UpstreamTarget] {
        guard !entries.isEmpty else { return [] }
        let name = HostName.canonicalIPv6(HostName.normalize(host))
        if let targets = exact[name] { return targets }
        guard !suffixes.isEmpty, HostName.isValidDNSName(name.utf8) else { return [] }
        var index = name.utf8.startIndex
        while let dot = name.utf8[index...].firstIndex(of: 0x2E) {
            let next = name.utf8.index(after: dot)
            if let targets = suffixes[name[next...]] { return targets }
            index = next
        }
        return []
    }

    public static func == (lhs: ResolveOverrides, rhs: ResolveOverrides) -> Bool {
        lhs.exact == rhs.exact && lhs.suffixes == rhs.suffixes
    }
}
