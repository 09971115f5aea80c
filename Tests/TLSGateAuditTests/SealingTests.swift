import Foundation
import Testing
import TLSGateEvidence
@testable import TLSGateAudit

/// The evidence fields the writer adds to every line, in their exact layout.
@Suite struct SealingTests {
    @Test func everyLineEndsWithInstanceSeqAndChain() throws {
        let path = FileManager.default.temporaryDirectory.path + "/tlsgate-seal-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).jsonl"
        defer { unlink(path) }
        let log = try AuditLog(path: path, sealing: AuditSealing(instance: "gw \"1\"", checkpointInterval: 0))
        log.write(AuditRecord(event: .request, time: AuditTimestamp(seconds: 0), host: "a.example"))
        log.close()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        try #require(lines.count == 3)
        #expect(lines[0].hasPrefix(#"{"time":""#))
        #expect(lines[0].contains(#","event":"restart","prev_seq":null,"prev_chain":null,"prev_instance":null,"instance":"gw \"1\"","seq":1,"chain":""#))
        let request = #"{"time":"1970-01-01T00:00:00.000Z","event":"request","mode":null,"client":null,"host":"a.example","port":null,"method":null,"path":null,"status":null,"upstream":null,"tls_version":null,"cipher":null,"decision":null,"outcome":"ok","error":null,"violations":[],"reason":null,"bytes_in":null,"bytes_out":null,"duration_ms":null,"instance":"gw \"1\"","seq":2}"#
        // chain(2) = SHA-256(chain(1) || the line without its chain field), as documented.
        let chain1 = String(lines[0].suffix(66).prefix(64))
        let expected = Hex.string(SHA256Hasher().digest(Array(chain1.utf8) + Array(request.utf8)))
        #expect(lines[1] == String(request.dropLast()) + #","chain":"\#(expected)"}"#)
        #expect(lines[2].contains(#""event":"checkpoint","sealed_seq":2,"sealed_chain":"\#(expected)","key_id":null,"sig":null,"#))
        #expect(lines[2].contains(#","seq":3,"chain":""#))
    }

    @Test func checkpointTimerSealsIdleLogs() throws {
        let path = FileManager.default.temporaryDirectory.path + "/tlsgate-seal-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).jsonl"
        defer { unlink(path) }
        let log = try AuditLog(path: path, sealing: AuditSealing(instance: "gw", checkpointInterval: 0.2))
        log.write(AuditRecord(event: .request))
        log.flush()
        var text = ""
        for _ in 0..<50 where !text.contains(#""event":"checkpoint""#) {
            Thread.sleep(forTimeInterval: 0.05)
            text = try String(contentsOfFile: path, encoding: .utf8)
        }
        #expect(text.contains(#""event":"checkpoint","sealed_seq":2"#))
        Thread.sleep(forTimeInterval: 0.5)
        // Nothing new since: no further checkpoint.
        #expect(try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "checkpoint").count == 2)
    }
}
