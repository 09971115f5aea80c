/// `tlsgate audit summary`: the auditor's questions answered in one pass over the files, in
/// bounded memory (counters per distinct value; one example line per violation code).
public struct AuditSummary: Sendable {
    /// Lines with `time` before `since` or at/after `until` (RFC 3339 prefixes, compared as text:
    /// tlsgate writes fixed-width UTC times) are skipped.
    public var since: String?
    public var until: String?

    public private(set) var lines = 0
    public private(set) var malformed = 0
    public private(set) var firstTime: String?
    public private(set) var lastTime: String?
    /// request + tunnel lines.
    public private(set) var traffic = 0
    public private(set) var byEvent = Counter()
    public private(set) var byMode = Counter()
    public private(set) var byDecision = Counter()
    public private(set) var byOutcome = Counter()
    public private(set) var byError = Counter()
    public private(set) var tlsVersions = Counter()
    public private(set) var ciphers = Counter()
    public private(set) var hosts = Counter()
    public private(set) var clients = Counter()
    public private(set) var instances = Counter()
    public private(set) var awsCalls = 0
    public private(set) var awsFIPSCalls = 0
    public private(set) var awsServices = Counter()
    public private(set) var awsRegions = Counter()
    public private(set) var awsOperations = Counter()
    public private(set) var awsAccessKeys = Counter()
    public private(set) var violations: [String: ViolationStats] = [:]

    public struct ViolationStats: Sendable {
        public var count = 0
        public var first = ""
        public var last = ""
        public var example = ""
    }

    /// Counts per distinct value.
    public struct Counter: Sendable {
        public private(set) var counts: [String: Int] = [:]
        public private(set) var total = 0
        /// Distinct values kept; later new values are counted under "(other)" (bounded memory).
        public static let maxDistinct = 100_000

        mutating func add(_ key: String) {
            total += 1
            if counts[key] != nil || counts.count < Self.maxDistinct { counts[key, default: 0] += 1 } else { counts["(other)", default: 0] += 1 }
        }

        /// Highest counts first (ties by name), at most `limit`.
        public func top(_ limit: Int = .max) -> [(String, Int)] {
            Array(counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(limit))
        }
    }

    public init(since: String? = nil, until: String? = nil) {
        self.since = since
        self.until = until
    }

    /// Adds every line of the files.
    public mutating func add(paths: [String]) throws(EvidenceReadError) {
        for path in paths {
            let reader = try LineReader(path: path)
            try reader.forEachLine { line, _, terminated, tooLong in
                if tooLong || !terminated { malformed += 1 } else { add(line: line) }
                return true
            }
        }
    }

    /// Adds one line.
    public mutating func add(line: UnsafeRawBufferPointer) {
        var time: JSONValue?, event: JSONValue?, mode: JSONValue?, decision: JSONValue?, outcome: JSONValue?
        var error: JSONValue?, tls: JSONValue?, cipher: JSONValue?, host: JSONValue?, client: JSONValue?
        var instance: JSONValue?, violationList: JSONValue?, service: JSONValue?, region: JSONValue?
        var operation: JSONValue?, accessKey: JSONValue?, fips: JSONValue?
        let ok = JSONLine.forEachMember(line) { key, value in
            guard let k0 = key.first else { return true }
            switch (k0, key.count) {
            case (0x74, 4): if key.elementsEqual("time".utf8) { time = value }
            case (0x65, 5): if key.elementsEqual("event".utf8) { event = value } else if key.elementsEqual("error".utf8) { error = value }
            case (0x6D, 4): if key.elementsEqual("mode".utf8) { mode = value }
            case (0x64, 8): if key.elementsEqual("decision".utf8) { decision = value }
            case (0x6F, 7): if key.elementsEqual("outcome".utf8) { outcome = value }
            case (0x74, 11): if key.elementsEqual("tls_version".utf8) { tls = value }
            case (0x63, 6): if key.elementsEqual("cipher".utf8) { cipher = value } else if key.elementsEqual("client".utf8) { client = value }
            case (0x68, 4): if key.elementsEqual("host".utf8) { host = value }
            case (0x69, 8): if key.elementsEqual("instance".utf8) { instance = value }
            case (0x76, 10): if key.elementsEqual("violations".utf8) { violationList = value }
            case (0x61, 11): if key.elementsEqual("aws_service".utf8) { service = value }
            case (0x61, 10): if key.elementsEqual("aws_region".utf8) { region = value }
            case (0x61, 13): if key.elementsEqual("aws_operation".utf8) { operation = value }
            case (0x61, 17): if key.elementsEqual("aws_access_key_id".utf8) { accessKey = value }
            case (0x66, 13): if key.elementsEqual("fips_endpoint".utf8) { fips = value }
            default: break
            }
            return true
        }
        guard ok, let event, event.kind == .string else { malformed += 1; return }
        let timeText = time?.string ?? ""
        if let since, timeText < since { return }
        if let until, timeText >= until { return }
        lines += 1
        if !timeText.isEmpty {
            if firstTime == nil || timeText < firstTime! { firstTime = timeText }
            if lastTime == nil || timeText > lastTime! { lastTime = timeText }
        }
        let eventText = event.string ?? ""
        byEvent.add(eventText)
        if let name = instance?.string { instances.add(name) }
        if event.equals("violation") {
            if let violationList {
                JSONLine.forEachElement(violationList) { code in
                    guard let text = code.string else { return }
                    var stats = violations[text] ?? ViolationStats()
                    stats.count += 1
                    if stats.first.isEmpty || timeText < stats.first { stats.first = timeText }
                    if timeText > stats.last { stats.last = timeText }
                    if stats.example.isEmpty { stats.example = String(decoding: line.prefix(4096), as: UTF8.self) }
                    violations[text] = stats
                }
            }
            return
        }
        guard event.equals("request") || event.equals("tunnel") else { return }
        traffic += 1
        byMode.add(mode?.string ?? "(none)")
        byDecision.add(decision?.string ?? "(none)")
        let failed = outcome?.equals("error") ?? false
        byOutcome.add(failed ? "error" : "ok")
        if failed { byError.add(error?.string ?? "(unknown)") }
        if let v = tls?.string { tlsVersions.add(v) }
        if let c = cipher?.string { ciphers.add(c) }
        if let h = host?.string { hosts.add(h) }
        if let c = client, c.kind == .string { clients.add(Self.clientIP(c.bytes)) }
        if let s = service?.string {
            awsCalls += 1
            awsServices.add(s)
            if fips?.bool == true { awsFIPSCalls += 1 }
            if let r = region?.string { awsRegions.add(r) }
            if let o = operation?.string { awsOperations.add(o) }
            if let k = accessKey?.string { awsAccessKeys.add(k) }
        }
    }

    /// "ip:port" or "[v6]:port" without the port.
    static func clientIP(_ bytes: UnsafeRawBufferPointer) -> String {
        if bytes.first == 0x5B, let close = bytes.firstIndex(of: 0x5D) {
            return String(decoding: bytes[1..<close], as: UTF8.self)
        }
        if let colon = bytes.lastIndex(of: 0x3A) { return String(decoding: bytes[..<colon], as: UTF8.self) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
