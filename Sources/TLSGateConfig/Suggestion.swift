/// "Did you mean" for misspelt keys and values.
enum Suggestion {
    /// The candidate within edit distance 2 (or a third of the word) of `word`, if any.
    static func closest(to word: String, in candidates: [String]) -> String? {
        let source = Array(word.lowercased().utf8)
        guard source.count <= 64 else { return nil }
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(source, Array(candidate.utf8))
            if distance < (best?.1 ?? .max) { best = (candidate, distance) }
        }
        guard let (name, distance) = best, distance > 0, distance <= max(2, source.count / 3) else { return nil }
        return name
    }

    /// Levenshtein distance with adjacent transpositions counted as one edit.
    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, previous2[j - 2] + 1)
                }
                current[j] = value
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
