/// Address classes for `policy.deny_private_addresses`.
extension IPAddress {
    /// True for addresses an egress proxy must not reach: unspecified, loopback, RFC 1918,
    /// link-local (incl. cloud metadata), CGNAT, IETF protocol assignments, benchmarking,
    /// multicast, reserved and broadcast; for IPv6 also ULA, link-local, site-local, multicast,
    /// IPv4-compatible, discard-only, and IPv4-mapped / NAT64 / 6to4 addresses whose embedded
    /// IPv4 address is private.
    public var isPrivateOrSpecial: Bool {
        switch self {
        case .v4(let value):
            return Self.isPrivateOrSpecialV4(value)
        case .v6:
            let b = bytes
            if let embedded = embeddedIPv4 { return Self.isPrivateOrSpecialV4(embedded) }
            // ::/96 (unspecified, loopback, deprecated IPv4-compatible) and 100::/64 discard-only.
            if b[0..<12].allSatisfy({ $0 == 0 }) { return true }
            if b[0] == 0x01, b[1] == 0x00, b[2..<8].allSatisfy({ $0 == 0 }) { return true }
            if b[0] & 0xFE == 0xFC { return true }  // fc00::/7 unique local (incl. fd00:ec2::254)
            if b[0] == 0xFE, b[1] & 0xC0 == 0x80 { return true }  // fe80::/10 link-local
            if b[0] == 0xFE, b[1] & 0xC0 == 0xC0 { return true }  // fec0::/10 site-local (deprecated)
            if b[0] == 0xFF { return true }  // ff00::/8 multicast
            return false
        }
    }

    /// True for the cloud instance metadata services: 169.254.169.254 (EC2 IMDS),
    /// 169.254.170.2 (ECS task metadata), 169.254.170.23 (EKS pod identity), fd00:ec2::254
    /// and fd00:ec2::23, also when embedded in an IPv4-mapped or NAT64 IPv6 address.
    public var isMetadata: Bool {
        switch self {
        case .v4(let value):
            return Self.metadataV4.contains(value)
        case .v6:
            if let embedded = embeddedIPv4 { return Self.metadataV4.contains(embedded) }
            let b = bytes
            // fd00:ec2::/96 prefix then ::254 / ::23 in the last hextet.
            let prefix: [UInt8] = [0xFD, 0x00, 0x0E, 0xC2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
            guard b[0..<14].elementsEqual(prefix) else { return false }
            return (b[14] == 0x02 && b[15] == 0x54) || (b[14] == 0x00 && b[15] == 0x23)
        }
    }

    /// The IPv4 address embedded in an IPv4-mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96 and
    /// local-use 64:ff9b:1::/48) or 6to4 (2002::/16) IPv6 address; nil otherwise or for IPv4.
    public var embeddedIPv4: UInt32? {
        guard case .v6 = self else { return nil }
        let b = bytes
        func v4(_ i: Int) -> UInt32 {
            UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
        }
        if b[0..<10].allSatisfy({ $0 == 0 }), b[10] == 0xFF, b[11] == 0xFF { return v4(12) }
        if b[0] == 0x00, b[1] == 0x64, b[2] == 0xFF, b[3] == 0x9B {
            if b[4..<12].allSatisfy({ $0 == 0 }) { return v4(12) }  // 64:ff9b::/96
            if b[4] == 0x00, b[5] == 0x01 { return v4(12) }  // 64:ff9b:1::/48
        }
        if b[0] == 0x20, b[1] == 0x02 { return v4(2) }  // 2002:AABB:CCDD::/48
        return nil
    }

    private static let metadataV4: [UInt32] = [0xA9FE_A9FE, 0xA9FE_AA02, 0xA9FE_AA17]

    /// (network, prefix length) pairs of IPv4 blocks that are never a public endpoint.
    private static let specialV4: [(UInt32, UInt32)] = [
        (0x0000_0000, 8),   // 0.0.0.0/8 "this network"
        (0x7F00_0000, 8),   // 127.0.0.0/8 loopback
        (0x0A00_0000, 8),   // 10.0.0.0/8
        (0xAC10_0000, 12),  // 172.16.0.0/12
        (0xC0A8_0000, 16),  // 192.168.0.0/16
        (0xA9FE_0000, 16),  // 169.254.0.0/16 link-local, metadata
        (0x6440_0000, 10),  // 100.64.0.0/10 CGNAT
        (0xC000_0000, 24),  // 192.0.0.0/24 IETF protocol assignments
        (0xC612_0000, 15),  // 198.18.0.0/15 benchmarking
        (0xE000_0000, 4),   // 224.0.0.0/4 multicast
        (0xF000_0000, 4),   // 240.0.0.0/4 reserved, incl. 255.255.255.255
    ]

    private static func isPrivateOrSpecialV4(_ value: UInt32) -> Bool {
        for (network, length) in specialV4 {
            let mask: UInt32 = ~0 << (32 - length)
            if value & mask == network { return true }
        }
        return false
    }
}
