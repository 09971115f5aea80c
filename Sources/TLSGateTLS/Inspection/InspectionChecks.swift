/// Checks shared by the ClientHello and ServerHello parsers.
enum InspectionChecks {
    /// "duplicate extension 0x...." when a type occurs twice (RFC 8446 §4.2), else nil.
    /// O(n log n); n is bounded by the message length / 4.
    static func duplicateExtension(_ types: [UInt16]) -> String? {
        guard types.count > 1 else { return nil }
        let sorted = types.sorted()
        for index in 1..<sorted.count where sorted[index] == sorted[index - 1] {
            return "duplicate extension \(Hex.word(sorted[index]))"
        }
        return nil
    }
}
