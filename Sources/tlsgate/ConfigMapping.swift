import Glibc
import TLSGateCA
import TLSGateConfig
import TLSGateProxy
import TLSGateTLS

/// Turns the configuration file's model into what the proxy and the TLS layer take.
enum ConfigMapping {
    struct MissingFile: Error, CustomStringConvertible {
        let description: String
    }

    static func tlsConfiguration(_ config: TLSGateConfig, configPath: String) throws(MissingFile) -> TLSClientConfiguration {
        let trust: TLSClientConfiguration.TrustStore
        switch config.tls.caBundle {
        case .system: trust = .system
        case .file(let path): trust = .file(path)
        case .amazon:
            guard let path = SharedFiles.amazonRoots(configPath: configPath) else {
                throw MissingFile(description: "tls.ca_bundle: amazon: amazon-roots.pem not found next to the configuration, in ../certs, /etc/tlsgate or /usr/share/tlsgate")
            }
            trust = .file(path)
        }
        if config.policy.fips != .off {
            return .fips(minimumVersion: minimumVersion(config), trustStore: trust)
        }
        return TLSClientConfiguration(minimumVersion: minimumVersion(config), trustStore: trust)
    }

    /// Connections the descriptor limit can carry: two sockets each (client, upstream), with a
    /// margin for listeners, pipes, write watchers and the runtime's own files.
    static var descriptorBudget: Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return Int.max }
        let available = Int(min(limit.rlim_cur, UInt(Int.max)))
        return max(16, (available - 256) / 2)
    }

    /// `intercept`: the CA loaded and checked, the issuer made; nil when `intercept.enabled` is
    /// false. `previous`'s issuer (and its leaf cache) is kept when the CA and leaf settings are
    /// unchanged (a reload).
    static func interceptSetup(_ config: TLSGateConfig, configPath: String,
                               previous: InterceptSetup? = nil) throws(CAError) -> InterceptSetup? {
        let settings = config.intercept
        guard settings.enabled else { return nil }
        return try InterceptSetup.build(
            certificatePath: settings.caCert, keyPath: settings.caKey,
            hosts: settings.hosts ?? config.policy.allowHosts.patterns,
            hostsSource: settings.hosts == nil ? "policy.allow_hosts (intercept.hosts defaults to it)" : "intercept.hosts",
            leafValidity: settings.leafValidity, maxCachedLeaves: settings.maxCachedLeaves,
            configPath: configPath, reusing: previous?.issuer)
    }

    static func minimumVersion(_ config: TLSGateConfig) -> TLSProtocolVersion {
        config.tls.minVersion == .tls13 ? .tls13 : .tls12
    }

    static func proxySettings(_ config: TLSGateConfig) -> ProxySettings {
        var settings = proxySettingsBase(config)
        settings.interceptHTTP2 = config.intercept.http2
        settings.upstreamHTTP2 = config.upstream.http2 == .auto
        return settings
    }

    private static func proxySettingsBase(_ config: TLSGateConfig) -> ProxySettings {
        ProxySettings(
            policy: config.policy,
            overrides: config.upstream.resolve,
            minimumTLS: minimumVersion(config),
            connectTimeout: config.upstream.connectTimeout,
            handshakeTimeout: config.upstream.handshakeTimeout,
            requestHeadTimeout: config.timeouts.requestHead,
            idleTimeout: config.timeouts.idle,
            clientHelloTimeout: config.timeouts.clientHello,
            tunnelIdleTimeout: config.timeouts.tunnelIdle,
            maxRequestHeadBytes: config.limits.maxRequestHeadBytes,
            maxConnections: min(config.limits.maxConnections, descriptorBudget),
            maxConnectionsPerClient: config.limits.maxConnectionsPerClient,
            maxUpstreamPerHost: config.limits.maxUpstreamPerHost,
            allowClients: config.allowClients,
            tunnelRelay: config.tunnelRelay
        )
    }
}
