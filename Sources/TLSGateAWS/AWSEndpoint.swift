/// What the endpoint catalog knows about one AWS host name.
public struct AWSEndpoint: Sendable, Equatable {
    /// The catalogued host name that matched (for an S3 virtual host, the name without the bucket).
    public var host: String
    /// botocore partition id: `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, ...
    public var partition: String
    /// The endpoint prefix (botocore's service key): `s3`, `dynamodb`, `api.ecr`, `data.iot`.
    public var service: String
    /// The real region, also for pseudo-regions (`fips-us-east-1`) and global endpoints
    /// (`iam.amazonaws.com` signs in `us-east-1`).
    public var region: String
    /// The host is a FIPS endpoint: the hostname of a fips-tagged variant or of a FIPS pseudo-region.
    /// GovCloud hosts without "fips" in the name can be FIPS.
    public var isFIPS: Bool
    /// The host is a dual-stack (IPv4 + IPv6) variant.
    public var isDualstack: Bool
    /// The region is not part of the host name (`s3.amazonaws.com`, `iam.amazonaws.com`).
    public var isGlobal: Bool
    /// For a non-FIPS host, the FIPS host of the same service and region when the catalog has one
    /// (for an S3 virtual host, with the bucket prepended).
    public var fipsAlternative: String?
    /// The SigV4 signing names requests to this endpoint use (`[service]` unless they differ:
    /// `api.ecr` signs as `ecr`, `email` as `ses`, `s3-control` as `s3`).
    public var signingNames: [String]
    /// The bucket of an S3 virtual-hosted-style name (`bucket.s3.us-east-1.amazonaws.com`), else nil.
    public var virtualHostBucket: String?

    public init(
        host: String, partition: String, service: String, region: String,
        isFIPS: Bool, isDualstack: Bool, isGlobal: Bool = false, fipsAlternative: String? = nil,
        signingNames: [String]? = nil, virtualHostBucket: String? = nil
    ) {
        self.host = host
        self.partition = partition
        self.service = service
        self.region = region
        self.isFIPS = isFIPS
        self.isDualstack = isDualstack
        self.isGlobal = isGlobal
        self.fipsAlternative = fipsAlternative
        self.signingNames = signingNames ?? [service]
        self.virtualHostBucket = virtualHostBucket
    }

    /// The signing name to report: the first of `signingNames`.
    public var signingName: String { signingNames.first ?? service }
}
