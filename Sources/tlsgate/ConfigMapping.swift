import Glibc
import TLSGateCA
import TLSGateConfig
import TLSGateEgress
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
        case .amazon: trust = BuiltInData.amazonRoots
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

    /// The parent proxy with its credentials read (file or environment); errors never hold a password.
    static func parentRoute(_ config: TLSGateConfig) throws(MissingFile) -> ParentRoute? {
        guard let proxy = config.upstream.proxy else { return nil }
        guard let source = proxy.credentials else { return ParentRoute(host: proxy.host, port: proxy.port) }
        do {
            let credentials = try source.load()
            return ParentRoute(host: proxy.host, port: proxy.port, user: credentials.user, password: credentials.password)
        } catch {
            throw MissingFile(description: error.message)
        }
    }

    /// The proxy's settings, the parent proxy's credentials included (read now).
    static func proxySettings(_ config: TLSGateConfig) throws(MissingFile) -> ProxySettings {
        var settings = baseProxySettings(config)
        settings.parent = try parentRoute(config)
        settings.noProxy = config.upstream.noProxy
        settings.interceptHTTP2 = config.intercept.http2
        settings.upstreamHTTP2 = config.upstream.http2 == .auto
        return settings
    }

    private static func baseProxySettings(_ config: TLSGateConfig) -> ProxySettings {
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

// MARK: - Audit evidence

import TLSGateAudit
import TLSGateEvidence

extension ConfigMapping {
    /// `audit.format` as the writer takes it.
    static func auditFormat(_ config: TLSGateConfig) -> AuditLineFormat {
        AuditLineFormat(rawValue: config.audit.format.rawValue) ?? .tlsgate
    }

    /// `audit.instance`, `audit.checkpoint_interval`, `audit.signing_key` as the writer takes them.
    static func auditSealing(_ config: TLSGateConfig) throws(TLSError) -> AuditSealing {
        let signer = try config.audit.signingKey.map { path throws(TLSError) in try CheckpointSigner(pemFile: path) }
        return AuditSealing(instance: config.audit.instance ?? AuditSealing.hostName(),
                            checkpointInterval: config.audit.checkpointInterval, signer: signer)
    }
}
