/// The `policy` section: which hosts, ports and addresses traffic may reach.
/// The checks return the violation, if any; what to do with it depends on `mode`.
public struct EgressPolicy: Sendable, Equatable {
    /// Refuse (enforce) or only audit (report) violations.
    public var mode: PolicyMode
    /// Hosts that may be reached.
    public var allowHosts: HostAllowlist
    /// Ports a CONNECT may reach.
    public var connectPorts: Set<Int>
    /// Refuse private / special addresses (after DNS), except override targets.
    public var denyPrivateAddresses: Bool
    /// `policy.fips`: off, audit (report) or require (refuse non-FIPS AWS endpoints).
    public var fips: FIPSMode

    public init(mode: PolicyMode = .enforce,
                allowHosts: HostAllowlist = .awsDefault,
                connectPorts: Set<Int> = [443],
                denyPrivateAddresses: Bool = true,
                fips: FIPSMode = .off) {
        self.mode = mode
        self.fips = fips
        self.allowHosts = allowHosts
        self.connectPorts = connectPorts
        self.denyPrivateAddresses = denyPrivateAddresses
    }

    /// enforce, the AWS domains, port 443, private addresses denied.
    public static let `default` = EgressPolicy()

    /// `.hostNotAllowed` unless `host` matches `allowHosts`.
    public func checkHost(_ host: String) -> ViolationCode? {
        allowHosts.allows(host) ? nil : .hostNotAllowed
    }

    /// `.portNotAllowed` unless `port` is in `connectPorts`.
    public func checkConnectPort(_ port: Int) -> ViolationCode? {
        connectPorts.contains(port) ? nil : .portNotAllowed
    }

    /// `.privateAddress` when private addresses are denied and `ip` is private or special.
    /// Addresses reached through an `upstream.resolve` override are trusted (`viaOverride`).
    public func checkAddress(_ ip: IPAddress, viaOverride: Bool) -> ViolationCode? {
        guard denyPrivateAddresses, !viaOverride else { return nil }
        return ip.isPrivateOrSpecial ? .privateAddress : nil
    }
}
