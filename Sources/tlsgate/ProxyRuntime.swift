import ArgumentParser
import Dispatch
import Glibc
import Logging
import TLSGateAWS
import TLSGateAdmin
import TLSGateAudit
import TLSGateCA
import TLSGateConfig
import TLSGateEvidence
import TLSGateIO
import TLSGateMetrics
import TLSGatePolicy
import TLSGateProxy
import TLSGateTLS

/// A running proxy: start-up, reload and shutdown. Kept out of top-level code on purpose:
/// Dispatch sources created in `main`-actor code trap when they fire.
final class ProxyRuntime: @unchecked Sendable {
    let configPath: String
    let listenOverride: String?
    let logger: Logger
    let audit: AuditLog
    private(set) var server: ProxyServer!
    let upstreamSlots: UpstreamSlots
    let metrics: ProxyMetrics
    private var admin: AdminServer?
    private var catalogCache: (path: String, stamp: String, catalog: AWSEndpointCatalog)?
    /// The intercept setup in force; a reload with the same CA keeps its issuer and leaf cache.
    private var intercept: InterceptSetup?
    private let control = DispatchQueue(label: "tlsgate.control")
    private var config: TLSGateConfig
    private var signalSources: [DispatchSourceSignal] = []
    private var shuttingDown = false

    struct StartupError: Error, CustomStringConvertible {
        let description: String
        let exitCode: Int32
    }

    /// Everything a configuration turns into, built before it is used so a bad file changes nothing.
    func environment(for config: TLSGateConfig) throws -> ProxyEnvironment {
        let tls = try TLSContext(client: ConfigMapping.tlsConfiguration(config, configPath: configPath),
                                 http2: config.upstream.http2 == .auto)
        let auth = try config.proxyAuth.map { try ProxyAuthenticator(usersFile: $0.usersFile, realm: $0.realm) }
        let intercept = try ConfigMapping.interceptSetup(config, configPath: configPath, previous: self.intercept)
        let environment = ProxyEnvironment(settings: try ConfigMapping.proxySettings(config), tls: tls, audit: audit, logger: logger,
                                           auth: auth, upstreamSlots: upstreamSlots, metrics: metrics, catalog: try catalog(for: config),
                                           intercept: intercept)
        self.intercept = intercept
        return environment
    }

    /// The AWS endpoint catalog (built in, or `aws.endpoints`): FIPS policy and audit fields.
    private func catalog(for config: TLSGateConfig) throws -> AWSEndpointCatalog? {
        let source = BuiltInData.catalogSource(for: config)
        // Reuse the loaded catalog unless the file changed (a refreshed catalog takes effect on reload).
        let stamp = BuiltInData.stamp(source)
        if let cached = catalogCache, cached.path == source.description, cached.stamp == stamp { return cached.catalog }
        let loaded = try BuiltInData.loadCatalog(source)
        catalogCache = (source.description, stamp, loaded)
        return loaded
    }

    init(config: TLSGateConfig, configPath: String, listenOverride: String?) throws(StartupError) {
        self.config = config
        self.configPath = configPath
        self.listenOverride = listenOverride
        let level = Logger.Level(rawValue: config.logLevel.rawValue) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        logger = Logger(label: "tlsgate")
        let sealing: AuditSealing
        do {
            sealing = try ConfigMapping.auditSealing(config)
        } catch {
            throw StartupError(description: "\(configPath): audit.signing_key: \(error)", exitCode: 2)
        }
        do {
            audit = try AuditLog(path: config.audit.path, sealing: sealing, format: ConfigMapping.auditFormat(config))
        } catch {
            throw StartupError(description: "\(configPath): audit.path: \(error)", exitCode: 2)
        }
        upstreamSlots = UpstreamSlots()
        metrics = ProxyMetrics(violationCodes: ViolationCode.allCases.map(\.rawValue))
        server = nil
        let env: ProxyEnvironment
        do {
            env = try environment(for: config)
        } catch {
            throw StartupError(description: "\(configPath): \(error)", exitCode: 2)
        }
        let host = config.listen.host == "localhost" ? "127.0.0.1" : config.listen.host
        guard let address = SocketAddress(ip: host, port: config.listen.port) else {
            throw StartupError(description: "\(configPath): listen: '\(config.listen)' is not a numeric IP address and port", exitCode: 2)
        }
        do {
            server = try ProxyServer(listen: address, environment: env, eventLoops: config.eventLoops)
        } catch {
            throw StartupError(description: "cannot listen on \(config.listen): \(error)", exitCode: 1)
        }
    }

    nonisolated static func run(config: TLSGateConfig, configPath: String, listenOverride: String?) throws {
        signal(SIGPIPE, SIG_IGN)
        raiseDescriptorLimit()
        let runtime: ProxyRuntime
        do {
            runtime = try ProxyRuntime(config: config, configPath: configPath, listenOverride: listenOverride)
        } catch {
            printError(error.description)
            throw ExitCode(error.exitCode)
        }
        do {
            try runtime.start()
        } catch {
            printError(error.description)
            throw ExitCode(error.exitCode)
        }
        dispatchMain()
    }

    private func start() throws(StartupError) {
        if config.limits.maxConnections > ConfigMapping.descriptorBudget {
            logger.warning("limits.max_connections is above what the descriptor limit allows; using \(ConfigMapping.descriptorBudget)",
                           metadata: ["max_connections": "\(config.limits.maxConnections)"])
        }
        if config.policy.fips != .off {
            let status = FIPSProvider.load()
            logger.notice("policy.fips is \(config.policy.fips.rawValue): TLS restricted to the FIPS profile; OpenSSL FIPS provider \(status)",
                          metadata: status.isActive ? [:] : ["note": "no validated FIPS module is active; tlsgate enforces FIPS endpoints and algorithms, not FIPS 140 validation"])
        }
        if let adminAddress = config.admin {
            let host = adminAddress.host == "localhost" ? "127.0.0.1" : adminAddress.host
            guard let address = SocketAddress(ip: host, port: adminAddress.port) else {
                throw StartupError(description: "\(configPath): admin: '\(adminAddress)' is not a numeric IP address and port", exitCode: 2)
            }
            let handlers = AdminHandlers(
                health: { [unowned self] in !server.isDraining },
                ready: { [unowned self] in !server.isDraining },
                metrics: { [unowned self] in
                    metrics.auditLinesWritten(total: audit.linesWritten, failures: audit.writeFailures)
                    metrics.eventLoopConnections(server.connectionsPerLoop)
                    return metrics.render()
                },
                reload: { [unowned self] in
                    control.sync { reload(trigger: "POST /reload") }.mapError { AdminError($0.description) }
                })
            do {
                let admin = try AdminServer(listen: address, handlers: handlers, logger: logger)
                admin.start()
                self.admin = admin
                logger.info("admin listening on \(admin.boundAddress)")
            } catch {
                throw StartupError(description: "cannot listen on admin \(adminAddress): \(error)", exitCode: 1)
            }
        }
        // Signals are handled before "listening on" is logged: a supervisor (or a test) that sends
        // SIGHUP/SIGUSR1 as soon as it sees that line must not hit the window before the handlers.
        installSignals()
        server.start()
        logger.info("listening on \(server.boundAddress)", metadata: [
            "event_loops": "\(server.eventLoopCount)",
            "tunnel_relay": "\(config.tunnelRelay.rawValue)",
            "tls.min_version": "\(config.tls.minVersion.rawValue)",
            "openssl": "\(TLSContext.libraryVersion)",
            "policy.mode": "\(config.policy.mode.rawValue)",
            "policy.fips": "\(config.policy.fips.rawValue)",
            "intercept": "\(intercept.map { "on (\($0.hosts.count) host patterns)" } ?? "off")",
            "upstream.proxy": "\(config.upstream.proxy.map { "http://\($0.authority)" } ?? "none")",
        ])
    }

    // MARK: - Signals

    private func installSignals() {
        for sig in [SIGTERM, SIGINT, SIGHUP, SIGUSR1] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: control)
            source.setEventHandler { [self] in
                switch sig {
                case SIGHUP: _ = reload(trigger: "SIGHUP")
                case SIGUSR1: reopenAudit()
                default: shutdown(signal: sig)
                }
            }
            source.resume()
            signalSources.append(source)
        }
    }

    /// SIGUSR1: reopen `audit.path` after logrotate renamed it (as nginx does). The old file
    /// ends with a checkpoint; the chain goes on in the new one. Runs on `control`.
    private func reopenAudit() {
        do {
            try audit.reopen()
            logger.info("audit log reopened", metadata: ["path": "\(config.audit.path ?? "-")"])
        } catch {
            logger.error("audit log reopen failed; still writing to the old file", metadata: ["error": "\(error)"])
        }
    }

    // MARK: - Reload

    /// Re-reads the configuration; on any error the running policy stays. Runs on `control`.
    func reload(trigger: String) -> Result<String, ReloadError> {
        var record = AuditRecord(event: .configReload)
        record.reason = trigger
        do {
            var fresh = try TLSGateConfig.load(path: configPath)
            if let listenOverride { fresh = try fresh.withListen(listenOverride) }
            var notes: [String] = []
            if fresh.listen != config.listen { notes.append("listen change needs a restart") }
            if fresh.audit != config.audit { notes.append("audit settings change needs a restart") }
            if fresh.admin != config.admin { notes.append("admin change needs a restart") }
            if fresh.eventLoops != config.eventLoops { notes.append("event_loops change needs a restart") }
            let env = try environment(for: fresh)
            server.replaceEnvironment(env)
            config = fresh
            let message = "configuration reloaded" + (notes.isEmpty ? "" : " (\(notes.joined(separator: "; ")))")
            logger.notice("\(message)", metadata: ["trigger": "\(trigger)"])
            record.decision = .allow
            record.status = 200
            record.reason = "\(trigger): \(message)"
            audit.write(record)
            metrics.configReload(ok: true)
            return .success(message)
        } catch {
            let message = "\(error)"
            logger.error("configuration reload failed; the previous configuration stays in force", metadata: ["error": "\(message)"])
            record.decision = .deny
            record.status = 500
            record.reason = "\(trigger): \(message)"
            audit.write(record)
            metrics.configReload(ok: false)
            return .failure(ReloadError(description: message))
        }
    }

    struct ReloadError: Error, CustomStringConvertible {
        let description: String
    }

    // MARK: - Shutdown

    /// SIGTERM/SIGINT: stop accepting, let in-flight work finish within shutdown_grace, close the
    /// rest, flush and fsync the audit log, exit 0. Runs on `control`.
    private func shutdown(signal sig: Int32) {
        guard !shuttingDown else { return }
        shuttingDown = true
        logger.info("shutting down", metadata: ["signal": "\(sig)", "connections": "\(server.connectionCount)",
                                                "grace": "\(config.shutdownGrace)s"])
        server.startDraining()
        // The admin listener stays up (healthz says "draining") until exit.
        let deadline = monotonicNow() + UInt64(config.shutdownGrace * 1e9)
        waitForSessions(until: deadline) { [self] in
            server.closeAll()
            // Closing sessions write their audit lines on their own queues: give them a moment.
            waitForSessions(until: monotonicNow() + 2_000_000_000) { [self] in
                audit.close()
                logger.info("stopped", metadata: ["audit_lines": "\(audit.linesWritten)"])
                // Everything worth keeping is written (audit fsync'ed, logs flushed below). Skip
                // exit(3)'s atexit handlers: OpenSSL's cleanup would run while event-loop threads
                // may still be inside OpenSSL (an idle pooled connection, say).
                fflush(nil)
                _exit(0)
            }
        }
    }

    private func waitForSessions(until deadline: UInt64, then next: @escaping @Sendable () -> Void) {
        if server.connectionCount == 0 || monotonicNow() >= deadline {
            next()
            return
        }
        control.asyncAfter(deadline: .now() + .milliseconds(20)) { [self] in waitForSessions(until: deadline, then: next) }
    }

    private func monotonicNow() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Many tunnels need many descriptors: take the hard limit (root may raise it further).
    static func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        var wanted = limit
        wanted.rlim_cur = max(limit.rlim_max, 1 << 20)
        wanted.rlim_max = wanted.rlim_cur
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &wanted) != 0, limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
    }
}
