import Foundation
import Testing

/// Forward mode: keep-alive and body-less responses (HEAD, 204, 304) on one client connection.
@Suite(.serialized)
struct ForwardConnectionTests {
    static func spec(_ items: [[String: Any]]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: items), as: UTF8.self)
    }

    @Test func keepAliveSeveralRequestsOneConnection() throws {
        let fx = try ProxyFixture("fwd-keepalive")
        defer { fx.cleanup() }
        let s3 = fx.s3
        let items: [[String: Any]] = [
            ["method": "GET", "url": "\(s3)/bytes/1000"],
            ["method": "POST", "url": "\(s3)/echo", "body_size": 70000],
            ["method": "GET", "url": "\(s3)/chunked?size=70001&chunk=1000"],
            ["method": "GET", "url": "\(s3)/bytes/0"],
            ["method": "PUT", "url": "\(s3)/echo", "body_size": 1],
            ["method": "GET", "url": "\(s3)/bytes/300000"],
        ]
        let r = try PyClient.run(["sequence", "--proxy", fx.gate.hostPort, "--spec", try Self.spec(items)])
        let results = r["results"] as? [[String: Any]] ?? []
        #expect(r["connects"] as? Int == 1, "client had to reconnect: \(r)\n\(fx.gate.diagnostics)")
        #expect(results.count == items.count, "\(r)\n\(fx.gate.diagnostics)")
        let expected = [1000, 70000, 70001, 0, 1, 300000]
        for (i, res) in results.enumerated() {
            #expect(res["status"] as? Int == 200, "request \(i): \(res)")
            #expect(res["length"] as? Int == expected[i], "request \(i): \(res)")
            #expect(res["pattern_ok"] as? Bool == true, "request \(i): \(res)")
        }
        let ports = Set(results.compactMap { $0["local_port"] as? Int })
        #expect(ports.count == 1, "requests used several client sockets: \(ports)")

        // curl with several URLs: only the first one opens a connection.
        let c = try Curl.run(["-x", fx.gate.proxyURL, "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null",
                              "-w", "%{http_code}:%{num_connects}\n",
                              "\(s3)/bytes/10", "\(s3)/headers", "\(s3)/bytes/20000"])
        #expect(c.status == 0, "curl: \(c.stderrText)")
        #expect(c.stdoutText.split(separator: "\n") == ["200:1", "200:0", "200:0"], "curl: \(c.stdoutText)")

        let lines = fx.gate.waitForAudit(count: 9) { $0.event == "request" && $0.status == 200 }
        #expect(lines.count == 9, "one audit line per request (9): got \(lines.count)\n\(fx.gate.auditText)")
    }

    @Test func zeroLengthBodiesKeepTheConnectionUsable() throws {
        let fx = try ProxyFixture("fwd-zero")
        defer { fx.cleanup() }
        let s3 = fx.s3
        let items: [[String: Any]] = [
            ["method": "GET", "url": "\(s3)/bytes/0"],                    // response Content-Length: 0
            ["method": "GET", "url": "\(s3)/bytes/1"],
            ["method": "POST", "url": "\(s3)/echo", "body_size": 0],      // request and response CL: 0
            ["method": "GET", "url": "\(s3)/bytes/2"],
        ]
        let r = try PyClient.run(["sequence", "--proxy", fx.gate.hostPort, "--spec", try Self.spec(items),
                                  "--timeout", "10"])
        let results = r["results"] as? [[String: Any]] ?? []
        #expect(results.compactMap { $0["status"] as? Int } == [200, 200, 200, 200],
                "a Content-Length: 0 exchange must end at once: \(r)\n\(fx.gate.diagnostics)")
        #expect(results.compactMap { $0["length"] as? Int } == [0, 1, 0, 2], "\(r)")
        #expect(r["connects"] as? Int == 1, "\(r)")
    }

    @Test func headNoContentAndNotModifiedDoNotHang() throws {
        let fx = try ProxyFixture("fwd-nobody")
        defer { fx.cleanup() }
        let s3 = fx.s3
        let items: [[String: Any]] = [
            ["method": "HEAD", "url": "\(s3)/bytes/5000"],
            ["method": "GET", "url": "\(s3)/status/204"],
            ["method": "GET", "url": "\(s3)/status/304", "headers": ["If-None-Match": "\"v1\""]],
            ["method": "HEAD", "url": "\(s3)/chunked?size=9999"],
            ["method": "GET", "url": "\(s3)/bytes/100"],
        ]
        let r = try PyClient.run(["sequence", "--proxy", fx.gate.hostPort, "--spec", try Self.spec(items),
                                  "--timeout", "10"])
        let results = r["results"] as? [[String: Any]] ?? []
        #expect(results.count == items.count && results.allSatisfy { $0["error"] == nil },
                "a body-less response hung or broke the connection: \(r)\n\(fx.gate.diagnostics)")
        let statuses = results.compactMap { $0["status"] as? Int }
        #expect(statuses == [200, 204, 304, 200, 200], "\(r)")
        let lengths = results.compactMap { $0["length"] as? Int }
        #expect(lengths == [0, 0, 0, 0, 100], "\(r)")
        if let head = results.first, let h = head["headers"] as? [String: String] {
            #expect(h["content-length"] == "5000", "HEAD keeps the entity's Content-Length: \(h)")
        }
        #expect(r["connects"] as? Int == 1, "\(r)")

        // The same through curl, each on its own, with a hard deadline.
        for (args, code) in [(["-I", "\(s3)/bytes/5000"], 200), (["\(s3)/status/204"], 204),
                             (["\(s3)/status/304"], 304)] {
            let c = try Curl.run(["-x", fx.gate.proxyURL, "--max-time", "10", "-o", "/dev/null",
                                  "-w", "%{http_code}"] + args, timeout: 20)
            #expect(c.status == 0 && Curl.status(c) == code, "\(args): exit \(c.status) \(c.stderrText)")
        }
    }
}
