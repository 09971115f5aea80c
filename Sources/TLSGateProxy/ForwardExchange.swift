import TLSGateAWS
import TLSGateAudit
import TLSGateHTTP
import TLSGatePolicy

/// One request/response exchange in forward mode: what was asked, how far each body has got,
/// and what the audit line will say.
final class ForwardExchange {
    let head: HTTPRequestHead
    let uri: AbsoluteURI
    /// Normalized host (lowercase, no trailing dot): policy, SNI and verification use it.
    let host: String
    /// Upstream port: 443 unless the URL named a port other than 80.
    let port: Int
    let startedNanos: UInt64

    var requestTracker: BodyTracker
    var requestComplete: Bool
    /// Bytes at the front of the client buffer that belong to the request body, cleared to send.
    var requestForwardable = 0

    var responseParser: HTTPHeadParser
    var responseHead: HTTPResponseHead? {
        didSet { upstreamKeepsAlive = responseHead?.keepAlive ?? false }
    }
    /// `responseHead?.keepAlive`, computed once (it scans the Connection fields).
    private(set) var upstreamKeepsAlive = false
    /// `head.keepAlive`, computed once.
    lazy var clientKeepsAlive = head.keepAlive
    var responseTracker: BodyTracker?
    var responseFraming: BodyFraming?
    var responseComplete = false
    /// Bytes at the front of the upstream buffer that belong to the response body, cleared to send.
    var responseForwardable = 0
    /// Whether any byte of the final response has been queued for the client.
    var responseStarted = false

    /// The request went to a connection that served an earlier request (kept or pooled).
    var reusedUpstream = false
    /// Already retried once on a fresh connection.
    var retried = false
    /// The request has no body (so it can be sent again as it is).
    let bodyless: Bool

    var bytesIn: UInt64
    var bytesOut: UInt64 = 0
    var violations: [ViolationCode] = []
    /// Why each violation was found (for its own `violation` line).
    var violationReasons: [ViolationCode: String] = [:]
    /// AWS endpoint facts for the audit line (`aws_partition`...), when the host is in the catalog.
    var awsFields: [(String, AuditValue)] = []
    var awsEndpoint: AWSEndpoint?
    /// SigV4 credential scope of the request (from Authorization or a presigned URL).
    var sigv4: SigV4Scope?
    /// The first bytes of a form-encoded body (`Action=...`), kept to name the AWS operation.
    var bodyPrefix: [UInt8]?
    /// The body is chunked: `bodyPrefix` still holds the chunk framing.
    let bodyIsChunked: Bool
    /// When the upstream TLS handshake started (for the handshake-duration metric).
    var handshakeStartedNanos: UInt64 = 0
    var decision: AuditDecision = .allow
    /// The code of a failure that is no policy finding (audit `outcome: "error"`).
    var error: String?
    /// How the request body is framed (an HTTP/2 upstream stream removes chunk framing).
    let requestFraming: BodyFraming
    /// Times the request was sent again after an HTTP/2 origin refused its stream.
    var http2Retries = 0

    init(head: HTTPRequestHead, uri: AbsoluteURI, host: String, port: Int, framing: BodyFraming,
         headBytes: Int, startedNanos: UInt64) {
        self.head = head
        self.uri = uri
        self.host = host
        self.port = port
        self.startedNanos = startedNanos
        self.requestTracker = BodyTracker(framing)
        self.requestFraming = framing
        self.bodyless = framing == .none || framing == .contentLength(0)
        self.bodyIsChunked = framing == .chunked
        if !bodyless, head.headers.first("content-type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
            bodyPrefix = []
        }
        self.requestComplete = requestTracker.isComplete   // no body, or Content-Length: 0
        self.responseParser = HTTPHeadParser(maxHeadBytes: 64 * 1024)
        self.bytesIn = UInt64(headBytes)
    }

    func addViolation(_ code: ViolationCode, _ reason: String) {
        if !violations.contains(code) { violations.append(code) }
        if violationReasons[code] == nil { violationReasons[code] = reason }
    }

    /// The request target as it may be logged: query credentials redacted, user-info dropped.
    var loggedPath: String { Redaction.redactTarget(uri.pathAndQuery) }
}
