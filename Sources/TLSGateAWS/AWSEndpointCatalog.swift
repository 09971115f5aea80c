import TLSGatePolicy

/// One AWS partition's DNS suffixes, as catalogued.
public struct AWSPartition: Sendable, Equatable {
    /// botocore partition id: `aws`, `aws-cn`, `aws-us-gov`, ...
    public var id: String
    /// The partition's main DNS suffix (`amazonaws.com`, `amazonaws.com.cn`).
    public var dnsSuffix: String
    /// Every suffix the partition's host names use, longest first (`api.aws` for dual-stack).
    public var suffixes: [String]

    public init(id: String, dnsSuffix: String, suffixes: [String]) {
        self.id = id
        self.dnsSuffix = dnsSuffix
        self.suffixes = suffixes
    }
}

/// AWS endpoint host names generated from botocore's endpoint data (config/aws-endpoints.json):
/// which service, region and partition a host name belongs to, and whether it is a FIPS endpoint.
/// Immutable after loading; lookups are a dictionary probe, plus one probe per `s3`-prefixed label
/// for S3 virtual-hosted-style names.
public final class AWSEndpointCatalog: Sendable {
    let endpoints: [String: AWSEndpoint]
    /// Every partition DNS suffix, unique, longest first, each with a leading dot (for matching).
    let dottedSuffixes: [[UInt8]]

    /// The partitions and their DNS suffixes, in catalog order.
    public let partitions: [AWSPartition]
    /// Every partition DNS suffix, unique, longest first.
    public let partitionSuffixes: [String]
    /// The generation date recorded in the catalog (YYYY-MM-DD).
    public let generated: String
    /// The botocore version the catalog was generated from.
    public let botocoreVersion: String

    /// Builds a catalog from endpoints keyed by their `host` (a later duplicate replaces an earlier one).
    public convenience init(endpoints: [AWSEndpoint], partitions: [AWSPartition], generated: String, botocoreVersion: String) {
        var map: [String: AWSEndpoint] = [:]
        map.reserveCapacity(endpoints.count)
        for endpoint in endpoints { map[HostName.normalize(endpoint.host)] = endpoint }
        self.init(map: map, partitions: partitions, generated: generated, botocoreVersion: botocoreVersion)
    }

    /// `map` keys must be normalized host names.
    init(map: [String: AWSEndpoint], partitions: [AWSPartition], generated: String, botocoreVersion: String) {
        self.endpoints = map
        self.partitions = partitions
        var seen = Set<String>()
        var suffixes: [String] = []
        for partition in partitions {
            for suffix in partition.suffixes + [partition.dnsSuffix] where !suffix.isEmpty && seen.insert(suffix).inserted {
                suffixes.append(suffix)
            }
        }
        suffixes.sort { $0.utf8.count != $1.utf8.count ? $0.utf8.count > $1.utf8.count : $0 < $1 }
        self.partitionSuffixes = suffixes
        self.dottedSuffixes = suffixes.map { [0x2E] + Array($0.utf8) }
        self.generated = generated
        self.botocoreVersion = botocoreVersion
    }

    /// The number of catalogued host names.
    public var hostCount: Int { endpoints.count }

    /// The endpoint `host` names, or nil. `host` may be in any case and end with a dot. S3
    /// virtual-hosted-style names (`bucket.s3.us-east-1.amazonaws.com`, dotted bucket names too)
    /// resolve to their S3 endpoint with `virtualHostBucket` set. Access points, S3 Express and
    /// `s3-control` account-id prefixes are not resolved.
    public func lookup(_ host: String) -> AWSEndpoint? {
        let name = HostName.normalize(host)
        if let endpoint = endpoints[name] { return endpoint }
        return virtualHostedS3(name)
    }

    /// True when `host` is one of the partitions' DNS suffixes or a name under one.
    public func isAWSDomain(_ host: String) -> Bool {
        let name = HostName.normalize(host)
        let utf8 = name.utf8
        for dotted in dottedSuffixes {
            if utf8.count >= dotted.count, utf8.suffix(dotted.count).elementsEqual(dotted) { return true }
            if utf8.count == dotted.count - 1, utf8.elementsEqual(dotted.dropFirst()) { return true }
        }
        return false
    }

    /// The FIPS verdict on `host`: a catalogued FIPS endpoint, a catalogued non-FIPS endpoint (with
    /// its FIPS alternative), an AWS name the catalog does not list, or not AWS at all.
    public func fipsFinding(for host: String) -> FIPSFinding {
        if let endpoint = lookup(host) {
            return endpoint.isFIPS ? .fipsEndpoint(endpoint) : .nonFIPS(endpoint, alternative: endpoint.fipsAlternative)
        }
        return isAWSDomain(host) ? .unknownAWSHost : .notAWS
    }

    /// `bucket.<s3 endpoint>`: tries the name after each dot that starts an `s3` label.
    private func virtualHostedS3(_ name: String) -> AWSEndpoint? {
        let utf8 = name.utf8
        guard utf8.count <= 253 else { return nil }
        var previousWasDot = true  // a bucket label may not be empty
        var index = utf8.startIndex
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == 0x2E {
                if previousWasDot { return nil }  // empty label
                let next = utf8.index(after: index)
                if startsWithS3(utf8[next...]) {
                    let base = String(name[next...])
                    if let endpoint = endpoints[base], endpoint.service == "s3" {
                        let bucket = String(name[..<index])
                        var resolved = endpoint
                        resolved.virtualHostBucket = bucket
                        resolved.fipsAlternative = endpoint.fipsAlternative.map { bucket + "." + $0 }
                        return resolved
                    }
                }
                previousWasDot = true
            } else {
                previousWasDot = false
            }
            index = utf8.index(after: index)
        }
        return nil
    }

    @inline(__always)
    private func startsWithS3(_ bytes: Substring.UTF8View) -> Bool {
        var iterator = bytes.makeIterator()
        return iterator.next() == 0x73 && iterator.next() == 0x33  // "s3"
    }
}
