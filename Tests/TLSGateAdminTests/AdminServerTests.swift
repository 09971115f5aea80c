import Foundation
import Glibc
import Testing
import TLSGateAdmin
import TLSGateIO

@Suite struct AdminServerTests {
    @Test func healthzServingThenDraining() throws {
        let f = try AdminFixture()
        let ok = try #require(RawClient.exchange(port: f.port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(ok.status == 200)
        #expect(ok.body == "ok\n")
        #expect(ok.header("Content-Length") == "3")
        #expect(ok.header("Connection") == "close")
        f.serving.set(false)
        let draining = try #require(RawClient.exchange(port: f.port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(draining.status == 503)
        #expect(draining.body == "draining\n")
    }

    @Test func readyz() throws {
        let f = try AdminFixture()
        f.ready.set(false)
        let notReady = try #require(RawClient.exchange(port: f.port, "GET /readyz HTTP/1.1\r\n\r\n"))
        #expect(notReady.status == 503)
        f.ready.set(true)
        let ready = try #require(RawClient.exchange(port: f.port, "GET /readyz HTTP/1.0\r\n\r\n"))
        #expect(ready.status == 200)
        #expect(ready.body == "ready\n")
    }

    @Test func metricsAndHead() throws {
        let f = try AdminFixture()
        let m = try #require(RawClient.exchange(port: f.port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(m.status == 200)
        #expect(m.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(m.body.contains("\ntlsgate_up 1\n"))
        #expect(m.header("Content-Length") == String(m.body.utf8.count))
        let head = try #require(RawClient.exchange(port: f.port, "HEAD /metrics HTTP/1.1\r\n\r\n"))
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
        #expect(head.header("Content-Length") == String(m.body.utf8.count))
        let query = try #require(RawClient.exchange(port: f.port, "GET /healthz?verbose=1 HTTP/1.1\r\n\r\n"))
        #expect(query.status == 200)
    }

    @Test func reloadOkAndFailed() throws {
        let f = try AdminFixture()
        let ok = try #require(RawClient.exchange(port: f.port, "POST /reload HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"))
        #expect(ok.status == 200)
        #expect(ok.body == "reloaded config v2\n")
        f.reloadResult.set(.failure(AdminError("config.yaml:12: unknown key 'allowd'")))
        let failed = try #require(RawClient.exchange(port: f.port, "POST /reload HTTP/1.1\r\n\r\n"))
        #expect(failed.status == 500)
        #expect(failed.body == "config.yaml:12: unknown key 'allowd'\n")
        // A body (ignored) does not disturb the response.
        let withBody = try #require(RawClient.exchange(port: f.port, "POST /reload HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"))
        #expect(withBody.status == 500)
        #expect(f.reloads.get == 3)
    }

    @Test func notFoundMethodNotAllowedAndMalformed() throws {
        let f = try AdminFixture()
        let notFound = try #require(RawClient.exchange(port: f.port, "GET /nope HTTP/1.1\r\n\r\n"))
        #expect(notFound.status == 404)
        let postHealth = try #require(RawClient.exchange(port: f.port, "POST /healthz HTTP/1.1\r\n\r\n"))
        #expect(postHealth.status == 405)
        #expect(postHealth.header("Allow") == "GET, HEAD")
        let getReload = try #require(RawClient.exchange(port: f.port, "GET /reload HTTP/1.1\r\n\r\n"))
        #expect(getReload.status == 405)
        #expect(getReload.header("Allow") == "POST")
        #expect(f.reloads.get == 0)
        for malformed in ["GARBAGE\r\n\r\n", "GET /healthz HTTP/1.1\r\nBad Header: x\r\n\r\n",
                          "GET /healthz HTTP/1.1\r\n folded\r\n\r\n", "GET  HTTP/1.1\r\n\r\n"] {
            let r = try #require(RawClient.exchange(port: f.port, malformed))
            #expect(r.status == 400, "\(malformed.debugDescription)")
        }
        let v2 = try #require(RawClient.exchange(port: f.port, "GET /healthz HTTP/2.0\r\n\r\n"))
        #expect(v2.status == 505)
    }

    @Test func oversizedHeadIs431() throws {
        let f = try AdminFixture()
        let big = "GET /healthz HTTP/1.1\r\nX-Big: \(String(repeating: "a", count: 9_000))\r\n\r\n"
        let r = try #require(RawClient.exchange(port: f.port, big))
        #expect(r.status == 431)
        // Just under the limit is fine.
        let fits = "GET /healthz HTTP/1.1\r\nX-Big: \(String(repeating: "a", count: 8_000))\r\n\r\n"
        #expect(RawClient.exchange(port: f.port, fits)?.status == 200)
        // Oversized with no end at all (never a complete head).
        let endless = [UInt8]("GET /healthz HTTP/1.1\r\nX: ".utf8) + [UInt8](repeating: 0x61, count: 20_000)
        #expect(RawClient.exchange(port: f.port, endless)?.status == 431)
        #expect(eventually { f.server.connectionCount == 0 })
    }

    @Test func headArrivingInPieces() throws {
        let f = try AdminFixture()
        let fd = try #require(RawClient.connect(port: f.port))
        defer { close(fd) }
        for piece in ["GE", "T /hea", "lthz HTTP/1.1\r", "\nHost: x\r\n", "\r\n"] {
            RawClient.send(fd, Array(piece.utf8))
            usleep(20_000)
        }
        let (bytes, eof) = RawClient.readToEnd(fd)
        #expect(eof)
        #expect(RawClient.parse(bytes)?.status == 200)
    }

    @Test func silentClientIsClosedAfterTheTimeout() throws {
        let f = try AdminFixture(limits: AdminLimits(requestTimeout: 0.3))
        let silent = try #require(RawClient.connect(port: f.port))
        defer { close(silent) }
        let partial = try #require(RawClient.connect(port: f.port))
        defer { close(partial) }
        RawClient.send(partial, Array("GET /healthz HTTP/1.1\r\n".utf8))
        #expect(eventually { f.server.connectionCount == 2 })
        let start = DispatchTime.now().uptimeNanoseconds
        let (bytes, eof) = RawClient.readToEnd(silent)
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        #expect(eof && bytes.isEmpty)
        #expect(elapsed < 3)
        let (partialBytes, partialEOF) = RawClient.readToEnd(partial)
        #expect(partialEOF && partialBytes.isEmpty)
        #expect(eventually { f.server.connectionCount == 0 })
    }

    @Test func manySequentialRequests() throws {
        let f = try AdminFixture()
        var statuses: [Int: Int] = [:]
        let paths = ["/healthz", "/readyz", "/metrics", "/missing"]
        for i in 0..<400 {
            let status = RawClient.exchange(port: f.port, "GET \(paths[i % 4]) HTTP/1.1\r\nHost: x\r\n\r\n")?.status ?? -1
            statuses[status, default: 0] += 1
        }
        #expect(statuses == [200: 300, 404: 100])
        #expect(eventually { f.server.connectionCount == 0 })
    }

    @Test func concurrentConnectionLimit() throws {
        let f = try AdminFixture(limits: AdminLimits(requestTimeout: 5, maxConnections: 2))
        let a = try #require(RawClient.connect(port: f.port))
        defer { close(a) }
        let b = try #require(RawClient.connect(port: f.port))
        defer { close(b) }
        #expect(eventually { f.server.connectionCount == 2 })
        let refused = try #require(RawClient.exchange(port: f.port, "GET /healthz HTTP/1.1\r\n\r\n"))
        #expect(refused.status == 503)
        // The held connections still get served.
        RawClient.send(a, Array("GET /healthz HTTP/1.1\r\n\r\n".utf8))
        #expect(RawClient.parse(RawClient.readToEnd(a).bytes)?.status == 200)
        #expect(eventually { f.server.connectionCount == 1 })
        #expect(RawClient.exchange(port: f.port, "GET /readyz HTTP/1.1\r\n\r\n")?.status == 200)
    }

    @Test func stopClosesConnectionsAndTheListener() throws {
        let f = try AdminFixture()
        let held = try #require(RawClient.connect(port: f.port))
        defer { close(held) }
        #expect(eventually { f.server.connectionCount == 1 })
        f.server.stop()
        f.server.stop()
        #expect(f.server.connectionCount == 0)
        #expect(RawClient.readToEnd(held).eof)
        #expect(eventually { RawClient.connect(port: f.port).map { close($0); return false } ?? true })
    }

    @Test func stopFromInsideAHandlerDoesNotDeadlock() throws {
        let box = Shared<AdminServer?>(nil)
        let handlers = AdminHandlers(health: { true }, ready: { true }, metrics: { "" },
                                     reload: { box.get?.stop(); return .success("stopping") })
        let address = try #require(SocketAddress(ip: "127.0.0.1", port: 0))
        let server = try AdminServer(listen: address, handlers: handlers, logger: .init(label: "t"))
        box.set(server)
        server.start()
        // The response is cut by stop(); what matters is that the call returns and the server stops.
        _ = RawClient.exchange(port: server.boundAddress.port, "POST /reload HTTP/1.1\r\n\r\n")
        #expect(eventually { RawClient.connect(port: server.boundAddress.port).map { close($0); return false } ?? true })
        box.set(nil)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")))
    func curlAgainstEveryEndpoint() throws {
        let f = try AdminFixture()
        func curl(_ args: [String]) throws -> (code: String, body: String) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            p.arguments = ["-sS", "--max-time", "5", "-o", "-", "-w", "\n%{http_code}"] + args
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            let text = String(decoding: data, as: UTF8.self)
            let cut = text.lastIndex(of: "\n") ?? text.endIndex
            return (String(text[text.index(after: cut)...]), String(text[..<cut]))
        }
        let base = "http://127.0.0.1:\(f.port)"
        #expect(try curl([base + "/healthz"]) == ("200", "ok\n"))
        #expect(try curl([base + "/readyz"]).code == "200")
        #expect(try curl([base + "/metrics"]).body.contains("tlsgate_up 1"))
        #expect(try curl(["-X", "POST", base + "/reload"]) == ("200", "reloaded config v2\n"))
        #expect(try curl(["-d", "x=1", base + "/reload"]).code == "200")
        #expect(try curl([base + "/other"]).code == "404")
        #expect(try curl(["-X", "DELETE", base + "/metrics"]).code == "405")
        f.serving.set(false)
        #expect(try curl([base + "/healthz"]) == ("503", "draining\n"))
    }
}
