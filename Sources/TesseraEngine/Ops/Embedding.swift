// Embedding lookup: table (V, D), ids (N) -> out (N, D). Backward scatters rows into the table's grad.

public enum EmbeddingOp {
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func forward<T: TensorScalar>(table: UnsafePointer<T>, ids: [Int], out: UnsafeMutablePointer<T>, vocabulary: Int, d: Int) {
        for (i, id) in ids.enumerated() {
            precondition(id >= 0 && id < vocabulary, "embedding id \(id) outside 0..<\(vocabulary)")
            (out + i * d).update(from: table + id * d, count: d)
        }
    }

    /// dTable[id] += dout[i] for every position i (in order, so repeated ids sum deterministically).
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func backward<T: TensorScalar>(dout: UnsafePointer<T>, ids: [Int], dTable: UnsafeMutablePointer<T>, d: Int) {
        for (i, id) in ids.enumerated() {
            let dst = dTable + id * d, src = dout + i * d
            for j in 0..<d { dst[j] += src[j] }
        }
    }
}
