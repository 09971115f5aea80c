/// The FIPS verdict on a host name, for enforcement and the audit.
public enum FIPSFinding: Sendable, Equatable {
    /// A catalogued FIPS endpoint.
    case fipsEndpoint(AWSEndpoint)
    /// A catalogued endpoint that is not FIPS; `alternative` is its FIPS counterpart when one exists.
    case nonFIPS(AWSEndpoint, alternative: String?)
    /// Under an AWS partition DNS suffix but not in the catalog: a name an SDK synthesized from a
    /// template (`s3-fips.ap-southeast-1.amazonaws.com`), a resource name (access points, S3
    /// Express), or an endpoint newer than the catalog.
    case unknownAWSHost
    /// Not under any AWS partition DNS suffix.
    case notAWS

    /// The catalogued endpoint, when there is one.
    public var endpoint: AWSEndpoint? {
        switch self {
        case .fipsEndpoint(let endpoint), .nonFIPS(let endpoint, _): return endpoint
        case .unknownAWSHost, .notAWS: return nil
        }
    }

    /// A short stable label for logs: `fips`, `non_fips`, `unknown_aws_host`, `not_aws`.
    public var label: String {
        switch self {
        case .fipsEndpoint: return "fips"
        case .nonFIPS: return "non_fips"
        case .unknownAWSHost: return "unknown_aws_host"
        case .notAWS: return "not_aws"
        }
    }
}
