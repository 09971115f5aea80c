import TLSGateHTTP

/// Maps a parsed request to its response by calling the handlers (no I/O here).
enum AdminRouter {
    /// The endpoints and the methods each accepts.
    enum Endpoint {
        case healthz, readyz, metrics, reload

        init?(path: Substring) {
            switch path {
            case "/healthz": self = .healthz
            case "/readyz": self = .readyz
            case "/metrics": self = .metrics
            case "/reload": self = .reload
            default: return nil
            }
        }

        var allowedMethods: [String] { self == .reload ? ["POST"] : ["GET", "HEAD"] }
    }

    /// The path of an origin-form target, without the query.
    static func path(of target: String) -> Substring {
        let t = Substring(target)
        guard let q = t.firstIndex(of: "?") else { return t }
        return t[..<q]
    }

    static func respond(to head: HTTPRequestHead, handlers: AdminHandlers, peerIsLoopback: Bool = true) -> AdminResponse {
        guard let endpoint = Endpoint(path: path(of: head.target)) else { return .text(404, "not found") }
        guard endpoint.allowedMethods.contains(head.method) else {
            let allowed = endpoint.allowedMethods
            return .text(405, "method not allowed (use \(allowed.joined(separator: " or ")))",
                         extraHeaders: [("Allow", allowed.joined(separator: ", "))])
        }
        switch endpoint {
        case .healthz:
            return handlers.health() ? .text(200, "ok") : .text(503, "draining")
        case .readyz:
            return handlers.ready() ? .text(200, "ready") : .text(503, "not ready")
        case .metrics:
            return AdminResponse(status: 200, contentType: AdminResponse.prometheusText,
                                 body: Array(handlers.metrics().utf8))
        case .reload:
            // Health and metrics may be read from the pod network (probes, scrapers); changing
            // state is for this machine only.
            guard peerIsLoopback else { return .text(403, "reload is only accepted from loopback clients") }
            switch handlers.reload() {
            case .success(let message): return .text(200, message.isEmpty ? "reloaded" : message)
            case .failure(let error): return .text(500, error.description.isEmpty ? "reload failed" : error.description)
            }
        }
    }

    /// The answer to a head that could not be parsed (400, or 431 / 505 where they fit).
    static func reject(_ error: HTTPParseError) -> AdminResponse {
        .text(error.status, error.reason)
    }
}
