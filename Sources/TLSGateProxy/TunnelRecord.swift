import TLSGateAudit
import TLSGatePolicy

/// What a tunnel's audit line will say, filled in as the tunnel progresses.
struct TunnelRecord {
    let startedNanos: UInt64
    var host: String?
    var port: Int?
    var status: Int?
    var decision: AuditDecision = .allow
    /// The code of a failure that is no policy finding (audit `outcome: "error"`).
    var error: String?
    var violations: [ViolationCode] = []
    var reason: String?
    var sni: String?
    var alpn: [String]?
    var clientTLSMax: String?
    /// Highest version in the ClientHello (wire value), for the downgrade-sentinel rule.
    var clientMaxVersion: UInt16 = 0
    var tlsVersion: String?
    var cipher: String?
    /// AWS endpoint facts for the audit line, when the host is in the catalog.
    var awsFields: [(String, AuditValue)] = []
    /// When the ClientHello was forwarded (for the handshake-duration metric).
    var clientHelloNanos: UInt64 = 0
    /// Bytes received from the client (the CONNECT head included).
    var bytesIn: UInt64 = 0
    /// Bytes sent to the client (the proxy's answer included).
    var bytesOut: UInt64 = 0

    init(startedNanos: UInt64) {
        self.startedNanos = startedNanos
    }

    /// Why each violation was found, for its own `violation` audit line.
    var violationReasons: [ViolationCode: String] = [:]

    mutating func addViolation(_ code: ViolationCode, _ why: String? = nil) {
        if !violations.contains(code) { violations.append(code) }
        if let why, violationReasons[code] == nil { violationReasons[code] = why }
    }
}

extension TunnelRecord {
    /// One `violation` line per violation, each a copy of the tunnel's `line` naming its own code
    /// and reason (plain tunnels and intercepted CONNECTs alike).
    func writeViolationLines(_ line: AuditRecord, env: ProxyEnvironment) {
        for code in violations {
            var violation = line
            violation.event = .violation
            violation.violations = [code.rawValue]
            violation.reason = violationReasons[code] ?? reason ?? code.summary
            env.audit.write(violation)
            env.metrics.violation(code.rawValue)
        }
    }
}
