import Dispatch
import Glibc
import TLSGateIO
import TLSGatePolicy

/// A TCP connection to an upstream, established and checked against policy.
struct ConnectedUpstream {
    let channel: SocketChannel
    let address: SocketAddress
    /// Reached through an operator `upstream.resolve` entry (trusted).
    let viaOverride: Bool
    /// Policy findings that were reported but not enforced (report mode).
    let reported: [ViolationCode]
}

/// Why an upstream could not be reached.
enum ConnectFailure: Error {
    /// Policy refused every address (e.g. private_address in enforce mode).
    case denied(ViolationCode, String)
    /// DNS failed or no address accepted a connection.
    case unreachable(String)
}

/// Resolves (override map, else DNS off the loop), filters addresses through policy, and connects
/// non-blocking to each candidate in turn. The session owns the overall timeout and calls
/// ``cancel()`` when it expires; callbacks after that are suppressed.
final class UpstreamConnector: @unchecked Sendable {
    private let loop: EventLoop
    private let host: String
    private let port: Int
    private let settings: ProxySettings
    private var completion: ((Result<ConnectedUpstream, ConnectFailure>) -> Void)?
    private var candidates: [SocketAddress] = []
    private var viaOverride = false
    private var reported: [ViolationCode] = []
    private var lastError = ""
    private var inFlight: SocketChannel?

    init(loop: EventLoop, host: String, port: Int, settings: ProxySettings,
         completion: @escaping (Result<ConnectedUpstream, ConnectFailure>) -> Void) {
        self.loop = loop
        self.host = host
        self.port = port
        self.settings = settings
        self.completion = completion
    }

    func start() {
        var targetHost = host
        var targetPort = port
        if let override = settings.overrides.lookup(host) {
            targetHost = override.host
            targetPort = override.port ?? port
            viaOverride = true
        }
        Resolver.resolve(host: targetHost, port: targetPort, on: loop) { [self] result in
            guard completion != nil else { return }
            switch result {
            case .failure(let failure):
                finish(.failure(.unreachable(failure.description)))
            case .success(let addresses):
                filter(addresses)
            }
        }
    }

    func cancel() {
        completion = nil
        inFlight?.close()
        inFlight = nil
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
        candidates = Array(allowed.prefix(8))
        tryNext()
    }

    private func tryNext() {
        guard completion != nil else { return }
        guard !candidates.isEmpty else {
            finish(.failure(.unreachable("cannot connect to \(host):\(port): \(lastError.isEmpty ? "no address" : lastError)")))
            return
        }
        let address = candidates.removeFirst()
        let fd: Int32
        do {
            fd = try Posix.socket(domain: address.family)
        } catch {
            lastError = error.description
            tryNext()
            return
        }
        try? Posix.setOption(fd, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
        let channel = SocketChannel(fd: fd, loop: loop)
        do {
            switch try Posix.connect(fd, address) {
            case .processed:
                succeed(channel, address)
            case .wouldBlock where Posix.isWritableNow(fd):
                // Already connected (or refused): no need to watch for it.
                connectFinished(channel, address)
            case .wouldBlock:
                inFlight = channel
                channel.setHandlers(readable: {}, writable: { [self] in
                    channel.wantWrites(false)
                    inFlight = nil
                    connectFinished(channel, address)
                })
                channel.wantWrites(true)
            }
        } catch {
            lastError = "\(address): \(error)"
            channel.close()
            tryNext()
        }
    }

    /// A non-blocking connect is over: connected, or on to the next address.
    private func connectFinished(_ channel: SocketChannel, _ address: SocketAddress) {
        let err = Posix.socketError(channel.fd)
        if err == 0 {
            succeed(channel, address)
        } else {
            lastError = "\(address): \(String(cString: strerror(err)))"
            channel.close()
            tryNext()
        }
    }

    private func succeed(_ channel: SocketChannel, _ address: SocketAddress) {
        guard completion != nil else { channel.close(); return }
        finish(.success(ConnectedUpstream(channel: channel, address: address, viaOverride: viaOverride, reported: reported)))
    }

    private func finish(_ result: Result<ConnectedUpstream, ConnectFailure>) {
        let done = completion
        completion = nil
        done?(result)
    }
}
