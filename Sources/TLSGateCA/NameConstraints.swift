import TLSGatePolicy

/// The X.509 name constraints of the local CA (RFC 5280 §4.2.1.10), as OpenSSL's verifier applies
/// them: a leaf name must lie in a permitted subtree of its type (when there is any of that type)
/// and in no excluded one. DNS subtree `amazonaws.com` covers `amazonaws.com` and every name ending
/// in `.amazonaws.com`; `.amazonaws.com` (leading dot) only the latter.
public struct NameConstraints: Sendable, Equatable {
    /// Permitted DNS subtrees (normalized, lowercase).
    public var permittedDNS: [String]
    /// Excluded DNS subtrees.
    public var excludedDNS: [String]
    /// Permitted IP address blocks.
    public var permittedIP: [CIDR]
    /// Excluded IP address blocks.
    public var excludedIP: [CIDR]

    public init(permittedDNS: [String] = [], excludedDNS: [String] = [], permittedIP: [CIDR] = [], excludedIP: [CIDR] = []) {
        self.permittedDNS = permittedDNS
        self.excludedDNS = excludedDNS
        self.permittedIP = permittedIP
        self.excludedIP = excludedIP
    }

    /// True when the CA has no name constraints at all (it could sign for any name).
    public var isEmpty: Bool { permittedDNS.isEmpty && excludedDNS.isEmpty && permittedIP.isEmpty && excludedIP.isEmpty }

    /// The constraints `tlsgate ca init` writes for `domains` and `ipBlocks`: those DNS subtrees
    /// (duplicates removed) and those IP blocks. An address family with
    /// no permitted block is excluded entirely (`0.0.0.0/0`, `::/0`), so the CA cannot sign for any
    /// IP address nobody asked for.
    public static func forCA(domains: [String], ipBlocks: [CIDR]) -> NameConstraints {
        var kept: [String] = []
        for domain in domains.map({ HostName.normalize($0) }) where !kept.contains(domain) { kept.append(domain) }
        var blocks: [CIDR] = []
        for block in ipBlocks where !blocks.contains(block) { blocks.append(block) }
        var excluded: [CIDR] = []
        if !blocks.contains(where: { $0.network.isIPv4 }), let all = try? CIDR(parsing: "0.0.0.0/0") { excluded.append(all) }
        if !blocks.contains(where: { !$0.network.isIPv4 }), let all = try? CIDR(parsing: "::/0") { excluded.append(all) }
        return NameConstraints(permittedDNS: kept, permittedIP: blocks, excludedIP: excluded)
    }

    /// The constraints covering host patterns: `*.example.com` and `example.com` give the DNS
    /// subtree `example.com`; an IP literal gives its /32 or /128.
    public static func covering(_ patterns: [HostPattern]) -> NameConstraints {
        var domains: [String] = [], blocks: [CIDR] = []
        for pattern in patterns {
            switch pattern.kind {
            case .suffix(let suffix): domains.append(suffix)
            case .exact(let name):
                if IPAddress(parsing: name) != nil, let block = try? CIDR(parsing: name) {
                    blocks.append(block)
                } else {
                    domains.append(name)
                }
            }
        }
        return forCA(domains: domains, ipBlocks: blocks)
    }

    /// The default allowlist's domains: amazonaws.com, amazonaws.com.cn, api.aws, aws.
    public static let awsDefault = covering(HostAllowlist.awsDefault.patterns)

    /// Parses `--name-constraint` values: a DNS domain (`example.com`, `*.example.com` means the
    /// same), an IP address or an IP block (`10.0.0.0/8`).
    public static func parsing(_ texts: [String]) throws(CAError) -> NameConstraints {
        var domains: [String] = [], blocks: [CIDR] = []
        for text in texts {
            if let block = try? CIDR(parsing: text) {
                blocks.append(block)
                continue
            }
            let pattern: HostPattern
            do {
                pattern = try HostPattern(text)
            } catch {
                throw CAError("--name-constraint \(text): \(error.message)")
            }
            switch pattern.kind {
            case .suffix(let suffix): domains.append(suffix)
            case .exact(let name):
                if HostName.isIPLiteral(name) {
                    throw CAError("--name-constraint \(text): not a DNS domain or IP address block (e.g. example.com, 10.0.0.0/8)")
                }
                domains.append(name)
            }
        }
        guard !domains.isEmpty || !blocks.isEmpty else {
            throw CAError("--name-constraint: give at least one domain (e.g. amazonaws.com)")
        }
        return forCA(domains: domains, ipBlocks: blocks)
    }

    // MARK: - Matching

    /// Whether a leaf naming `host` (a DNS name or an IP literal) verifies under these constraints.
    public func permits(host: String) -> Bool {
        let name = HostName.normalize(host)
        if let address = IPAddress(parsing: name) {
            if excludedIP.contains(where: { $0.contains(address) && $0.network.isIPv4 == address.isIPv4 }) { return false }
            return permittedIP.isEmpty || permittedIP.contains { $0.network.isIPv4 == address.isIPv4 && $0.contains(address) }
        }
        if excludedDNS.contains(where: { Self.dnsName(name, isIn: $0) }) { return false }
        return permittedDNS.isEmpty || permittedDNS.contains { Self.dnsName(name, isIn: $0) }
    }

    /// Whether every name `pattern` matches would verify: `*.suffix` needs `suffix` inside a
    /// permitted DNS subtree (and none of its names excluded); an exact name is checked itself.
    public func covers(_ pattern: HostPattern) -> Bool {
        switch pattern.kind {
        case .exact(let name):
            return permits(host: name)
        case .suffix(let suffix):
            // Some name below `suffix` could fall in an excluded subtree below it: only a
            // subtree above (or equal to) the suffix is certain either way.
            if excludedDNS.contains(where: { Self.dnsName(suffix, isIn: $0) || Self.dnsName($0, isIn: suffix) }) { return false }
            return permittedDNS.isEmpty || permittedDNS.contains { Self.dnsName("x." + suffix, isIn: $0) }
        }
    }

    /// OpenSSL's DNS subtree rule (`nc_dns`): `base` matches itself and names ending in `.base`;
    /// a base with a leading dot matches only names ending in it. Empty matches everything.
    static func dnsName(_ name: String, isIn base: String) -> Bool {
        if base.isEmpty { return true }
        let n = Array(name.utf8), b = Array(base.utf8)
        guard n.count >= b.count else { return false }
        if n.count > b.count, b.first != 0x2E, n[n.count - b.count - 1] != 0x2E { return false }
        return zip(n[(n.count - b.count)...], b).allSatisfy { lower($0) == lower($1) }
    }

    private static func lower(_ byte: UInt8) -> UInt8 { byte &- 0x41 < 26 ? byte | 0x20 : byte }

    // MARK: - Text

    /// One line per kind, for `ca show` and error messages: `permitted DNS: a, b`.
    public var lines: [String] {
        var out: [String] = []
        if !permittedDNS.isEmpty { out.append("permitted DNS: " + permittedDNS.joined(separator: ", ")) }
        if !excludedDNS.isEmpty { out.append("excluded DNS: " + excludedDNS.joined(separator: ", ")) }
        if !permittedIP.isEmpty { out.append("permitted IP: " + permittedIP.map(\.description).joined(separator: ", ")) }
        if !excludedIP.isEmpty { out.append("excluded IP: " + excludedIP.map(\.description).joined(separator: ", ")) }
        if out.isEmpty { out.append("none (the CA can sign for any name)") }
        return out
    }

    /// The OpenSSL configuration value of the (critical) nameConstraints extension.
    var extensionValue: String {
        var items = ["critical"]
        items += permittedDNS.map { "permitted;DNS:\($0)" }
        items += excludedDNS.map { "excluded;DNS:\($0)" }
        items += permittedIP.map { "permitted;IP:\(Self.addressAndMask($0))" }
        items += excludedIP.map { "excluded;IP:\(Self.addressAndMask($0))" }
        return items.joined(separator: ",")
    }

    /// `10.0.0.0/255.0.0.0`, `::/::`: the form OpenSSL's configuration parser wants.
    private static func addressAndMask(_ block: CIDR) -> String {
        let count = block.network.isIPv4 ? 4 : 16
        var mask = [UInt8](repeating: 0, count: count)
        for index in 0..<count {
            let bits = max(0, min(8, block.prefixLength - index * 8))
            mask[index] = bits == 8 ? 0xFF : UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
        }
        let maskText = IPAddress(bytes: mask).map(\.description) ?? ""
        return "\(block.network)/\(maskText)"
    }
}
