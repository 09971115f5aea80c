/// OCSF 1.5 lines: `request` (and forward `violation`) lines as HTTP Activity (class 4002),
/// `tunnel` (and tunnel `violation`) lines as Network Activity (4001), others as Base Event (0).
/// tlsgate's specifics (decision detail, violations, AWS fields) and the evidence fields are in
/// `unmapped`, the last member.
extension AuditRecord {
    static let ocsfVersion = "1.5.0"

    func encodeOCSF(into json: inout JSONWriter, defaultTime: AuditTimestamp?) {
        let http = event == .request || (event == .violation && mode != .tunnel && method != nil && method != "CONNECT")
        let network = !http && (event == .tunnel || event == .violation)
        let denied = decision == .deny
        let t = time ?? defaultTime ?? AuditTimestamp(seconds: 0)
        if http {
            json.ascii("{\"class_uid\":4002,\"class_name\":\"HTTP Activity\",\"category_uid\":4,\"category_name\":\"Network Activity\"")
            let activity = Self.ocsfHTTPActivity(method)
            json.ascii(",\"activity_id\":"); json.int(activity)
            json.ascii(",\"type_uid\":"); json.int(400_200 + activity)
        } else if network {
            // Network Activity: 2 Close (a tunnel line is written when it ends), 4 Fail, 5 Refuse.
            let activity = denied ? 5 : (error != nil ? 4 : 2)
            json.ascii("{\"class_uid\":4001,\"class_name\":\"Network Activity\",\"category_uid\":4,\"category_name\":\"Network Activity\"")
            json.ascii(",\"activity_id\":"); json.int(activity)
            json.ascii(",\"type_uid\":"); json.int(400_100 + activity)
        } else {
            json.ascii("{\"class_uid\":0,\"class_name\":\"Base Event\",\"category_uid\":0,\"category_name\":\"Uncategorized\",\"activity_id\":99,\"type_uid\":99")
        }
        json.ascii(",\"time\":"); json.int(Self.epochMilliseconds(t))
        json.ascii(",\"severity_id\":"); json.int(event == .violation ? (denied ? 3 : 2) : 1)
        if decision == .allow || decision == .report {
            json.ascii(",\"action_id\":1,\"action\":\"Allowed\",\"disposition_id\":1,\"disposition\":\"Allowed\"")
        } else if denied {
            json.ascii(",\"action_id\":2,\"action\":\"Denied\",\"disposition_id\":2,\"disposition\":\"Blocked\"")
        }
        let failed = error != nil || (status ?? 0) >= 400
        json.ascii(failed ? ",\"status_id\":2,\"status\":\"Failure\"" : ",\"status_id\":1,\"status\":\"Success\"")
        if let reason { json.ascii(",\"status_detail\":"); json.string(reason) }
        if let durationMs { json.ascii(",\"duration\":"); json.int(Int(durationMs.rounded())) }
        json.ascii(",\"metadata\":{\"version\":\"1.5.0\",\"product\":{\"name\":\"tlsgate\",\"vendor_name\":\"tlsgate\"},\"log_name\":\"audit\"}")
        if http || network {
            let src = Self.splitAddress(client)
            json.ascii(",\"src_endpoint\":{"); Self.endpoint(&json, ip: src.ip, port: src.port, hostname: nil); json.byte(0x7D)
            let dst = Self.splitAddress(upstream)
            json.ascii(",\"dst_endpoint\":{"); Self.endpoint(&json, ip: dst.ip, port: port ?? dst.port, hostname: host); json.byte(0x7D)
            if tlsVersion != nil || cipher != nil || sni != nil {
                json.ascii(",\"tls\":{\"version\":"); json.string(tlsVersion ?? "")
                if let cipher { json.ascii(",\"cipher\":"); json.string(cipher) }
                if let sni { json.ascii(",\"sni\":"); json.string(sni) }
                json.byte(0x7D)
            }
            json.ascii(",\"traffic\":{\"bytes_in\":"); json.int(bytesIn ?? 0)
            json.ascii(",\"bytes_out\":"); json.int(bytesOut ?? 0)
            json.ascii(",\"bytes\":"); json.int((bytesIn ?? 0) &+ (bytesOut ?? 0)); json.byte(0x7D)
        }
        if http {
            json.ascii(",\"http_request\":{\"http_method\":"); json.string(method)
            json.ascii(",\"url\":{\"scheme\":\"https\",\"hostname\":"); json.string(host ?? "")
            if let port { json.ascii(",\"port\":"); json.int(port) }
            let pathText = path ?? "/"
            json.ascii(",\"path\":"); json.string(String(pathText.prefix(while: { $0 != "?" })))
            if let q = pathText.firstIndex(of: "?") { json.ascii(",\"query_string\":"); json.string(String(pathText[pathText.index(after: q)...])) }
            json.ascii(",\"url_string\":"); json.string("https://\(host ?? "")\(port.map { $0 == 443 ? "" : ":\($0)" } ?? "")\(pathText)")
            json.ascii("}}")
            json.ascii(",\"http_response\":{\"code\":"); json.int(status ?? 0); json.byte(0x7D)
            if let status { json.ascii(",\"http_status\":"); json.int(status) }
        }
        json.ascii(",\"unmapped\":{"); writeTLSGateMembers(into: &json)
        json.ascii("}}\n")
    }

    static func endpoint(_ json: inout JSONWriter, ip: String?, port: Int?, hostname: String?) {
        var first = true
        func sep(_ json: inout JSONWriter) { if !first { json.byte(0x2C) }; first = false }
        if let hostname { sep(&json); json.ascii("\"hostname\":"); json.string(hostname) }
        if let ip { sep(&json); json.ascii("\"ip\":"); json.string(ip) }
        if let port { sep(&json); json.ascii("\"port\":"); json.int(port) }
    }

    /// OCSF HTTP Activity ids: 1 CONNECT, 2 DELETE, 3 GET, 4 HEAD, 5 OPTIONS, 6 POST, 7 PUT, 8 TRACE, 99 Other.
    static func ocsfHTTPActivity(_ method: String?) -> Int {
        switch method {
        case "CONNECT": return 1
        case "DELETE": return 2
        case "GET": return 3
        case "HEAD": return 4
        case "OPTIONS": return 5
        case "POST": return 6
        case "PUT": return 7
        case "TRACE": return 8
        default: return 99
        }
    }
}
