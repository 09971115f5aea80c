import TLSGateAWS
import TLSGateAudit
import TLSGateHTTP
import TLSGatePolicy

/// What tlsgate knows about an AWS destination: the endpoint (from the catalog) and the FIPS
/// finding when `policy.fips` is on.
struct AWSDestination {
    let endpoint: AWSEndpoint?
    let finding: FIPSFinding?

    /// The FIPS violation for this destination, with a reason that names the fix.
    var fipsViolation: (code: ViolationCode, reason: String)? {
        guard let finding else { return nil }
        switch finding {
        case .fipsEndpoint, .notAWS:
            return nil
        case .nonFIPS(let endpoint, let alternative):
            guard let alternative else { return nil }   // no FIPS endpoint exists for it: nothing better to use
            return (.nonFIPSEndpoint, "\(endpoint.host) is not a FIPS endpoint: use \(alternative)")
        case .unknownAWSHost:
            return (.unknownAWSEndpoint, "not a known AWS endpoint (the endpoint catalog has no such host; FIPS host names built from templates may not exist)")
        }
    }

    /// `aws_partition`, `aws_service`, `aws_region`, `fips_endpoint` for the audit line.
    var auditFields: [(String, AuditValue)] {
        guard let endpoint else { return [] }
        return [("aws_partition", .string(endpoint.partition)), ("aws_service", .string(endpoint.service)),
                ("aws_region", .string(endpoint.region)), ("fips_endpoint", .bool(endpoint.isFIPS))]
    }
}

extension ProxyEnvironment {
    /// Looks `host` up in the catalog; the FIPS finding only when `policy.fips` is on.
    func awsDestination(_ host: String) -> AWSDestination {
        guard let catalog else { return AWSDestination(endpoint: nil, finding: nil) }
        if settings.policy.fips == .off {
            return AWSDestination(endpoint: catalog.lookup(host), finding: nil)
        }
        let finding = catalog.fipsFinding(for: host)
        return AWSDestination(endpoint: finding.endpoint ?? catalog.lookup(host), finding: finding)
    }
}

/// The signed-request facts of a forward request: operation and SigV4 scope (never the signature).
enum AWSRequestFacts {
    /// The credential scope from `Authorization`, or from a presigned URL's `X-Amz-Credential`.
    static func scope(head: HTTPRequestHead, uri: AbsoluteURI) -> SigV4Scope? {
        if let authorization = head.headers.first("authorization"), let parsed = SigV4Scope.parse(authorization: authorization) {
            return parsed
        }
        return SigV4Scope.parse(pathAndQuery: uri.pathAndQuery)
    }

    /// `aws_operation`, `sigv4_scope` and `aws_access_key_id` for the audit line.
    /// None without an endpoint or a signature (the usual case for non-AWS hosts): checked with
    /// `case .none`, which does not copy the optionals out of the exchange as `!= nil` does.
    static func auditFields(_ ex: ForwardExchange) -> [(String, AuditValue)] {
        if case .none = ex.awsEndpoint, case .none = ex.sigv4 { return [] }
        var fields: [(String, AuditValue)] = []
        let headers = ex.head.headers
        if let operation = AWSOperation.infer(method: ex.head.method, pathAndQuery: ex.uri.pathAndQuery,
                                              headers: { headers.first($0) },
                                              bodyPrefix: ex.bodyIsChunked ? ex.bodyPrefix.map(ChunkedPrefix.decode) : ex.bodyPrefix,
                                              endpoint: ex.awsEndpoint) {
            fields.append(("aws_operation", .string(operation)))
        }
        if let scope = ex.sigv4 {
            fields.append(("sigv4_scope", .string("\(scope.service)/\(scope.region)")))
            fields.append(("aws_access_key_id", .string(scope.accessKeyId)))
        }
        return fields
    }
}
