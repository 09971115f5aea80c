extension AuditRecord {
    /// Appends the record as one JSON object followed by `\n`. A nil `time` is written as null.
    public func encode(into out: inout [UInt8]) {
        var json = JSONWriter(capacity: 512)
        encode(into: &json, defaultTime: nil)
        json.withUnsafeBytes { out.append(contentsOf: $0) }
    }

    /// Appends the line to `json`, with `defaultTime` standing in for a nil `time` (no copy of
    /// the record). Keys are written with their punctuation as single source literals, in the
    /// fixed order.
    func encode(into json: inout JSONWriter, defaultTime: AuditTimestamp?) {
        json.ascii("{\"time\":"); if let time = time ?? defaultTime { time.write(into: &json) } else { json.null() }
        json.ascii(",\"event\":"); json.ascii(event.quotedJSON)
        json.ascii(",\"mode\":"); if let mode { json.ascii(mode.quotedJSON) } else { json.null() }
        json.ascii(",\"client\":"); json.string(client)
        json.ascii(",\"host\":"); json.string(host)
        json.ascii(",\"port\":"); json.int(port)
        json.ascii(",\"method\":"); json.string(method)
        json.ascii(",\"path\":"); json.string(path)
        json.ascii(",\"status\":"); json.int(status)
        json.ascii(",\"upstream\":"); json.string(upstream)
        json.ascii(",\"tls_version\":"); json.string(tlsVersion)
        json.ascii(",\"cipher\":"); json.string(cipher)
        json.ascii(",\"decision\":"); if let decision { json.ascii(decision.quotedJSON) } else { json.null() }
        if let error { json.ascii(",\"outcome\":\"error\",\"error\":"); json.string(error) } else { json.ascii(",\"outcome\":\"ok\",\"error\":null") }
        if violations.isEmpty { json.ascii(",\"violations\":[]") } else { json.ascii(",\"violations\":"); json.strings(violations) }
        json.ascii(",\"reason\":"); json.string(reason)
        json.ascii(",\"bytes_in\":"); json.int(bytesIn)
        json.ascii(",\"bytes_out\":"); json.int(bytesOut)
        json.ascii(",\"duration_ms\":"); json.milliseconds(durationMs)
        if event == .tunnel {
            json.ascii(",\"sni\":"); json.string(sni)
            json.ascii(",\"alpn\":"); if let alpn { json.strings(alpn) } else { json.null() }
            json.ascii(",\"client_tls_max\":"); json.string(clientTLSMax)
        }
        writeExtra(into: &json)
        json.ascii("}\n")
    }

    /// The free-form members (`extra`: AWS fields, intercept and HTTP/2 fields) after the fixed ones.
    func writeExtra(into json: inout JSONWriter) {
        for (name, value) in extra {
            json.key(escaping: name)
            switch value {
            case .string(let s): json.string(s)
            case .int(let i): json.int(i)
            case .double(let d): json.double(d)
            case .bool(let b): json.bool(b)
            case .null: json.null()
            case .strings(let list): json.strings(list)
            }
        }
    }

    /// The JSON line, `\n` terminated.
    public var jsonLine: String {
        var json = JSONWriter(capacity: 512)
        encode(into: &json, defaultTime: nil)
        return json.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }
}

// The raw values in quotes, as source literals (tests check they match `rawValue`).

extension AuditEvent {
    var quotedJSON: StaticString {
        switch self {
        case .request: return "\"request\""
        case .tunnel: return "\"tunnel\""
        case .violation: return "\"violation\""
        case .configReload: return "\"config_reload\""
        }
    }
}

extension AuditMode {
    var quotedJSON: StaticString {
        switch self {
        case .forward: return "\"forward\""
        case .tunnel: return "\"tunnel\""
        case .intercept: return "\"intercept\""
        }
    }
}

extension AuditDecision {
    var quotedJSON: StaticString {
        switch self {
        case .allow: return "\"allow\""
        case .deny: return "\"deny\""
        case .report: return "\"report\""
        }
    }
}
