import Foundation
import TLSGateData
import TLSGatePolicy

// Loading config/aws-endpoints.json (written by config/generate-aws-endpoints.py), built in or from
// `aws.endpoints`. Start-up only: the only place this module uses Foundation.

extension AWSEndpointCatalog {
    /// The catalog format this version reads.
    public static let supportedFormat = 1

    /// The name errors give the built-in catalog.
    public static let builtInName = "built-in catalog"

    /// The catalog built into the executable (config/aws-endpoints.json at build time; see
    /// `EmbeddedData`). Parsing it takes some tens of milliseconds: load once and keep it.
    public static func builtIn() throws -> AWSEndpointCatalog {
        // No copy: the literal's bytes are read where the binary holds them.
        let bytes = EmbeddedData.bytes(EmbeddedData.awsEndpointsJSON)
        let data = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: bytes.baseAddress!), count: bytes.count, deallocator: .none)
        return try load(data: data, path: builtInName)
    }

    /// Loads and validates the catalog at `path`.
    public static func load(path: String) throws -> AWSEndpointCatalog {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw AWSCatalogError.unreadable(path: path, reason: error.localizedDescription)
        }
        return try load(data: data, path: path)
    }

    /// Parses catalog JSON; `path` only names the source in errors.
    public static func load(data: Data, path: String = "<data>") throws -> AWSEndpointCatalog {
        func malformed(_ reason: String) -> AWSCatalogError { .malformed(path: path, reason: reason) }
        // JSONSerialization: several times faster than JSONDecoder for this shape on Linux.
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw malformed("not JSON: \(error.localizedDescription)")
        }
        guard let root = object as? [String: Any] else { throw malformed("not a JSON object") }
        guard let format = root["format"] as? Int else { throw malformed("no \"format\"") }
        guard format == supportedFormat else {
            throw malformed("format \(format), this tlsgate reads format \(supportedFormat)")
        }
        guard let botocoreVersion = root["botocoreVersion"] as? String, let generated = root["generated"] as? String,
              let partitionList = root["partitions"] as? [Any], let signingMap = root["signing"] as? [String: Any],
              let hosts = root["hosts"] as? [String: Any]
        else { throw malformed("missing botocoreVersion, generated, partitions, signing or hosts") }

        var partitions: [AWSPartition] = []
        for entry in partitionList {
            guard let fields = entry as? [String: Any], let id = fields["id"] as? String,
                  let dnsSuffix = fields["dnsSuffix"] as? String, let suffixes = fields["suffixes"] as? [String]
            else { throw malformed("partition entry without id, dnsSuffix or suffixes") }
            partitions.append(AWSPartition(id: id, dnsSuffix: dnsSuffix, suffixes: suffixes))
        }
        var signing: [String: [String]] = [:]
        for (service, value) in signingMap {
            guard let names = value as? String else { throw malformed("signing names of \(service) not a string") }
            let list = names.split(separator: "|").map(String.init)
            if !list.isEmpty { signing[service] = list }
        }
        var endpoints: [String: AWSEndpoint] = [:]
        endpoints.reserveCapacity(hosts.count)
        for (host, value) in hosts {
            guard !host.isEmpty, HostName.normalize(host) == host else { throw malformed("host \"\(host)\" is not normalized") }
            guard let record = value as? [Any], (4...5).contains(record.count),
                  let partition = record[0] as? Int, let service = record[1] as? String,
                  let region = record[2] as? String, let flags = record[3] as? String
            else { throw malformed("host \(host): record is not [partition, service, region, flags, alternative?]") }
            guard partitions.indices.contains(partition) else { throw malformed("host \(host): no partition \(partition)") }
            let alternative = record.count == 5 ? record[4] as? String : nil
            var fips = false, dualstack = false, global = false
            for flag in flags.utf8 {
                switch flag {
                case UInt8(ascii: "f"): fips = true
                case UInt8(ascii: "d"): dualstack = true
                case UInt8(ascii: "g"): global = true
                default: throw malformed("host \(host): unknown flags \"\(flags)\"")
                }
            }
            endpoints[host] = AWSEndpoint(
                host: host, partition: partitions[partition].id, service: service, region: region,
                isFIPS: fips, isDualstack: dualstack, isGlobal: global, fipsAlternative: alternative,
                signingNames: signing[service])
        }
        return AWSEndpointCatalog(
            map: endpoints, partitions: partitions, generated: generated, botocoreVersion: botocoreVersion)
    }
}
