extension AuditRecord {
    /// Appends the record as one JSON object followed by `\n`. A nil `time` is written as null.
    public func encode(into out: inout [UInt8]) {
        encode(into: &out, defaultTime: nil)
    }

    /// ``encode(into:)`` with `defaultTime` standing in for a nil `time` (no copy of the record).
    func encode(into out: inout [UInt8], defaultTime: AuditTimestamp?) {
        JSONWriter.write(into: &out) { json in encode(&json, time: time ?? defaultTime) }
    }

    private func encode(_ json: inout JSONWriter, time: AuditTimestamp?) {
        json.begin()
        json.key("time"); if let text = time?.rfc3339Bytes { json.quoted(text) } else { json.null() }
        json.key("event"); json.string(event.rawValue)
        json.key("mode"); json.string(mode?.rawValue)
        json.key("client"); json.string(client)
        json.key("host"); json.string(host)
        json.key("port"); json.int(port)
        json.key("method"); json.string(method)
        json.key("path"); json.string(path)
        json.key("status"); json.int(status)
        json.key("upstream"); json.string(upstream)
        json.key("tls_version"); json.string(tlsVersion)
        json.key("cipher"); json.string(cipher)
        json.key("decision"); json.string(decision?.rawValue)
        json.key("violations"); json.strings(violations)
        json.key("reason"); json.string(reason)
        json.key("bytes_in"); json.int(bytesIn)
        json.key("bytes_out"); json.int(bytesOut)
        json.key("duration_ms"); json.double(durationMs.map { ($0 * 1000).rounded() / 1000 })
        if event == .tunnel {
            json.key("sni"); json.string(sni)
            json.key("alpn"); if let alpn { json.strings(alpn) } else { json.null() }
            json.key("client_tls_max"); json.string(clientTLSMax)
        }
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
        json.end()
        json.newline()
    }

    /// The JSON line, `\n` terminated.
    public var jsonLine: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512)
        encode(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
