import TLSGateAudit
import TLSGatePolicy

/// What the policy and the AWS endpoint catalog say about one upstream host under one
/// environment (configuration generation), plus the host's slot counter.
///
/// All of it depends only on the host name and the environment, so a connection computes it
/// once per host and keeps it: keep-alive clients send request after request to the same host,
/// and each of them would otherwise repeat the allowlist match, the catalog lookup and the
/// slot-table lookup. A reload makes a new environment, so the next request computes it again.
/// Shared by the sessions of one event loop (see `HostVerdictCache`); used on that loop only.
final class HostVerdict {
    let host: String
    /// Held strongly and compared by identity (see `UpstreamPool.Key` for why not an id).
    let environment: ProxyEnvironment
    let aws: AWSDestination
    /// `aws.auditFields`, made once.
    let awsFields: [(String, AuditValue)]
    /// `aws.fipsViolation`, made once.
    let fipsViolation: (code: ViolationCode, reason: String)?
    /// `.hostNotAllowed` when `policy.allow_hosts` does not match the host.
    let hostViolation: ViolationCode?
    /// The host's counter for `limits.max_upstream_per_host`.
    let slots: HostSlots

    init(host: String, environment: ProxyEnvironment) {
        self.host = host
        self.environment = environment
        aws = environment.awsDestination(host)
        awsFields = aws.auditFields
        fipsViolation = aws.fipsViolation
        hostViolation = environment.settings.policy.checkHost(host)
        slots = environment.upstreamSlots.counter(host)
    }

    /// The last pool key made, for `poolKey(port:)`.
    private var lastPoolKey: UpstreamPool.Key?

    /// The upstream pool key for this host on `port` (kept for the last port asked, so the host
    /// name is hashed once per verdict rather than per request). Call on the verdict's loop.
    func poolKey(port: Int) -> UpstreamPool.Key {
        if let key = lastPoolKey, key.port == port { return key }
        let key = UpstreamPool.Key(host: host, port: port, environment: environment)
        lastPoolKey = key
        return key
    }

    /// Whether this verdict holds for `host` under `environment`.
    @inline(__always)
    func applies(to host: String, under environment: ProxyEnvironment) -> Bool {
        self.environment === environment && self.host == host
    }
}
