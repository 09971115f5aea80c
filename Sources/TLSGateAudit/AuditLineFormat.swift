/// The schema audit lines are written in (`audit.format`). Evidence lines (`restart`,
/// `checkpoint`) keep tlsgate's layout in every format, and the evidence fields (`instance`,
/// `seq`, `chain`) go where each schema keeps vendor fields: top level for tlsgate, inside
/// `unmapped` for OCSF, inside `tlsgate` for ECS.
public enum AuditLineFormat: String, Sendable, CaseIterable {
    case tlsgate
    /// OCSF 1.x: HTTP Activity (4002) for requests, Network Activity (4001) for tunnels.
    case ocsf
    /// Elastic Common Schema 8.x.
    case ecs

    /// Bytes after the evidence fields: `}` for tlsgate; `}}` when the vendor object is last.
    var closingBytes: Int { self == .tlsgate ? 1 : 2 }
}

extension AuditRecord {
    /// Appends the line in `format`.
    @inline(__always)
    func encode(into json: inout JSONWriter, defaultTime: AuditTimestamp?, format: AuditLineFormat) {
        switch format {
        case .tlsgate: encode(into: &json, defaultTime: defaultTime)
        case .ocsf: encodeOCSF(into: &json, defaultTime: defaultTime)
        case .ecs: encodeECS(into: &json, defaultTime: defaultTime)
        }
    }

    /// The line in `format`, `\n` terminated (without evidence fields).
    public func line(format: AuditLineFormat) -> String {
        var json = JSONWriter(capacity: 1024)
        encode(into: &json, defaultTime: nil, format: format)
        return json.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// tlsgate's own members after `time` and `event`, for the vendor object of OCSF and ECS
    /// lines (no leading comma).
    func writeTLSGateMembers(into json: inout JSONWriter) {
        json.ascii("\"event\":"); json.ascii(event.quotedJSON)
        json.ascii(",\"mode\":"); if let mode { json.ascii(mode.quotedJSON) } else { json.null() }
        json.ascii(",\"decision\":"); if let decision { json.ascii(decision.quotedJSON) } else { json.null() }
        if let error { json.ascii(",\"outcome\":\"error\",\"error\":"); json.string(error) } else { json.ascii(",\"outcome\":\"ok\",\"error\":null") }
        if violations.isEmpty { json.ascii(",\"violations\":[]") } else { json.ascii(",\"violations\":"); json.strings(violations) }
        json.ascii(",\"reason\":"); json.string(reason)
        if event == .tunnel {
            json.ascii(",\"alpn\":"); if let alpn { json.strings(alpn) } else { json.null() }
            json.ascii(",\"client_tls_max\":"); json.string(clientTLSMax)
        }
        writeExtra(into: &json)
    }

    /// "ip:port" / "[v6]:port" split; nil parts when absent.
    static func splitAddress(_ text: String?) -> (ip: String?, port: Int?) {
        guard let text else { return (nil, nil) }
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let ip = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            return (ip, rest.hasPrefix(":") ? Int(rest.dropFirst()) : nil)
        }
        guard let colon = text.lastIndex(of: ":") else { return (text, nil) }
        return (String(text[..<colon]), Int(text[text.index(after: colon)...]))
    }

    /// Milliseconds since the epoch.
    static func epochMilliseconds(_ t: AuditTimestamp) -> Int { t.seconds &* 1000 &+ t.nanoseconds / 1_000_000 }
}
