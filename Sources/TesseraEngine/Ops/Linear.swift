// Fully connected layer as one GEMM.
//   x: (N, K) rows, weight: (M, K) as in PyTorch (out, in), bias: (M), y: (N, M) = x W^T + b.

public enum LinearOp {
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func forward<T: TensorScalar>(x: UnsafePointer<T>, weight: UnsafePointer<T>, bias: UnsafePointer<T>?,
                                                y: UnsafeMutablePointer<T>, n: Int, k: Int, m: Int) {
        if let bias {
            for i in 0..<n { (y + i * m).update(from: bias, count: m) }
        }
        BLAS.gemm(transA: false, transB: true, m: n, n: m, k: k, a: x, lda: k, b: weight, ldb: k,
                  beta: bias == nil ? 0 : 1, c: y, ldc: m)
    }

    /// Accumulates dW += dy^T x and db += sum_rows dy; writes (or adds, if `accumulateInput`) dx = dy W.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func backward<T: TensorScalar>(dy: UnsafePointer<T>, x: UnsafePointer<T>, weight: UnsafePointer<T>,
                                                 dx: UnsafeMutablePointer<T>?, dWeight: UnsafeMutablePointer<T>?,
                                                 dBias: UnsafeMutablePointer<T>?, n: Int, k: Int, m: Int,
                                                 accumulateInput: Bool = false) {
        if let dx {
            BLAS.gemm(transA: false, transB: false, m: n, n: k, k: m, a: dy, lda: m, b: weight, ldb: k,
                      beta: accumulateInput ? 1 : 0, c: dx, ldc: k)
        }
        if let dWeight {
            BLAS.gemm(transA: true, transB: false, m: m, n: k, k: n, a: dy, lda: m, b: x, ldb: k,
                      beta: 1, c: dWeight, ldc: k)
        }
        if let dBias {
            Parallel.forRange(m, minimumChunk: 64) { cols in
                for i in 0..<n {
                    let row = dy + i * m
                    for j in cols { dBias[j] += row[j] }
                }
            }
        }
    }
}
