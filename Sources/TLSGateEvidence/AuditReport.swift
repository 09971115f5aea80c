/// `tlsgate audit report --html`: one self-contained page (inline CSS and SVG, no fetch) with
/// the verify result at the top and charts of traffic by decision, TLS versions and violations
/// over time, violations by code, top hosts and the FIPS share. Built in one streaming pass
/// (with the summary's counters) plus the verifier's pass.
public struct AuditReport {
    public private(set) var summary = AuditSummary()
    public private(set) var traffic = AuditTimeline()
    public private(set) var tlsVersions = AuditTimeline()
    public private(set) var violations = AuditTimeline()

    public init(since: String? = nil, until: String? = nil) {
        summary = AuditSummary(since: since, until: until)
    }

    public mutating func add(paths: [String]) throws(EvidenceReadError) {
        for path in paths {
            try LineReader(path: path).forEachLine { line, _, terminated, tooLong in
                if tooLong || !terminated { return true }
                let before = summary.lines
                summary.add(line: line)
                if summary.lines > before { addTimelines(line) }
                return true
            }
        }
    }

    private mutating func addTimelines(_ line: UnsafeRawBufferPointer) {
        var time: JSONValue?, event: JSONValue?, decision: JSONValue?, outcome: JSONValue?, tls: JSONValue?, list: JSONValue?
        JSONLine.forEachMember(line) { key, value in
            if key.elementsEqual("time".utf8) { time = value }
            else if key.elementsEqual("event".utf8) { event = value }
            else if key.elementsEqual("decision".utf8) { decision = value }
            else if key.elementsEqual("outcome".utf8) { outcome = value }
            else if key.elementsEqual("tls_version".utf8) { tls = value }
            else if key.elementsEqual("violations".utf8) { list = value }
            return true
        }
        guard let time, time.kind == .string, let seconds = AuditTimeline.seconds(time.bytes), let event else { return }
        if event.equals("violation") {
            if let list { JSONLine.forEachElement(list) { if let code = $0.string { violations.add(seconds: seconds, series: code) } } }
        } else if event.equals("request") || event.equals("tunnel") {
            let name = outcome?.equals("error") == true ? "error" : (decision?.string ?? "none")
            traffic.add(seconds: seconds, series: name)
            if let v = tls?.string { tlsVersions.add(seconds: seconds, series: v) }
        }
    }

    /// The page. `verify` is the verify result of the same files.
    public func html(verify: VerifyResult, title: String = "tlsgate audit report") -> String {
        var page = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(Self.escape(title))</title>
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
        <style>
        body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
        h1{font-size:22px}h2{font-size:17px;margin-top:28px}
        .ok{background:#e6f4ea;border:1px solid #34a853}.fail{background:#fce8e6;border:1px solid #d93025}
        .verdict{padding:10px 14px;border-radius:6px;white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:12px}
        table{border-collapse:collapse}td,th{padding:2px 10px;text-align:left;border-bottom:1px solid #eee}
        td.n{text-align:right}.legend span{display:inline-block;margin-right:14px}
        .legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
        svg.chart{display:block;background:#fafafa;border:1px solid #ddd}
        </style></head><body>
        <h1>\(Self.escape(title))</h1>

        """
        page += "<h2>Integrity (tlsgate audit verify)</h2>\n"
        page += "<div id=\"verify\" class=\"verdict \(verify.intact ? "ok" : "fail")\">\(Self.escape(verify.text()))</div>\n"
        let s = summary
        page += "<h2>Overview</h2>\n<table>"
        let rows: [(String, String)] = [
            ("Span", "\(s.firstTime ?? "-") .. \(s.lastTime ?? "-")"), ("Lines", "\(s.lines)"), ("Requests and tunnels", "\(s.traffic)"),
            ("Denied by policy", "\(s.byDecision.counts["deny"] ?? 0)"), ("Reported (report mode)", "\(s.byDecision.counts["report"] ?? 0)"),
            ("Errors (no policy finding)", "\(s.byOutcome.counts["error"] ?? 0)"),
            ("FIPS endpoints", "\(s.awsFIPSCalls) of \(s.awsCalls) AWS calls"),
        ]
        for (k, v) in rows { page += "<tr><th>\(Self.escape(k))</th><td>\(Self.escape(v))</td></tr>" }
        page += "</table>\n"
        let decisionColors = ["allow": "#34a853", "report": "#f9ab00", "deny": "#d93025", "error": "#5f6368", "none": "#9aa0a6"]
        page += "<h2>Traffic over time by decision</h2>\n" + Self.stackedBars(id: "chart-traffic", traffic, colors: decisionColors)
        page += "<h2>TLS versions over time</h2>\n" + Self.stackedBars(id: "chart-tls", tlsVersions, colors: ["TLSv1.3": "#1a73e8", "TLSv1.2": "#a142f4"])
        page += "<h2>Violations over time</h2>\n" + Self.stackedBars(id: "chart-violations", violations, colors: [:])
        let codes = s.violations.map { ($0.key, $0.value.count) }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        page += "<h2>Violations by code</h2>\n" + Self.hbars(id: "chart-codes", codes, color: "#d93025")
        page += "<h2>Top hosts</h2>\n" + Self.hbars(id: "chart-hosts", s.hosts.top(10), color: "#1a73e8")
        page += "<h2>FIPS share of AWS calls</h2>\n"
            + Self.hbars(id: "chart-fips", [("FIPS endpoint", s.awsFIPSCalls), ("non-FIPS endpoint", s.awsCalls - s.awsFIPSCalls)], color: "#34a853")
        if !codes.isEmpty {
            page += "<h2>Violation examples</h2>\n<table>"
            for (code, _) in codes {
                let st = s.violations[code]!
                page += "<tr><th>\(Self.escape(code))</th><td class=\"n\">\(st.count)</td><td>\(Self.escape(st.first)) .. \(Self.escape(st.last))</td></tr>"
                page += "<tr><td colspan=\"3\"><code>\(Self.escape(String(st.example.prefix(600))))</code></td></tr>"
            }
            page += "</table>\n"
        }
        // The browser records each chart's laid-out size on the element (data-rendered-*), so a
        // headless `--dump-dom` shows that the charts were drawn, not only written.
        page += """
        <script>
        for (const svg of document.querySelectorAll('svg.chart')) {
          const r = svg.getBoundingClientRect();
          const marks = [...svg.querySelectorAll('rect.mark')].filter(m => { const b = m.getBoundingClientRect(); return b.width > 0 && b.height > 0; });
          svg.setAttribute('data-rendered-width', Math.round(r.width));
          svg.setAttribute('data-rendered-height', Math.round(r.height));
          svg.setAttribute('data-rendered-marks', marks.length);
        }
        </script>
        </body></html>

        """
        return page
    }

    static let palette = ["#d93025", "#f9ab00", "#1a73e8", "#a142f4", "#12b5cb", "#e8710a", "#34a853", "#5f6368"]

    /// Stacked bars, one per bucket.
    static func stackedBars(id: String, _ timeline: AuditTimeline, colors: [String: String]) -> String {
        let buckets = timeline.ordered
        let w = 1000, h = 220, left = 50, bottom = 24
        guard !buckets.isEmpty else { return "<p>No data.</p>\n" }
        let peak = max(1, buckets.map { $0.counts.values.reduce(0, +) }.max() ?? 1)
        let barW = max(1.0, Double(w - left - 10) / Double(buckets.count))
        var color: [String: String] = [:]
        for (i, name) in timeline.series.enumerated() { color[name] = colors[name] ?? palette[i % palette.count] }
        var svg = "<svg class=\"chart\" id=\"\(id)\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\">"
        svg += "<text x=\"4\" y=\"14\" font-size=\"11\">\(peak)</text><text x=\"4\" y=\"\(h - bottom)\" font-size=\"11\">0</text>"
        for (i, bucket) in buckets.enumerated() {
            var y = Double(h - bottom)
            for name in timeline.series {
                guard let n = bucket.counts[name], n > 0 else { continue }
                let bh = Double(h - bottom - 20) * Double(n) / Double(peak)
                y -= bh
                let x = Double(left) + Double(i) * barW
                svg += "<rect class=\"mark\" x=\"\(fmt(x))\" y=\"\(fmt(y))\" width=\"\(fmt(max(1, barW - 1)))\" height=\"\(fmt(max(bh, 0.5)))\" fill=\"\(color[name]!)\"><title>\(escape(name)): \(n)</title></rect>"
            }
        }
        svg += "<text x=\"\(left)\" y=\"\(h - 6)\" font-size=\"11\">\(iso(buckets.first!.start))</text>"
        svg += "<text x=\"\(w - 10)\" y=\"\(h - 6)\" font-size=\"11\" text-anchor=\"end\">\(iso(buckets.last!.start + timeline.width)) (bars of \(timeline.width / 60) min)</text></svg>\n"
        let legend = timeline.series.map { "<span><i style=\"background:\(color[$0]!)\"></i>\(escape($0))</span>" }.joined()
        return svg + "<div class=\"legend\">\(legend)</div>\n"
    }

    /// Horizontal bars with labels.
    static func hbars(id: String, _ rows: [(String, Int)], color: String) -> String {
        guard !rows.isEmpty, rows.contains(where: { $0.1 > 0 }) else { return "<p>None.</p>\n" }
        let w = 1000, rowH = 22, labelW = 330
        let h = rows.count * rowH + 8
        let peak = max(1, rows.map(\.1).max() ?? 1)
        var svg = "<svg class=\"chart\" id=\"\(id)\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\">"
        for (i, (label, n)) in rows.enumerated() {
            let y = 4 + i * rowH
            let bw = Double(w - labelW - 80) * Double(n) / Double(peak)
            svg += "<text x=\"4\" y=\"\(y + 15)\" font-size=\"12\">\(escape(String(label.prefix(48))))</text>"
            if n > 0 { svg += "<rect class=\"mark\" x=\"\(labelW)\" y=\"\(y + 3)\" width=\"\(fmt(max(bw, 1)))\" height=\"\(rowH - 6)\" fill=\"\(color)\"></rect>" }
            svg += "<text x=\"\(fmt(Double(labelW) + bw + 6))\" y=\"\(y + 15)\" font-size=\"12\">\(n)</text>"
        }
        return svg + "</svg>\n"
    }

    static func fmt(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    /// `2025-12-04 03:00Z`.
    static func iso(_ seconds: Int) -> String {
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let sod = seconds - days * 86400
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(y)-\(two(m))-\(two(d)) \(two(sod / 3600)):\(two(sod % 3600 / 60))Z"
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
