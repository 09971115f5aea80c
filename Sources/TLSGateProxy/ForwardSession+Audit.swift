import TLSGateAudit
import TLSGateHTTP
import TLSGatePolicy

extension ForwardSession {
    /// One `request` line for the exchange, plus one `violation` line per violation.
    func writeAudit(_ ex: ForwardExchange, status: Int?, reason: String?, upstream: UpstreamLink?) {
        // Built with one initializer call (no field-by-field updates of a default record), and
        // no intermediate arrays when there is nothing to add.
        var upstreamText: String?, tlsVersion: String?, cipher: String?
        if let up = upstream, up.host == ex.host, up.port == ex.port {
            upstreamText = up.addressText
            if up.handshakeDone {
                tlsVersion = up.tlsVersionText
                cipher = up.cipherText
            }
        }
        let violations = ex.violations
        let facts = AWSRequestFacts.auditFields(ex)
        var extra = facts.isEmpty ? ex.awsFields : ex.awsFields + facts
        if let target = intercept { extra = extra.isEmpty ? target.auditFields : target.auditFields + extra }
        if h2Stream != nil {
            extra = extra.filter { $0.0 != "upstream_http_version" } + [("upstream_http_version", .string("2"))]
        }
        let record = AuditRecord(
            event: .request, mode: intercept == nil ? .forward : .intercept, client: clientText, host: ex.host, port: ex.port,
            method: ex.head.method, path: ex.loggedPath, status: status, upstream: upstreamText,
            tlsVersion: tlsVersion, cipher: cipher, decision: ex.decision, error: ex.error,
            violations: violations.isEmpty ? [] : violations.map(\.rawValue),
            reason: reason ?? violations.first.flatMap { ex.violationReasons[$0] },
            bytesIn: Int(ex.bytesIn), bytesOut: Int(ex.bytesOut),
            durationMs: Double(monotonicNanos() &- ex.startedNanos) / 1e6,
            extra: extra)
        env.audit.write(record)
        for violation in violations {
            var line = record
            line.event = .violation
            line.violations = [violation.rawValue]
            line.reason = ex.violationReasons[violation] ?? reason ?? violation.summary
            env.audit.write(line)
            env.metrics.violation(violation.rawValue)
        }
        env.metrics.forwardRequest(status: status, in: Int(ex.bytesIn), out: Int(ex.bytesOut))
    }

    /// `forward`, or `intercept` for requests inside an intercepted CONNECT.
    var auditMode: AuditMode { intercept == nil ? .forward : .intercept }

    /// An audit line for a request refused before an exchange existed.
    func auditRefusal(head: HTTPRequestHead, host: String?, port: Int?, path: String?, status: Int,
                      violation: ViolationCode?, reason: String, headBytes: Int) {
        var record = AuditRecord(event: .request, mode: auditMode)
        record.client = clientText
        record.host = host
        record.port = port
        record.method = head.method
        record.path = path
        record.status = status
        record.decision = .deny
        record.violations = violation.map { [$0.rawValue] } ?? []
        record.reason = reason
        record.bytesIn = headBytes
        record.bytesOut = 0
        record.durationMs = 0
        if let target = intercept { record.extra = target.auditFields }
        env.audit.write(record)
        env.metrics.request(status: status)
        if let violation {
            record.event = .violation
            env.audit.write(record)
            env.metrics.violation(violation.rawValue)
        }
    }
}
