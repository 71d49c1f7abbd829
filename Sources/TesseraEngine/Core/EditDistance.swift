// Levenshtein distance, for "did you mean" suggestions (unknown words, unknown commands).

/// Minimum number of single-element insertions, deletions and substitutions turning `a` into `b`.
public func editDistance<E: Equatable>(_ a: [E], _ b: [E]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count), current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

public func editDistance(_ a: String, _ b: String) -> Int { editDistance(Array(a), Array(b)) }
