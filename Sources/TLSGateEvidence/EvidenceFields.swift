/// The evidence members of one audit line (`seq`, `chain`, `instance`, and those of `restart`
/// and `checkpoint` lines), found at the top level or, for OCSF and ECS lines, inside `unmapped` / `tlsgate`.
struct EvidenceFields {
    var seq: Int?
    var event: JSONValue?
    var instance: JSONValue?
    var time: JSONValue?
    var chain: JSONValue?
    var prevSeq: Int?
    var prevChain: JSONValue?
    var sealedSeq: Int?
    var sealedChain: JSONValue?
    var sig: JSONValue?
    var keyID: JSONValue?

    /// Nil when the line is not a JSON object.
    init?(line: UnsafeRawBufferPointer) {
        var unmapped: JSONValue?
        let ok = JSONLine.forEachMember(line) { key, value in
            take(key, value)
            // OCSF keeps vendor fields in `unmapped`, tlsgate's ECS lines in `tlsgate`.
            if value.kind == .object, key.elementsEqual("unmapped".utf8) || key.elementsEqual("tlsgate".utf8) { unmapped = value }
            return true
        }
        guard ok else { return nil }
        if let unmapped, seq == nil {
            JSONLine.forEachMember(unmapped.bytes) { key, value in take(key, value); return true }
        }
    }

    var isRestart: Bool { event?.equals("restart") ?? false }
    var isCheckpoint: Bool { event?.equals("checkpoint") ?? false }

    private mutating func take(_ key: UnsafeRawBufferPointer, _ value: JSONValue) {
        switch key.count {
        case 3 where key.elementsEqual("seq".utf8): seq = value.int
        case 3 where key.elementsEqual("sig".utf8): sig = value
        case 4 where key.elementsEqual("time".utf8): time = value
        case 5 where key.elementsEqual("event".utf8): event = value
        case 5 where key.elementsEqual("chain".utf8): chain = value
        case 6 where key.elementsEqual("key_id".utf8): keyID = value
        case 8 where key.elementsEqual("instance".utf8): instance = value
        case 8 where key.elementsEqual("prev_seq".utf8): prevSeq = value.int
        case 10 where key.elementsEqual("prev_chain".utf8): prevChain = value
        case 10 where key.elementsEqual("sealed_seq".utf8): sealedSeq = value.int
        case 12 where key.elementsEqual("sealed_chain".utf8): sealedChain = value
        default: break
        }
    }
}
