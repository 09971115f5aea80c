import Foundation
import Testing
@testable import TLSGateAudit

private func temporaryPath(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.path
    return "\(dir)/tlsgate-audit-\(getpid())-\(UInt32.random(in: 0...UInt32.max))-\(name)"
}

/// The record lines of a log: without the evidence lines the writer adds (a `restart` line
/// first, `checkpoint` lines at close, reopen and on the timer), which `SealingTests` check.
private func readLines(_ path: String) throws -> [String] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.isEmpty || text.hasSuffix("\n"))
    return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        .filter { !$0.contains(#""event":"restart""#) && !$0.contains(#""event":"checkpoint""#) }
}

@Suite struct AuditLogTests {
    @Test func concurrentWritersKeepPerThreadOrder() throws {
        let path = temporaryPath("order.jsonl")
        defer { unlink(path) }
        let log = try AuditLog(path: path)
        let threads = 8, perThread = 1250  // 10,000 lines
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for seq in 0..<perThread {
                log.write(AuditRecord(event: .request, mode: .forward, host: "t\(thread).example",
                                      extra: [("thread", .int(thread)), ("n", .int(seq))]))
            }
        }
        log.flush()
        #expect(log.linesWritten == threads * perThread + 1)  // and the restart line
        let lines = try readLines(path)
        #expect(lines.count == threads * perThread)
        var next = [Int](repeating: 0, count: threads)
        var previousTime = ""
        var timesInOrder = 0
        for line in lines {
            let object = try parseJSONObject(line)
            let thread = try #require(object["thread"] as? Int)
            let seq = try #require(object["n"] as? Int)
            #expect(seq == next[thread], "thread \(thread) out of order")
            next[thread] = seq + 1
            let time = try #require(object["time"] as? String)
            if time >= previousTime { timesInOrder += 1 }
            previousTime = time
        }
        #expect(next == [Int](repeating: perThread, count: threads))
        #expect(timesInOrder > lines.count / 2)
    }

    @Test func flushWritesEverythingQueuedSoFar() throws {
        let path = temporaryPath("flush.jsonl")
        defer { unlink(path) }
        let log = try AuditLog(path: path)
        for round in 1...5 {
            for i in 0..<100 { log.write(AuditRecord(event: .violation, extra: [("i", .int(i))])) }
            log.flush()
            #expect(log.linesWritten == round * 100 + 1)
            #expect(try readLines(path).count == round * 100)
        }
        log.flush()  // idempotent
        #expect(log.linesWritten == 501)
        #expect(log.writeFailures == 0)
    }

    @Test func appendsAndCreatesWithMode0640() throws {
        let path = temporaryPath("append.jsonl")
        defer { unlink(path) }
        try "existing\n".write(toFile: path, atomically: false, encoding: .utf8)
        let appending = try AuditLog(path: path)
        appending.write(AuditRecord(event: .configReload))
        appending.flush()
        let lines = try readLines(path)
        try #require(lines.count == 2)
        #expect(lines[0] == "existing")
        #expect(try parseJSONObject(lines[1])["event"] as? String == "config_reload")

        let fresh = temporaryPath("fresh.jsonl")
        defer { unlink(fresh) }
        let old = umask(0o022)
        defer { umask(old) }
        let log = try AuditLog(path: fresh)
        log.write(AuditRecord(event: .request))
        log.flush()
        var info = stat()
        #expect(stat(fresh, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o640)
    }

    @Test func timeIsTakenAtWriteCall() throws {
        let path = temporaryPath("time.jsonl")
        defer { unlink(path) }
        let log = try AuditLog(path: path)
        let fixed = AuditTimestamp(seconds: 0)
        log.write(AuditRecord(event: .request, time: fixed))
        let before = AuditTimestamp.now().rfc3339
        log.write(AuditRecord(event: .request))
        let after = AuditTimestamp.now().rfc3339
        log.flush()
        let lines = try readLines(path)
        #expect(try parseJSONObject(lines[0])["time"] as? String == "1970-01-01T00:00:00.000Z")
        let stamped = try #require(try parseJSONObject(lines[1])["time"] as? String)
        #expect(stamped >= before && stamped <= after)
    }

    @Test func reopenAfterRotation() throws {
        let path = temporaryPath("rotate.jsonl")
        let rotated = path + ".1"
        defer { unlink(path); unlink(rotated) }
        let log = try AuditLog(path: path)
        log.write(AuditRecord(event: .request))
        log.flush()
        #expect(rename(path, rotated) == 0)
        log.write(AuditRecord(event: .tunnel))
        try log.reopen()
        log.write(AuditRecord(event: .violation))
        log.flush()
        #expect(try readLines(rotated).count == 2)
        #expect(try readLines(path).count == 1)
    }

    @Test func stdoutAndOpenErrors() throws {
        let stdoutLog = try AuditLog(path: "-")
        #expect(stdoutLog.path == nil)
        #expect(try AuditLog(path: nil).path == nil)
        #expect(throws: AuditLogError.self) { try AuditLog(path: "/nonexistent-dir-tlsgate/x.jsonl") }
        do {
            _ = try AuditLog(path: "/nonexistent-dir-tlsgate/x.jsonl")
        } catch {
            #expect(error.description.contains("No such file or directory"))
        }
    }

    /// A batch buffer that grew past 256 KiB is kept while bursts go on (no regrowth from 16 KiB
    /// for every batch) and given back once they stop, even when no further line comes.
    @Test func largeBatchBuffersAreKeptDuringBurstsAndGivenBackAfter() throws {
        let path = temporaryPath("trim.jsonl")
        defer { unlink(path) }
        let log = try AuditLog(path: path)
        let reason = String(repeating: "y", count: 2000)
        for round in 0..<2 {
            for i in 0..<400 { log.write(AuditRecord(event: .request, reason: reason, extra: [("i", .int(round * 400 + i))])) }  // ~800 KB
            log.flush()
            let kept = log.batchCapacities
            #expect(max(kept.pending, kept.spare) > 256 << 10, "round \(round): \(kept)")
        }
        var capacities = log.batchCapacities
        for _ in 0..<80 where max(capacities.pending, capacities.spare) > 256 << 10 {
            Thread.sleep(forTimeInterval: 0.1)
            capacities = log.batchCapacities
        }
        #expect(max(capacities.pending, capacities.spare) <= 256 << 10, "after the burst: \(capacities)")
        #expect(try readLines(path).count == 800)
    }

    @Test func largeBurstAboveHighWaterIsNotDropped() throws {
        let path = temporaryPath("burst.jsonl")
        defer { unlink(path) }
        let log = try AuditLog(path: path)
        let reason = String(repeating: "x", count: 4000)
        for i in 0..<3000 { log.write(AuditRecord(event: .request, reason: reason, extra: [("i", .int(i))])) }  // ~12 MB
        log.flush()
        let lines = try readLines(path)
        #expect(lines.count == 3000)
        #expect(try parseJSONObject(lines[2999])["i"] as? Int == 2999)
    }
}
