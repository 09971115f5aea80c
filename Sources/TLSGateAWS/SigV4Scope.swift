/// The credential scope of an AWS Signature Version 4 request (`AKID/20261129/us-east-1/s3/aws4_request`):
/// which key, day, region and service the request was signed for. Never holds the signature.
public struct SigV4Scope: Sendable, Equatable {
    /// The access key id (an identifier, not a secret).
    public var accessKeyId: String
    /// The signing day, `YYYYMMDD`.
    public var date: String
    /// The region the request was signed for.
    public var region: String
    /// The service signing name the request was signed for.
    public var service: String

    public init(accessKeyId: String, date: String, region: String, service: String) {
        self.accessKeyId = accessKeyId
        self.date = date
        self.region = region
        self.service = service
    }

    /// Longest header or query value looked at; longer input is not parsed.
    static let maxInput = 8192

    /// The scope of an `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`
    /// header value, or nil when it is not one (other schemes, SigV4a, malformed scopes).
    public static func parse(authorization: String) -> SigV4Scope? {
        let bytes = Array(authorization.utf8.prefix(maxInput + 1))
        guard bytes.count <= maxInput else { return nil }
        let scheme = Array("AWS4-HMAC-SHA256".utf8)
        guard bytes.count > scheme.count, bytes.starts(with: scheme),
              bytes[scheme.count] == 0x20 || bytes[scheme.count] == 0x09 else { return nil }
        // Parameters: name=value separated by commas and optional whitespace.
        let key = Array("Credential=".utf8)
        var index = scheme.count
        while index < bytes.count {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x2C {
                index += 1
            }
            var end = index
            while end < bytes.count, bytes[end] != 0x2C { end += 1 }
            var valueEnd = end
            while valueEnd > index, bytes[valueEnd - 1] == 0x20 || bytes[valueEnd - 1] == 0x09 { valueEnd -= 1 }
            if valueEnd - index > key.count, bytes[index..<(index + key.count)].elementsEqual(key) {
                return parse(credential: bytes[(index + key.count)..<valueEnd])
            }
            index = end
        }
        return nil
    }

    /// The scope of an `X-Amz-Credential` query parameter value as it appears in the query string
    /// (percent-encoded: `AKID%2F20261129%2Fus-east-1%2Fs3%2Faws4_request`); unencoded works too.
    public static func parse(credentialQueryValue: String) -> SigV4Scope? {
        parse(encodedCredential: credentialQueryValue.utf8)
    }

    /// Percent-decodes, then parses a credential.
    static func parse<C: Collection>(encodedCredential raw: C) -> SigV4Scope? where C.Element == UInt8 {
        guard raw.count <= maxInput else { return nil }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(raw.count)
        var iterator = raw.makeIterator()
        while let byte = iterator.next() {
            guard byte == 0x25 else { decoded.append(byte); continue }  // '%'
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                return nil
            }
            decoded.append(high << 4 | low)
        }
        return parse(credential: decoded[...])
    }

    /// The scope of a presigned URL: its `X-Amz-Algorithm=AWS4-HMAC-SHA256` and `X-Amz-Credential`
    /// query parameters. `pathAndQuery` is a request target (`/key?X-Amz-Credential=...`).
    public static func parse(pathAndQuery: String) -> SigV4Scope? {
        // Most requests have no query at all: skip splitting the target (checked on every request).
        guard pathAndQuery.utf8.contains(0x3F) else { return nil }
        let query = RequestTarget(pathAndQuery).query
        guard let algorithm = query.value(of: "X-Amz-Algorithm"), algorithm == "AWS4-HMAC-SHA256",
              let credential = query.value(of: "X-Amz-Credential") else { return nil }
        return parse(encodedCredential: credential.utf8)
    }

    /// `AKID/YYYYMMDD/region/service/aws4_request`
    static func parse(credential: ArraySlice<UInt8>) -> SigV4Scope? {
        let parts = credential.split(separator: 0x2F, maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[4].elementsEqual("aws4_request".utf8) else { return nil }
        let akid = parts[0], date = parts[1], region = parts[2], service = parts[3]
        guard (1...128).contains(akid.count), akid.allSatisfy(isAlphanumeric),
              date.count == 8, date.allSatisfy({ $0 &- 0x30 < 10 }),
              (1...64).contains(region.count), region.allSatisfy({ isAlphanumeric($0) || $0 == 0x2D }),
              (1...64).contains(service.count),
              service.allSatisfy({ isAlphanumeric($0) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E })
        else { return nil }
        return SigV4Scope(
            accessKeyId: String(decoding: akid, as: UTF8.self), date: String(decoding: date, as: UTF8.self),
            region: String(decoding: region, as: UTF8.self), service: String(decoding: service, as: UTF8.self))
    }

    /// Why this scope does not fit `endpoint`, or nil when it does: the request was signed for
    /// another region or another service than the host it goes to. Service names compare with
    /// the endpoint's signing names (`api.ecr` signs as `ecr`); global endpoints sign in their
    /// catalogued region (`iam.amazonaws.com`: `us-east-1`), except S3's global names
    /// (`s3.amazonaws.com`), which take the bucket's region.
    public func mismatch(with endpoint: AWSEndpoint) -> String? {
        var reasons: [String] = []
        if !endpoint.signingNames.contains(service) {
            let expected = endpoint.signingNames.joined(separator: " or ")
            reasons.append("signed for service \(service), but \(endpoint.host) is \(endpoint.service) (signing name \(expected))")
        }
        if region != endpoint.region, !(endpoint.isGlobal && endpoint.service == "s3") {
            reasons.append("signed for region \(region), but \(endpoint.host) is in \(endpoint.region)")
        }
        return reasons.isEmpty ? nil : reasons.joined(separator: "; ")
    }
}

@inline(__always)
func isAlphanumeric(_ byte: UInt8) -> Bool {
    (byte | 0x20) &- 0x61 < 26 || byte &- 0x30 < 10
}

@inline(__always)
func hexValue(_ byte: UInt8) -> UInt8? {
    if byte &- 0x30 < 10 { return byte - 0x30 }
    let lower = byte | 0x20
    if lower &- 0x61 < 6 { return lower - 0x61 + 10 }
    return nil
}
