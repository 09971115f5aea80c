import Glibc
import TLSGateEgress
import TLSGateIO

/// Sends `CONNECT` on a connection to the parent proxy and reads its answer (``ParentConnect``
/// decides). The response head is bounded by ``ParentConnect/maxResponseHeadBytes``; the time is
/// bounded by the session's connect timeout, which covers this phase. Reports once, unless
/// cancelled (which closes the channel); after a report the channel is the caller's.
final class ParentTunnelExchange {
    enum Outcome {
        case established
        case refused(statusLine: String)
        case failed(String)
    }

    private let channel: SocketChannel
    private var request: [UInt8]
    private var sent = 0
    private var received: [UInt8] = []
    private var parser = ParentConnect()
    private var completion: ((Outcome) -> Void)?

    init(channel: SocketChannel, parent: ParentRoute, targetHost: String, targetPort: Int,
         completion: @escaping (Outcome) -> Void) {
        self.channel = channel
        self.request = ParentConnect.request(host: targetHost, port: targetPort, route: parent)
        self.completion = completion
    }

    func start() {
        channel.setHandlers(readable: { [weak self] in self?.readable() },
                            writable: { [weak self] in self?.writable() })
        writable()
        if completion != nil { channel.wantReads(true) }
    }

    /// Gives up (the session's timeout): the connection to the parent is closed.
    func cancel() {
        completion = nil
        channel.close()
    }

    private func writable() {
        while sent < request.count {
            let result: IOResult<Int>
            do {
                result = try request.withUnsafeBytes { try Posix.send(channel.fd, $0.baseAddress! + sent, $0.count - sent) }
            } catch {
                finish(.failed("sending CONNECT: \(error)"))
                return
            }
            switch result {
            case .processed(let n): sent += n
            case .wouldBlock:
                channel.wantWrites(true)
                return
            }
        }
        // The request holds the credentials: keep no copy once it is sent.
        request = []
        sent = 0
        channel.wantWrites(false)
    }

    private func readable() {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while completion != nil {
            let result: IOResult<Int>
            do {
                result = try chunk.withUnsafeMutableBytes { try Posix.read(channel.fd, $0.baseAddress!, $0.count) }
            } catch {
                finish(.failed("reading its answer to CONNECT: \(error)"))
                return
            }
            switch result {
            case .wouldBlock:
                return
            case .processed(0):
                finish(.failed(received.isEmpty ? "it closed the connection without answering CONNECT"
                                                : "it closed the connection in the middle of its answer to CONNECT"))
                return
            case .processed(let n):
                received.append(contentsOf: chunk[0..<n])
                switch received.withUnsafeBytes({ parser.parse($0) }) {
                case .incomplete:
                    if received.count > ParentConnect.maxResponseHeadBytes {
                        finish(.failed("its response head to CONNECT exceeds \(ParentConnect.maxResponseHeadBytes) bytes"))
                    }
                case .established:
                    finish(.established)
                case .refused(_, let statusLine):
                    finish(.refused(statusLine: statusLine))
                case .invalid(let why):
                    finish(.failed(why))
                }
            }
        }
    }

    private func finish(_ outcome: Outcome) {
        channel.wantReads(false)
        channel.wantWrites(false)
        channel.setHandlers(readable: {}, writable: {})
        let done = completion
        completion = nil
        done?(outcome)
    }
}
