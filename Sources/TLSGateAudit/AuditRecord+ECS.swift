/// Elastic Common Schema 8.x lines: `@timestamp`, `event.*`, `source.*`, `destination.*`,
/// `url.*`, `http.*`, `tls.*` (`tls.client.server_name`), `network.*`, `observer.*`; tlsgate's
/// specifics and the evidence fields in the custom `tlsgate` object, the last member.
extension AuditRecord {
    static let ecsVersion = "8.11.0"

    func encodeECS(into json: inout JSONWriter, defaultTime: AuditTimestamp?) {
        json.ascii("{\"@timestamp\":"); if let t = time ?? defaultTime { t.write(into: &json) } else { json.null() }
        json.ascii(",\"ecs\":{\"version\":\"8.11.0\"}")
        let traffic = event == .request || event == .tunnel || event == .violation
        json.ascii(",\"event\":{\"kind\":"); json.ascii(event == .violation ? "\"alert\"" : "\"event\"")
        json.ascii(",\"category\":"); json.ascii(traffic ? (mode == .tunnel ? "[\"network\"]" : "[\"network\",\"web\"]") : "[\"configuration\"]")
        json.ascii(",\"type\":")
        if !traffic { json.ascii("[\"change\"]") } else if decision == .deny { json.ascii("[\"connection\",\"denied\"]") } else if error != nil { json.ascii("[\"connection\",\"error\"]") } else { json.ascii("[\"connection\",\"allowed\"]") }
        json.ascii(",\"action\":"); json.ascii(event.quotedJSON)
        json.ascii(",\"outcome\":"); json.ascii(error != nil || (status ?? 0) >= 400 ? "\"failure\"" : "\"success\"")
        if let reason { json.ascii(",\"reason\":"); json.string(reason) }
        if let durationMs { json.ascii(",\"duration\":"); json.int(Int((durationMs * 1_000_000).rounded())) }
        json.byte(0x7D)
        json.ascii(",\"observer\":{\"product\":\"tlsgate\",\"vendor\":\"tlsgate\",\"type\":\"proxy\"}")
        if traffic {
            let src = Self.splitAddress(client)
            if src.ip != nil || src.port != nil {
                json.ascii(",\"source\":{"); Self.ecsEndpoint(&json, ip: src.ip, port: src.port, domain: nil, bytes: bytesIn); json.byte(0x7D)
            }
            let dst = Self.splitAddress(upstream)
            json.ascii(",\"destination\":{"); Self.ecsEndpoint(&json, ip: dst.ip, port: port ?? dst.port, domain: host, bytes: bytesOut); json.byte(0x7D)
            json.ascii(",\"network\":{\"transport\":\"tcp\",\"protocol\":"); json.ascii(mode == .tunnel ? "\"tls\"" : "\"http\"")
            json.ascii(",\"bytes\":"); json.int((bytesIn ?? 0) &+ (bytesOut ?? 0)); json.byte(0x7D)
            if let tlsVersion {
                let number = tlsVersion.hasPrefix("TLSv") ? String(tlsVersion.dropFirst(4)) : tlsVersion
                json.ascii(",\"tls\":{\"version_protocol\":\"tls\",\"version\":"); json.string(number)
                if let cipher { json.ascii(",\"cipher\":"); json.string(cipher) }
                json.ascii(",\"client\":{\"server_name\":"); json.string(sni ?? host)
                json.ascii("}}")
            } else if let sni {
                json.ascii(",\"tls\":{\"client\":{\"server_name\":"); json.string(sni); json.ascii("}}")
            }
            if mode != .tunnel, let host {
                let pathText = path ?? "/"
                json.ascii(",\"url\":{\"scheme\":\"https\",\"domain\":"); json.string(host)
                if let port { json.ascii(",\"port\":"); json.int(port) }
                json.ascii(",\"path\":"); json.string(String(pathText.prefix(while: { $0 != "?" })))
                if let q = pathText.firstIndex(of: "?") { json.ascii(",\"query\":"); json.string(String(pathText[pathText.index(after: q)...])) }
                json.ascii(",\"original\":"); json.string("https://\(host)\(port.map { $0 == 443 ? "" : ":\($0)" } ?? "")\(pathText)")
                json.byte(0x7D)
                json.ascii(",\"http\":{\"request\":{\"method\":"); json.string(method)
                json.ascii("},\"response\":{\"status_code\":"); json.int(status)
                json.ascii("}}")
            }
        }
        json.ascii(",\"tlsgate\":{"); writeTLSGateMembers(into: &json)
        json.ascii("}}\n")
    }

    static func ecsEndpoint(_ json: inout JSONWriter, ip: String?, port: Int?, domain: String?, bytes: Int?) {
        var first = true
        func sep(_ json: inout JSONWriter) { if !first { json.byte(0x2C) }; first = false }
        if let domain { sep(&json); json.ascii("\"domain\":"); json.string(domain) }
        if let ip { sep(&json); json.ascii("\"ip\":"); json.string(ip); json.ascii(",\"address\":"); json.string(ip) } else if let domain {
            json.ascii(",\"address\":"); json.string(domain)
        }
        if let port { sep(&json); json.ascii("\"port\":"); json.int(port) }
        if let bytes { sep(&json); json.ascii("\"bytes\":"); json.int(bytes) }
    }
}
