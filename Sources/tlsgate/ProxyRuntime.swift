import ArgumentParser
import Dispatch
import Glibc
import Logging
import TLSGateAudit
import TLSGateConfig
import TLSGateIO
import TLSGateProxy
import TLSGateTLS

/// Start-up and shutdown of a running proxy. Kept out of top-level code on purpose: Dispatch
/// sources created in `main`-actor code trap when they fire.
enum ProxyRuntime {
    nonisolated static func run(config: TLSGateConfig, configPath: String) throws {
        signal(SIGPIPE, SIG_IGN)
        raiseDescriptorLimit()
        let level = Logger.Level(rawValue: config.logLevel.rawValue) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "tlsgate")

        let tls: TLSContext
        do {
            tls = try TLSContext(client: ConfigMapping.tlsConfiguration(config, configPath: configPath))
        } catch {
            printError("\(configPath): tls: \(error)")
            throw ExitCode(2)
        }
        let audit: AuditLog
        do {
            audit = try AuditLog(path: config.audit.path)
        } catch {
            printError("\(configPath): audit.path: \(error)")
            throw ExitCode(2)
        }
        guard let address = SocketAddress(ip: config.listen.host == "localhost" ? "127.0.0.1" : config.listen.host,
                                          port: config.listen.port) else {
            printError("\(configPath): listen: '\(config.listen)' is not a numeric IP address and port")
            throw ExitCode(2)
        }
        let env = ProxyEnvironment(settings: ConfigMapping.proxySettings(config), tls: tls, audit: audit, logger: logger)
        let server: ProxyServer
        do {
            server = try ProxyServer(listen: address, environment: env)
        } catch {
            printError("cannot listen on \(config.listen): \(error)")
            throw ExitCode(1)
        }
        server.start()
        logger.info("listening on \(server.boundAddress)", metadata: [
            "tls.min_version": "\(config.tls.minVersion.rawValue)",
            "openssl": "\(TLSContext.libraryVersion)",
            "policy.mode": "\(config.policy.mode.rawValue)",
        ])
        installShutdownSignals(server: server, audit: audit, logger: logger)
        dispatchMain()
    }

    /// SIGTERM/SIGINT: stop accepting, let sessions finish (bounded), flush the audit log, exit 0.
    nonisolated static func installShutdownSignals(server: ProxyServer, audit: AuditLog, logger: Logger) {
        let queue = DispatchQueue(label: "tlsgate.signals")
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler {
                logger.info("shutting down", metadata: ["signal": "\(sig)", "connections": "\(server.connectionCount)"])
                server.stopAccepting()
                drain(server: server, audit: audit, queue: queue, deadline: DispatchTime.now() + 30)
            }
            source.resume()
            signalSources.append(source)
        }
    }

    /// Polls until the last session ends (or the grace period is over), then flushes and exits.
    nonisolated static func drain(server: ProxyServer, audit: AuditLog, queue: DispatchQueue, deadline: DispatchTime) {
        if server.connectionCount == 0 || DispatchTime.now() >= deadline {
            audit.flush()
            exit(0)
        }
        queue.asyncAfter(deadline: .now() + .milliseconds(50)) { drain(server: server, audit: audit, queue: queue, deadline: deadline) }
    }

    nonisolated(unsafe) static var signalSources: [DispatchSourceSignal] = []

    /// Many tunnels need many descriptors: take the hard limit.
    static func raiseDescriptorLimit() {
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
    }
}
