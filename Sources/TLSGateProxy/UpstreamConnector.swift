import Dispatch
import Glibc
import TLSGateEgress
import TLSGateIO
import TLSGatePolicy

/// A TCP connection to an upstream, established and checked against policy: either straight to
/// one of the host's addresses, or a tunnel through the parent proxy (`upstream.proxy`) that has
/// answered CONNECT with 2xx. Either way the channel carries the bytes to the requested host.
struct ConnectedUpstream {
    let channel: SocketChannel
    /// The address connected to: the upstream's, or the parent proxy's when `viaParent`.
    let address: SocketAddress
    /// Reached through an operator `upstream.resolve` entry (trusted).
    let viaOverride: Bool
    /// Policy findings that were reported but not enforced (report mode).
    let reported: [ViolationCode]
    /// A tunnel through the parent proxy (`address` is the parent's).
    var viaParent: Bool = false
}

/// Why an upstream could not be reached.
enum ConnectFailure: Error {
    /// Policy refused every address (e.g. private_address in enforce mode).
    case denied(ViolationCode, String)
    /// DNS failed or no address accepted a connection (the parent's included).
    case unreachable(String)
    /// The parent proxy answered CONNECT with a non-2xx status (`statusLine`, e.g.
    /// `HTTP/1.1 407 Proxy Authentication Required`); `message` names the parent and its answer.
    case parentRefused(statusLine: String, message: String)
}

/// Resolves (override map, else DNS off the loop), filters addresses through policy, and races
/// connects to the candidates (RFC 8305, ``ConnectionRace``). With a parent proxy configured (and
/// the host not in `upstream.no_proxy`), it races to the parent's addresses instead (exempt from
/// the private-address check: the operator named it), sends `CONNECT host:port` and waits for a
/// 2xx; the parent resolves the host. The session owns the overall timeout (connect_timeout) and
/// calls ``cancel()`` when it expires; callbacks after that are suppressed.
final class UpstreamConnector: @unchecked Sendable {
    private let loop: EventLoop
    private let host: String
    private let port: Int
    private let settings: ProxySettings
    private var completion: ((Result<ConnectedUpstream, ConnectFailure>) -> Void)?
    private var viaOverride = false
    private var reported: [ViolationCode] = []
    private var race: ConnectionRace?
    /// While waiting for the parent's answer to CONNECT.
    private var parentExchange: ParentTunnelExchange?
    /// Resolver answers per target, in the targets' order (nil: not in yet).
    private var answers: [[SocketAddress]?] = []
    private var lastResolveFailure = ""
    /// What is being waited for, for the session's timeout message.
    private(set) var waitingFor = "name resolution"

    init(loop: EventLoop, host: String, port: Int, settings: ProxySettings,
         completion: @escaping (Result<ConnectedUpstream, ConnectFailure>) -> Void) {
        self.loop = loop
        self.host = host
        self.port = port
        self.settings = settings
        self.completion = completion
    }

    /// The parent proxy `host` goes through, or nil when it is reached directly.
    static func parent(for host: String, _ settings: ProxySettings) -> ParentRoute? {
        guard let parent = settings.parent, !settings.noProxy.allows(host) else { return nil }
        return parent
    }

    func start() {
        var targets = [(host: host, port: port)]
        let overrides = settings.overrides.lookupAll(host)
        if !overrides.isEmpty {
            targets = overrides.map { ($0.host, $0.port ?? port) }
            viaOverride = true
        }
        if let parent = Self.parent(for: host, settings) {
            // The parent is asked for the first target (it does its own connecting).
            startViaParent(parent, targetHost: targets[0].host, targetPort: targets[0].port)
            return
        }
        resolveAll(targets)
    }

    /// Resolves every target (an override may list several), then filters the addresses in the
    /// targets' order; fails only when no target resolves.
    private func resolveAll(_ targets: [(host: String, port: Int)]) {
        answers = [[SocketAddress]?](repeating: nil, count: targets.count)
        for (index, target) in targets.enumerated() {
            Resolver.resolve(host: target.host, port: target.port, on: loop) { [self] result in
                guard completion != nil, index < answers.count else { return }
                switch result {
                case .failure(let failure): lastResolveFailure = failure.description; answers[index] = []
                case .success(let addresses): answers[index] = addresses
                }
                guard !answers.contains(where: { $0 == nil }) else { return }
                let all = answers.flatMap { $0 ?? [] }
                answers = []
                if all.isEmpty {
                    finish(.failure(.unreachable(lastResolveFailure)))
                } else {
                    filter(all)
                }
            }
        }
    }

    func cancel() {
        completion = nil
        race?.cancel()
        race = nil
        parentExchange?.cancel()
        parentExchange = nil
    }

    private func filter(_ addresses: [SocketAddress]) {
        var allowed: [SocketAddress] = []
        var denied: ViolationCode?
        for address in addresses {
            guard let ip = IPAddress(bytes: address.ipBytes) else { continue }
            if let violation = settings.policy.checkAddress(ip, viaOverride: viaOverride) {
                if settings.policy.mode == .report {
                    if !reported.contains(violation) { reported.append(violation) }
                    allowed.append(address)
                } else {
                    denied = violation
                }
            } else {
                allowed.append(address)
            }
        }
        if allowed.isEmpty, let denied {
            let shown = addresses.first.map { $0.ipString } ?? "?"
            finish(.failure(.denied(denied, "\(host) resolves to \(shown), a private or special-purpose address")))
            return
        }
        connect(to: allowed, what: "\(host):\(port)") { [self] channel, address in
            finish(.success(ConnectedUpstream(channel: channel, address: address, viaOverride: viaOverride, reported: reported)))
        }
    }

    /// Races `addresses`; `connected` gets the winner.
    private func connect(to addresses: [SocketAddress], what: String,
                         connected: @escaping (SocketChannel, SocketAddress) -> Void) {
        waitingFor = "a TCP connection to \(what)"
        let race = ConnectionRace(loop: loop, addresses: addresses, attemptDelay: settings.attemptDelay) { [self] result in
            self.race = nil
            guard completion != nil else {
                if case .success(let (channel, _)) = result { channel.close() }
                return
            }
            switch result {
            case .success(let (channel, address)): connected(channel, address)
            case .failure(let failure): finish(.failure(.unreachable("cannot connect to \(what): \(failure.lastError)")))
            }
        }
        self.race = race
        race.start()
    }

    // MARK: - Through the parent proxy

    private func startViaParent(_ parent: ParentRoute, targetHost: String, targetPort: Int) {
        // tlsgate does not resolve the host (the parent does), so only an IP literal can be
        // checked against deny_private_addresses here; operator overrides stay trusted.
        if !viaOverride, HostName.isIPLiteral(targetHost), let ip = IPAddress(parsing: targetHost),
           let violation = settings.policy.checkAddress(ip, viaOverride: false) {
            if settings.policy.mode == .report {
                reported.append(violation)
            } else {
                finish(.failure(.denied(violation, "\(host) is a private or special-purpose address")))
                return
            }
        }
        let name = "the parent proxy \(parent.authority)"
        waitingFor = "\(name) (name resolution)"
        Resolver.resolve(host: parent.host, port: parent.port, on: loop) { [self] result in
            guard completion != nil else { return }
            switch result {
            case .failure(let failure):
                finish(.failure(.unreachable("\(name): \(failure.description)")))
            case .success(let addresses):
                connect(to: addresses, what: name) { [self] channel, address in
                    sendConnect(parent, channel: channel, address: address, targetHost: targetHost, targetPort: targetPort)
                }
            }
        }
    }

    private func sendConnect(_ parent: ParentRoute, channel: SocketChannel, address: SocketAddress,
                             targetHost: String, targetPort: Int) {
        waitingFor = "the parent proxy \(parent.authority) to answer CONNECT \(targetHost):\(targetPort)"
        let exchange = ParentTunnelExchange(channel: channel, parent: parent, targetHost: targetHost, targetPort: targetPort) { [self] outcome in
            parentExchange = nil
            guard completion != nil else { channel.close(); return }
            switch outcome {
            case .established:
                var connected = ConnectedUpstream(channel: channel, address: address, viaOverride: viaOverride, reported: reported)
                connected.viaParent = true
                finish(.success(connected))
            case .refused(let statusLine):
                channel.close()
                finish(.failure(.parentRefused(statusLine: statusLine,
                    message: "the parent proxy \(parent.authority) refused CONNECT \(ParentConnect.authority(targetHost, targetPort)): \(statusLine)")))
            case .failed(let why):
                channel.close()
                finish(.failure(.unreachable("the parent proxy \(parent.authority): \(why)")))
            }
        }
        parentExchange = exchange
        exchange.start()
    }

    private func finish(_ result: Result<ConnectedUpstream, ConnectFailure>) {
        let done = completion
        completion = nil
        guard let done else {
            if case .success(let connected) = result { connected.channel.close() }
            return
        }
        done(result)
    }
}
