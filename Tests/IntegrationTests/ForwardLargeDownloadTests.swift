import Foundation
import Testing

/// Forward mode: a 1 GiB response streams through with bounded proxy memory.
@Suite(.serialized)
struct ForwardLargeDownloadTests {
    /// Size of the download (TLSGATE_ITEST_BIG_BYTES overrides; default 1 GiB).
    static let size: Int = ProcessInfo.processInfo.environment["TLSGATE_ITEST_BIG_BYTES"].flatMap { Int($0) } ?? (1 << 30)
    /// Peak resident set allowed for tlsgate (VmHWM).
    static let maxHWMKB = 64 * 1024

    @Test(.timeLimit(.minutes(5))) func oneGiBDownloadStreamsWithBoundedMemory() throws {
        let fx = try ProxyFixture("fwd-1gib")
        defer { fx.cleanup() }
        guard let pid = fx.gate.pid else { throw HarnessError("no tlsgate pid") }
        let before = procStatusKB(pid: pid, field: "VmHWM") ?? -1

        let r = try Curl.run(["-x", fx.gate.proxyURL, "-o", "/dev/null",
                              "-w", "%{http_code} %{size_download}", "\(fx.s3)/bytes/\(Self.size)"],
                             timeout: 280)
        let hwm = procStatusKB(pid: pid, field: "VmHWM") ?? -1
        print("[IntegrationTests] \(Self.size) bytes through tlsgate: VmHWM \(before) kB -> \(hwm) kB")
        #expect(!r.timedOut, "download did not finish")
        #expect(r.status == 0, "curl: \(r.stderrText)\n\(fx.gate.diagnostics)")
        let parts = r.stdoutText.split(separator: " ")
        #expect(parts.first == "200")
        #expect(parts.count == 2 && Int(parts[1]) == Self.size, "byte count: \(r.stdoutText), expected \(Self.size)")
        #expect(hwm > 0 && hwm < Self.maxHWMKB,
                "tlsgate VmHWM \(hwm) kB (before: \(before) kB) exceeds \(Self.maxHWMKB) kB")
        let rec = fx.gate.waitForAudit { $0.path == "/bytes/\(Self.size)" }
        #expect((rec?.int("bytes_out") ?? 0) >= Self.size, "audit bytes_out: \(String(describing: rec))")
    }
}
