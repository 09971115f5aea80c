import Dispatch
import CShims
import Glibc

/// Name resolution off the event loops.
///
/// `getaddrinfo` blocks, so it runs on a dedicated concurrent queue and the answer is delivered on
/// the caller's event loop. Numeric addresses are answered without a lookup. The caller owns the
/// timeout: a late answer is simply ignored by a session that has already given up.
public enum Resolver {
    private static let queue = DispatchQueue(label: "tlsgate.resolver", attributes: .concurrent)

    public enum Failure: Error, Sendable, CustomStringConvertible {
        case notFound(host: String, message: String)
        public var description: String {
            switch self {
            case .notFound(let host, let message): return "cannot resolve \(host): \(message)"
            }
        }
    }

    /// Resolves `host` to its IPv4 and IPv6 addresses in getaddrinfo's order (RFC 6724 destination
    /// address selection, tunable in /etc/gai.conf), calling `completion` on `loop`. Callers race
    /// them with Happy Eyeballs, which interleaves the families.
    /// A numeric address is answered at once, before this returns (the caller is on `loop`).
    public static func resolve(host: String, port: Int, on loop: EventLoop,
                               completion: @escaping @Sendable (Result<[SocketAddress], Failure>) -> Void) {
        if let numeric = SocketAddress(ip: host, port: port) {
            completion(.success([numeric]))
            return
        }
        queue.async {
            let result = lookup(host: host, port: port)
            loop.execute { completion(result) }
        }
    }

    /// A blocking lookup; only ever called on the resolver queue.
    static func lookup(host: String, port: Int) -> Result<[SocketAddress], Failure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = tg_sock_stream()
        hints.ai_flags = AI_ADDRCONFIG
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            return .failure(.notFound(host: host, message: String(cString: gai_strerror(rc))))
        }
        defer { freeaddrinfo(first) }
        var all: [SocketAddress] = []
        var node: UnsafeMutablePointer<addrinfo>? = first
        var guardCount = 0
        while let entry = node, guardCount < 64 {
            guardCount += 1
            if let addr = entry.pointee.ai_addr {
                var storage = sockaddr_storage()
                withUnsafeMutableBytes(of: &storage) { dst in
                    dst.copyMemory(from: UnsafeRawBufferPointer(start: addr, count: Int(entry.pointee.ai_addrlen)))
                }
                let address = SocketAddress(storage: storage)
                if address.family == AF_INET || address.family == AF_INET6 { all.append(address) }
            }
            node = entry.pointee.ai_next
        }
        return all.isEmpty ? .failure(.notFound(host: host, message: "no addresses")) : .success(all)
    }
}
