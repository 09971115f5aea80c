import TLSGateAudit
import TLSGateHTTP
import TLSGatePolicy

extension ForwardSession {
    /// One `request` line for the exchange, plus one `violation` line per violation.
    func writeAudit(_ ex: ForwardExchange, status: Int?, reason: String?, upstream: UpstreamLink?) {
        var record = AuditRecord(event: .request, mode: .forward)
        record.client = clientText
        record.host = ex.host
        record.port = ex.port
        record.method = ex.head.method
        record.path = ex.loggedPath
        record.status = status
        if let up = upstream, up.host == ex.host, up.port == ex.port {
            record.upstream = up.addressText
            if up.handshakeDone {
                record.tlsVersion = up.tlsVersionText
                record.cipher = up.cipherText
            }
        }
        record.decision = ex.decision
        record.violations = ex.violations.map(\.rawValue)
        record.reason = reason
        record.bytesIn = Int(ex.bytesIn)
        record.bytesOut = Int(ex.bytesOut)
        record.durationMs = Double(monotonicNanos() &- ex.startedNanos) / 1e6
        record.extra = ex.awsFields + AWSRequestFacts.auditFields(ex)
        if record.reason == nil, let first = ex.violations.first { record.reason = ex.violationReasons[first] }
        env.audit.write(record)
        for violation in ex.violations {
            var line = record
            line.event = .violation
            line.violations = [violation.rawValue]
            line.reason = ex.violationReasons[violation] ?? reason ?? violation.summary
            env.audit.write(line)
            env.metrics.violation(violation.rawValue)
        }
        if let status { env.metrics.request(status: status) }
        env.metrics.bytes(mode: "forward", in: Int(ex.bytesIn), out: Int(ex.bytesOut))
    }

    /// An audit line for a request refused before an exchange existed.
    func auditRefusal(head: HTTPRequestHead, host: String?, port: Int?, path: String?, status: Int,
                      violation: ViolationCode?, reason: String, headBytes: Int) {
        var record = AuditRecord(event: .request, mode: .forward)
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
        env.audit.write(record)
        env.metrics.request(status: status)
        if let violation { env.metrics.violation(violation.rawValue) }
    }
}
