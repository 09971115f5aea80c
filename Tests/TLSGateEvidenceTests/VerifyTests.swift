import Foundation
import Testing
import TLSGateAudit
import TLSGateEvidence
import TLSGateTLS

@Suite struct VerifyTests {
    private func verify(_ paths: [String], key: PublicKey? = nil) throws -> VerifyResult {
        try AuditVerifier(key: key).verify(paths: paths)
    }

    @Test func intactLogWithSignedCheckpointsVerifies() throws {
        let dir = EvidenceDir()
        let (keyPath, pub) = try dir.keyPair()
        let path = dir.file("audit.jsonl")
        writeLog(path, count: 50, signer: try CheckpointSigner(pemFile: keyPath), checkpointEvery: 20)
        let all = try lines(path)
        #expect(all.count == 1 + 50 + 3)  // restart, 50 requests, checkpoints after 20, 40, 50
        #expect(all[0].contains(#""event":"restart""#) && all[0].contains(#""seq":1,"#))
        #expect(all[1].contains(#""instance":"gw-test","seq":2,"chain":""#))
        let result = try verify([path], key: pub)
        #expect(result.intact, "\(result.text())")
        #expect(result.files[0].signedCheckpoints == 3)
        #expect(result.text().contains("OK   \(path): instance gw-test, 54 lines, seq 1-54, 3 checkpoints (3 signed)"))
    }

    @Test func modifiedLineIsReportedWithFileLineAndSeq() throws {
        let dir = EvidenceDir()
        let path = dir.file("audit.jsonl")
        writeLog(path, count: 30, signer: nil)
        var all = try lines(path)
        all[10] = all[10].replacingOccurrences(of: #""status":200"#, with: #""status":403"#)
        try writeLines(all, to: path)
        let result = try verify([path])
        #expect(!result.intact)
        let finding = try #require(result.files[0].findings.first)
        #expect(finding.kind == .modified)
        #expect(finding.line == 11 && finding.seq == 11)
        #expect(result.files[0].findings.count == 1, "only the edited line: \(result.text())")
        #expect(result.text().contains("modified: \(path):11 (seq 11)"))
    }

    @Test func deletedAndReorderedLines() throws {
        let dir = EvidenceDir()
        let path = dir.file("audit.jsonl")
        writeLog(path, count: 30, signer: nil)
        var all = try lines(path)
        all.remove(at: 5)  // seq 6
        all.remove(at: 5)  // seq 7
        try writeLines(all, to: path)
        var result = try verify([path])
        var finding = try #require(result.files[0].findings.first)
        #expect(finding.kind == .deleted && finding.line == 6 && finding.seq == 8)
        #expect(finding.message.contains("seq 6-7 are missing"))

        writeLog(dir.file("b.jsonl"), count: 30, signer: nil)
        all = try lines(dir.file("b.jsonl"))
        all.swapAt(10, 11)
        try writeLines(all, to: dir.file("b.jsonl"))
        result = try verify([dir.file("b.jsonl")])
        #expect(result.files[0].findings.map(\.kind).contains(.reordered), "\(result.text())")
        finding = try #require(result.files[0].findings.first(where: { $0.kind == .reordered }))
        #expect(finding.line == 12 && finding.seq == 11)
    }

    @Test func gapBetweenRotatedFiles() throws {
        let dir = EvidenceDir()
        let path = dir.file("audit.jsonl")
        let log = try AuditLog(path: path, sealing: AuditSealing(instance: "gw", checkpointInterval: 0))
        for round in 0..<3 {
            for i in 0..<10 { log.write(AuditRecord(event: .request, extra: [("i", .int(round * 10 + i))])) }
            log.flush()
            #expect(rename(path, dir.file("audit.jsonl.\(3 - round)")) == 0)
            try log.reopen()
        }
        log.close()
        let files = [dir.file("audit.jsonl.3"), dir.file("audit.jsonl.2"), dir.file("audit.jsonl.1")]
        // In any order: files are ordered by their first line.
        #expect(try verify(files.reversed()).intact)
        #expect(try verify(files).intact)
        let result = try verify([files[0], files[2]])
        let finding = try #require(result.chainFindings.first ?? result.files[1].findings.first)
        #expect(finding.kind == .gap, "\(result.text())")
        #expect(finding.message.contains("missing between \(files[0])"))
    }

    @Test func truncatedTailIsNotSealed() throws {
        let dir = EvidenceDir()
        let (keyPath, pub) = try dir.keyPair()
        let path = dir.file("audit.jsonl")
        writeLog(path, count: 40, signer: try CheckpointSigner(pemFile: keyPath), checkpointEvery: 20)
        var all = try lines(path)
        all.removeLast(6)  // the final checkpoint and 5 requests
        try writeLines(all, to: path)
        let result = try verify([path], key: pub)
        #expect(!result.intact)
        let finding = try #require(result.chainFindings.first)
        #expect(finding.kind == .unsealed)
        #expect(finding.message.contains("15 lines after the last checkpoint are not sealed"), "\(finding.message)")
    }

    @Test func rebuiltChainPassesWithoutKeyButFailsTheSignature() throws {
        let dir = EvidenceDir()
        let (keyPath, pub) = try dir.keyPair()
        let path = dir.file("audit.jsonl")
        writeLog(path, count: 30, signer: try CheckpointSigner(pemFile: keyPath), checkpointEvery: 10)
        var all = try lines(path)
        all[3] = all[3].replacingOccurrences(of: "h2.example", with: "evil.example")
        try writeLines(rebuildChain(all), to: path)
        let unkeyed = try verify([path])
        #expect(unkeyed.intact, "without a key a rebuilt chain is indistinguishable: \(unkeyed.text())")
        #expect(unkeyed.text().contains("anyone with write access to the files can rebuild it"))
        let keyed = try verify([path], key: pub)
        #expect(!keyed.intact)
        #expect(keyed.files[0].findings.allSatisfy { $0.kind == .badSignature }, "\(keyed.text())")
        #expect(keyed.files[0].findings.first?.line == 12)  // the first checkpoint after the edit

        // A key that did not sign the log.
        let (_, other) = try dir.keyPair("other")
        try writeLines(all, to: path)
        writeLog(dir.file("c.jsonl"), count: 5, signer: try CheckpointSigner(pemFile: keyPath))
        let wrongKey = try verify([dir.file("c.jsonl")], key: other)
        #expect(wrongKey.files[0].findings.first?.kind == .badSignature)
        // Unsigned checkpoints fail when a key is given.
        writeLog(dir.file("d.jsonl"), count: 5, signer: nil)
        #expect(try verify([dir.file("d.jsonl")], key: pub).files[0].findings.first?.kind == .unsigned)
    }

    @Test func restartsLinkToThePreviousProcess() throws {
        let dir = EvidenceDir()
        let path = dir.file("audit.jsonl")
        writeLog(path, count: 5, signer: nil)
        writeLog(path, count: 5, signer: nil, start: 5)
        let all = try lines(path)
        let restart = try #require(all.last(where: { $0.contains(#""event":"restart""#) }))
        #expect(restart.contains(#""prev_seq":7"#), "\(restart)")
        #expect(try verify([path]).intact)
        // Rotated away and restarted: the new process links to audit.jsonl.1.
        #expect(rename(path, path + ".1") == 0)
        writeLog(path, count: 5, signer: nil, start: 10)
        #expect(try verify([path, path + ".1"]).intact)
        // A restart that names nothing, after other lines: a gap.
        let stranger = dir.file("stranger.jsonl")
        writeLog(stranger, count: 3, signer: nil)
        let mixed = try lines(path + ".1") + (try lines(stranger))
        try writeLines(mixed, to: dir.file("mixed.jsonl"))
        let result = try verify([dir.file("mixed.jsonl")])
        #expect(result.files[0].findings.first?.kind == .gap, "\(result.text())")
    }

    @Test func gzipFilesAreRead() throws {
        let dir = EvidenceDir()
        let path = dir.file("audit.jsonl")
        let log = try AuditLog(path: path, sealing: AuditSealing(instance: "gw", checkpointInterval: 0))
        for i in 0..<3000 { log.write(AuditRecord(event: .request, reason: String(repeating: "r", count: i % 300), extra: [("i", .int(i))])) }
        log.flush()
        #expect(rename(path, path + ".1") == 0)
        try log.reopen()
        log.write(AuditRecord(event: .tunnel))
        log.close()
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-9", path + ".1"]
        try gzip.run()
        gzip.waitUntilExit()
        let result = try verify([path, path + ".1.gz"])
        #expect(result.intact, "\(result.text())")
        #expect(result.lines == 1 + 3000 + 1 + 1 + 1)
        // A corrupted .gz is an error, not a silent pass.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path + ".1.gz"))
        bytes = bytes.prefix(bytes.count / 2)
        try bytes.write(to: URL(fileURLWithPath: dir.file("cut.jsonl.gz")))
        #expect(throws: EvidenceReadError.self) { try verify([dir.file("cut.jsonl.gz")]) }
    }

    @Test func manyInstancesEachChainOnItsOwn() throws {
        let dir = EvidenceDir()
        writeLog(dir.file("a.jsonl"), count: 20, instance: "gw-a", signer: nil)
        writeLog(dir.file("b.jsonl"), count: 20, instance: "gw-b", signer: nil)
        writeLog(dir.file("a2.jsonl"), count: 0, instance: "gw-a", signer: nil)
        var result = try verify([dir.file("a.jsonl"), dir.file("b.jsonl")])
        #expect(result.intact, "\(result.text())")
        #expect(result.instances == ["gw-a", "gw-b"])
        var b = try lines(dir.file("b.jsonl"))
        b[4] = b[4].replacingOccurrences(of: "\"i\":3", with: "\"i\":33")
        try writeLines(b, to: dir.file("b.jsonl"))
        result = try verify([dir.file("b.jsonl"), dir.file("a.jsonl")])
        #expect(result.files.first(where: { $0.path.hasSuffix("a.jsonl") })?.intact == true)
        #expect(result.files.first(where: { $0.path.hasSuffix("b.jsonl") })?.findings.first?.line == 5)
    }

    @Test func malformedAndCutLines() throws {
        let dir = EvidenceDir()
        let path = dir.file("audit.jsonl")
        writeLog(path, count: 5, signer: nil)
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text += "not json\n{\"time\":\"x\",\"event\":\"req"
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        let result = try verify([path])
        #expect(result.files[0].findings.map(\.kind) == [.malformed, .malformed])
        #expect(result.files[0].findings[1].message.contains("cut off"))
    }
}
