import TLSGateHTTP

/// One admin response: always complete (`Content-Length`) and followed by closing the connection.
struct AdminResponse: Sendable, Equatable {
    static let plainText = "text/plain; charset=utf-8"
    /// The Prometheus text exposition format.
    static let prometheusText = "text/plain; version=0.0.4; charset=utf-8"

    var status: Int
    var contentType: String
    var body: [UInt8]
    /// Further header fields (e.g. `Allow`), already valid.
    var extraHeaders: [(String, String)] = []

    init(status: Int, contentType: String = AdminResponse.plainText, body: [UInt8], extraHeaders: [(String, String)] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.extraHeaders = extraHeaders
    }

    /// A plain-text response whose body is `text` plus a final newline (control bytes but tab
    /// replaced by spaces).
    static func text(_ status: Int, _ text: String, extraHeaders: [(String, String)] = []) -> AdminResponse {
        var body: [UInt8] = []
        body.reserveCapacity(text.utf8.count + 1)
        for b in text.utf8 { body.append((b < 0x20 && b != 0x09 && b != 0x0A) || b == 0x7F ? 0x20 : b) }
        if body.last != 0x0A { body.append(0x0A) }
        return AdminResponse(status: status, body: body, extraHeaders: extraHeaders)
    }

    /// The wire bytes; without the body for a HEAD request (`Content-Length` still describes it).
    func serialized(includeBody: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + (includeBody ? body.count : 0))
        out.append(contentsOf: "HTTP/1.1 \(status) \(ProxyResponse.reasonPhrase(status))\r\n".utf8)
        out.append(contentsOf: "Content-Type: \(contentType)\r\n".utf8)
        out.append(contentsOf: "Content-Length: \(body.count)\r\n".utf8)
        out.append(contentsOf: "Cache-Control: no-store\r\n".utf8)
        for (name, value) in extraHeaders { out.append(contentsOf: "\(name): \(value)\r\n".utf8) }
        out.append(contentsOf: "Connection: close\r\n\r\n".utf8)
        if includeBody { out.append(contentsOf: body) }
        return out
    }

    static func == (lhs: AdminResponse, rhs: AdminResponse) -> Bool {
        lhs.status == rhs.status && lhs.contentType == rhs.contentType && lhs.body == rhs.body
            && lhs.extraHeaders.map { $0.0 + ":" + $0.1 } == rhs.extraHeaders.map { $0.0 + ":" + $0.1 }
    }
}
