import Foundation
import Testing

/// Counters shared by the load threads.
private final class LoadCounters: @unchecked Sendable {
    private let lock = NSLock()
    private var _stop = false, _made = 0, _failures = 0
    var stop: Bool { get { lock.withLock { _stop } } set { lock.withLock { _stop = newValue } } }
    var made: Int { lock.withLock { _made } }
    var failures: Int { lock.withLock { _failures } }
    func madeOne() { lock.withLock { _made += 1 } }
    func failedOne() { lock.withLock { _failures += 1 } }
}

/// Lossless rotation: logrotate (Debian's, with the stanza the README gives) rotates the audit
/// log ten times while requests flow; SIGUSR1 makes tlsgate reopen. Every request has exactly one
/// line across the files, and `tlsgate audit verify --key` passes over the set.
@Suite(.serialized)
struct AuditRotationTests {
    @Test(.timeLimit(.minutes(3))) func logrotateUnderLoadLosesNothing() throws {
        let keyDir = try TempDir("audit-keys")
        defer { keyDir.cleanup() }
        let binary = try Paths.tlsgateBinary()
        let keygen = try Exec.run(binary, ["audit", "keygen", "--dir", keyDir.path])
        try #require(keygen.status == 0, "\(keygen.stderrText)")
        var info = stat()
        #expect(stat(keyDir.file("audit-key.pem"), &info) == 0 && info.st_mode & 0o777 == 0o600)

        let fx = try OpsFixture("rotate") {
            $0.allowHosts = ["*.amazonaws.com"]
            $0.auditKeys = ["signing_key: \(GateConfig.quote(keyDir.file("audit-key.pem")))", "instance: gw-rotate",
                            "checkpoint_interval: 1s"]
        }
        defer { fx.cleanup() }
        let pid = try #require(fx.gate.pid)
        let audit = fx.gate.auditPath
        let conf = try fx.dir.write("logrotate.conf", """
            \(audit) {
                rotate 20
                missingok
                notifempty
                compress
                delaycompress
                create 0640
                postrotate
                    kill -USR1 \(pid)
                endscript
            }

            """)

        // Load: keep-alive clients until told to stop, counting the requests they made.
        let counters = LoadCounters()
        let port = fx.gate.port, url = "\(fx.s3)/delay?ms=0"
        let clients = 3
        let group = DispatchGroup()
        for _ in 0..<clients {
            DispatchQueue.global().async(group: group) {
                var connection: RawConnection?
                for _ in 0..<100_000 where !counters.stop {
                    do {
                        if connection == nil { connection = try RawConnection(port: port) }
                        try connection!.sendGet(url)
                        counters.madeOne()
                        if connection!.readResponse()?.status != 200 {
                            counters.failedOne()
                            connection = nil
                        }
                    } catch {
                        counters.failedOne()
                        connection = nil
                    }
                }
            }
        }
        usleep(300_000)
        for round in 1...10 {
            // Rotate a file that has request lines (on a busy machine requests may be slow).
            for _ in 0..<100 where (try? FileManager.default.attributesOfItem(atPath: audit)[.size] as? Int) ?? 0 == 0 {
                usleep(50_000)
            }
            let r = try Exec.run("logrotate", ["-f", "-s", fx.dir.file("logrotate.state"), conf])
            #expect(r.status == 0, "logrotate round \(round): \(r.stderrText)")
            usleep(150_000)
        }
        usleep(300_000)
        counters.stop = true
        group.wait()
        try fx.gate.signal(SIGTERM)
        #expect(fx.gate.waitForExit(timeout: 15) == 0, "\(fx.gate.diagnostics)")

        let files = try FileManager.default.contentsOfDirectory(atPath: fx.dir.path)
            .filter { $0.hasPrefix((audit as NSString).lastPathComponent) }.map { fx.dir.file($0) }
        #expect(files.count == 11, "\(files.sorted())")
        #expect(files.contains { $0.hasSuffix(".gz") }, "\(files.sorted())")

        // Count request lines over every file (gzip -dc reads plain files too, with -f).
        var requestLines = 0
        for file in files {
            let text = try Exec.run("gzip", ["-dcf", file]).stdoutText
            requestLines += text.split(separator: "\n").filter { $0.contains(#""event":"request""#) }.count
            #expect(!text.isEmpty || file == audit, "\(file) is empty")
        }
        let total = counters.made
        #expect(total > 50, "too little load to mean anything: \(total)")
        #expect(counters.failures == 0)
        #expect(requestLines == total, "\(total) requests made, \(requestLines) request lines in \(files.count) files")

        let verify = try Exec.run(binary, ["audit", "verify", "--key", keyDir.file("audit-key.pub.pem")] + files.sorted())
        #expect(verify.status == 0, "\(verify.stdoutText)\(verify.stderrText)")
        #expect(verify.stdoutText.contains("11 files"), "\(verify.stdoutText)")
        #expect(verify.stdoutText.contains("1 instance (gw-rotate): intact"), "\(verify.stdoutText)")
    }
}
