// Row softmax and softmax cross-entropy, forward and backward.
//   x, y: (N, D), softmax over D.

public enum SoftmaxOp {
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func forward<T: TensorScalar>(x: UnsafePointer<T>, y: UnsafeMutablePointer<T>, n: Int, d: Int) {
        Parallel.forRange(n, minimumChunk: max(1, 4096 / max(d, 1))) { rows in
            for i in rows {
                let xr = x + i * d, yr = y + i * d
                var m = -T.infinity
                for j in 0..<d { m = max(m, xr[j]) }
                yr.update(from: xr, count: d)
                let s = VectorMath.expShiftedSum(yr, count: d, shift: m)
                let inv = 1 / s
                for j in 0..<d { yr[j] *= inv }
            }
        }
    }

    /// dx += y * (dy - sum(dy * y)).
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func backward<T: TensorScalar>(dy: UnsafePointer<T>, y: UnsafePointer<T>, dx: UnsafeMutablePointer<T>, n: Int, d: Int) {
        Parallel.forRange(n, minimumChunk: max(1, 4096 / max(d, 1))) { rows in
            for i in rows {
                let yr = y + i * d, dyr = dy + i * d, dxr = dx + i * d
                var dot: T = 0
                for j in 0..<d { dot += dyr[j] * yr[j] }
                for j in 0..<d { dxr[j] += yr[j] * (dyr[j] - dot) }
            }
        }
    }

    /// Mean cross-entropy of logits (N, D) against integer targets; writes d(loss)/d(logits) to `dLogits`.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func crossEntropy<T: TensorScalar>(logits: UnsafePointer<T>, targets: [Int], n: Int, d: Int,
                                                     dLogits: UnsafeMutablePointer<T>?) -> Double {
        precondition(targets.count == n, "cross-entropy: \(targets.count) targets for \(n) rows")
        var total = 0.0
        let probs = UnsafeMutablePointer<T>.allocate(capacity: d)
        defer { probs.deallocate() }
        for i in 0..<n {
            let row = logits + i * d
            var m = -T.infinity
            for j in 0..<d { m = max(m, row[j]) }
            probs.update(from: row, count: d)
            let s = VectorMath.expShiftedSum(probs, count: d, shift: m)
            total += Double(T.log(s) + m - row[targets[i]])
            if let dLogits {
                for j in 0..<d {
                    dLogits[i * d + j] = (probs[j] / s - (j == targets[i] ? 1 : 0)) / T(n)
                }
            }
        }
        return total / Double(n)
    }
}
