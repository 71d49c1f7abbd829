#if canImport(Glibc)
import Glibc
#endif
// Scaled dot-product attention, blockwise with an online softmax (FlashAttention-2 recipe):
// memory is O(T * D) per head, never a T x T score matrix. Each worker takes whole (batch, head)
// or (batch, head, query block) tasks and runs single-threaded GEMMs on cache-sized tiles.
//
//   q: (B, Tq, H, Dh) rows `ldq` apart;  k, v: (B, Tk, H, Dh) rows `ldk` / `ldv` apart
//   o: (B, Tq, H, Dh) rows `ldo` apart;  lse: (B, H, Tq) log-sum-exp of the scaled scores (for backward)
// Strides let q, k and v sit inside one packed (B, T, 3*H*Dh) projection without copies.

public struct AttentionShape: Sendable {
    public var batch: Int, heads: Int, queries: Int, keys: Int, headDim: Int
    public var ldq: Int, ldk: Int, ldv: Int, ldo: Int
    public init(batch: Int, heads: Int, queries: Int, keys: Int, headDim: Int, ldq: Int, ldk: Int, ldv: Int, ldo: Int) {
        self.batch = batch; self.heads = heads; self.queries = queries; self.keys = keys; self.headDim = headDim
        self.ldq = ldq; self.ldk = ldk; self.ldv = ldv; self.ldo = ldo
    }
    /// Dense layout: each of q, k, v, o is (B, T, H*Dh).
    public init(batch: Int, heads: Int, queries: Int, keys: Int, headDim: Int) {
        let w = heads * headDim
        self.init(batch: batch, heads: heads, queries: queries, keys: keys, headDim: headDim, ldq: w, ldk: w, ldv: w, ldo: w)
    }
    public var scale: Double { 1 / Double(headDim).squareRoot() }
    /// Multiply-adds x 2 of the forward pass.
    public var forwardFlops: Double { 4 * Double(batch * heads) * Double(queries) * Double(keys) * Double(headDim) }
}

public enum AttentionOp {
    public static var queryBlock = envInt("TESSERA_ATTN_QB") ?? 128
    public static var keyBlock = envInt("TESSERA_ATTN_KB") ?? 256

    static func envInt(_ name: String) -> Int? { getenv(name).flatMap { Int(String(cString: $0)) } }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func forward<T: TensorScalar>(q: UnsafePointer<T>, k: UnsafePointer<T>, v: UnsafePointer<T>,
                                                o: UnsafeMutablePointer<T>, lse: UnsafeMutablePointer<T>,
                                                shape s: AttentionShape) {
        _ = BLAS.configure
        let bq = queryBlock, bk = keyBlock, dh = s.headDim
        let qBlocks = (s.queries + bq - 1) / bq
        let tasks = s.batch * s.heads * qBlocks
        let scale = T(s.scale)
        Parallel.forRange(tasks, minimumChunk: 1) { range in
            let scores = UnsafeMutablePointer<T>.allocate(capacity: bq * bk)
            let acc = UnsafeMutablePointer<T>.allocate(capacity: bq * dh)
            let rowMax = UnsafeMutablePointer<T>.allocate(capacity: bq)
            let rowSum = UnsafeMutablePointer<T>.allocate(capacity: bq)
            defer { scores.deallocate(); acc.deallocate(); rowMax.deallocate(); rowSum.deallocate() }
            for task in range {
                let qb = task % qBlocks, bh = task / qBlocks, h = bh % s.heads, b = bh / s.heads
                let i0 = qb * bq, nq = min(bq, s.queries - i0)
                let qPtr = q + (b * s.queries + i0) * s.ldq + h * dh
                acc.initialize(repeating: 0, count: nq * dh)
                rowMax.initialize(repeating: -T.infinity, count: nq)
                rowSum.initialize(repeating: 0, count: nq)
                var j0 = 0
                while j0 < s.keys {
                    let nk = min(bk, s.keys - j0)
                    let kPtr = k + (b * s.keys + j0) * s.ldk + h * dh
                    let vPtr = v + (b * s.keys + j0) * s.ldv + h * dh
                    T.gemm(transA: false, transB: true, m: nq, n: nk, k: dh, alpha: scale, a: qPtr, lda: s.ldq,
                           b: kPtr, ldb: s.ldk, beta: 0, c: scores, ldc: nk)
                    for r in 0..<nq {
                        let row = scores + r * nk
                        let m = max(rowMax[r], VectorMath.maximum(row, count: nk))
                        let correction = rowMax[r] == -T.infinity ? 0 : T.exp(rowMax[r] - m)
                        rowSum[r] = rowSum[r] * correction + VectorMath.expShiftedSum(row, count: nk, shift: m)
                        rowMax[r] = m
                        if correction != 1 {
                            let a = acc + r * dh
                            for d in 0..<dh { a[d] *= correction }
                        }
                    }
                    T.gemm(transA: false, transB: false, m: nq, n: dh, k: nk, alpha: 1, a: scores, lda: nk,
                           b: vPtr, ldb: s.ldv, beta: 1, c: acc, ldc: dh)
                    j0 += nk
                }
                for r in 0..<nq {
                    let out = o + (b * s.queries + i0 + r) * s.ldo + h * dh
                    let inv = 1 / rowSum[r]
                    for d in 0..<dh { out[d] = acc[r * dh + d] * inv }
                    lse[(b * s.heads + h) * s.queries + i0 + r] = rowMax[r] + T.log(rowSum[r])
                }
            }
        }
    }

    /// Accumulates dq, dk, dv (+=) from do, recomputing the probabilities tile by tile from lse.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func backward<T: TensorScalar>(dout: UnsafePointer<T>, q: UnsafePointer<T>, k: UnsafePointer<T>,
                                                 v: UnsafePointer<T>, o: UnsafePointer<T>, lse: UnsafePointer<T>,
                                                 dq: UnsafeMutablePointer<T>, dk: UnsafeMutablePointer<T>,
                                                 dv: UnsafeMutablePointer<T>, shape s: AttentionShape,
                                                 ldDq: Int? = nil, ldDk: Int? = nil, ldDv: Int? = nil) {
        _ = BLAS.configure
        let ldq = ldDq ?? s.ldq, ldk = ldDk ?? s.ldk, ldv = ldDv ?? s.ldv
        let bq = queryBlock, bk = keyBlock, dh = s.headDim
        let scale = T(s.scale)
        Parallel.forRange(s.batch * s.heads, minimumChunk: 1) { range in
            let p = UnsafeMutablePointer<T>.allocate(capacity: bq * bk)
            let dp = UnsafeMutablePointer<T>.allocate(capacity: bq * bk)
            let dkAcc = UnsafeMutablePointer<T>.allocate(capacity: bk * dh)
            let dvAcc = UnsafeMutablePointer<T>.allocate(capacity: bk * dh)
            let delta = UnsafeMutablePointer<T>.allocate(capacity: s.queries)
            defer { p.deallocate(); dp.deallocate(); dkAcc.deallocate(); dvAcc.deallocate(); delta.deallocate() }
            for bh in range {
                let h = bh % s.heads, b = bh / s.heads
                let lseRow = lse + bh * s.queries
                for i in 0..<s.queries {
                    let orow = o + (b * s.queries + i) * s.ldo + h * dh
                    let drow = dout + (b * s.queries + i) * s.ldo + h * dh
                    var sum: T = 0
                    for d in 0..<dh { sum += orow[d] * drow[d] }
                    delta[i] = sum
                }
                var j0 = 0
                while j0 < s.keys {
                    let nk = min(bk, s.keys - j0)
                    let kPtr = k + (b * s.keys + j0) * s.ldk + h * dh
                    let vPtr = v + (b * s.keys + j0) * s.ldv + h * dh
                    dkAcc.initialize(repeating: 0, count: nk * dh)
                    dvAcc.initialize(repeating: 0, count: nk * dh)
                    var i0 = 0
                    while i0 < s.queries {
                        let nq = min(bq, s.queries - i0)
                        let qPtr = q + (b * s.queries + i0) * s.ldq + h * dh
                        let doPtr = dout + (b * s.queries + i0) * s.ldo + h * dh
                        T.gemm(transA: false, transB: true, m: nq, n: nk, k: dh, alpha: scale, a: qPtr, lda: s.ldq,
                               b: kPtr, ldb: s.ldk, beta: 0, c: p, ldc: nk)
                        for r in 0..<nq {
                            let row = p + r * nk
                            let l = lseRow[i0 + r]
                            for j in 0..<nk { row[j] -= l }
                            VectorMath.expInPlace(row, count: nk)
                        }
                        // dV += P^T dO
                        T.gemm(transA: true, transB: false, m: nk, n: dh, k: nq, alpha: 1, a: p, lda: nk,
                               b: doPtr, ldb: s.ldo, beta: 1, c: dvAcc, ldc: dh)
                        // dP = dO V^T ; dS = P * (dP - delta)
                        T.gemm(transA: false, transB: true, m: nq, n: nk, k: dh, alpha: 1, a: doPtr, lda: s.ldo,
                               b: vPtr, ldb: s.ldv, beta: 0, c: dp, ldc: nk)
                        for r in 0..<nq {
                            let pr = p + r * nk, dpr = dp + r * nk
                            let dl = delta[i0 + r]
                            for j in 0..<nk { dpr[j] = pr[j] * (dpr[j] - dl) }
                        }
                        // dQ += scale dS K ; dK += scale dS^T Q
                        T.gemm(transA: false, transB: false, m: nq, n: dh, k: nk, alpha: scale, a: dp, lda: nk,
                               b: kPtr, ldb: s.ldk, beta: 1, c: dq + (b * s.queries + i0) * ldq + h * dh, ldc: ldq)
                        T.gemm(transA: true, transB: false, m: nk, n: dh, k: nq, alpha: scale, a: dp, lda: nk,
                               b: qPtr, ldb: s.ldq, beta: 1, c: dkAcc, ldc: dh)
                        i0 += nq
                    }
                    for r in 0..<nk {
                        let dkRow = dk + (b * s.keys + j0 + r) * ldk + h * dh
                        let dvRow = dv + (b * s.keys + j0 + r) * ldv + h * dh
                        for d in 0..<dh {
                            dkRow[d] += dkAcc[r * dh + d]
                            dvRow[d] += dvAcc[r * dh + d]
                        }
                    }
                    j0 += nk
                }
            }
        }
    }

    /// Naive reference: materialises the full score matrix. For tests only.
    public static func reference(q: [Double], k: [Double], v: [Double], shape s: AttentionShape) -> [Double] {
        var out = [Double](repeating: 0, count: s.batch * s.queries * s.ldo)
        let dh = s.headDim
        for b in 0..<s.batch {
            for h in 0..<s.heads {
                for i in 0..<s.queries {
                    var scores = [Double](repeating: 0, count: s.keys)
                    for j in 0..<s.keys {
                        var dot = 0.0
                        for d in 0..<dh { dot += q[(b * s.queries + i) * s.ldq + h * dh + d] * k[(b * s.keys + j) * s.ldk + h * dh + d] }
                        scores[j] = dot * s.scale
                    }
                    let m = scores.max() ?? 0
                    let e = scores.map { Double.exp($0 - m) }
                    let z = e.reduce(0, +)
                    for d in 0..<dh {
                        var acc = 0.0
                        for j in 0..<s.keys { acc += e[j] / z * v[(b * s.keys + j) * s.ldv + h * dh + d] }
                        out[(b * s.queries + i) * s.ldo + h * dh + d] = acc
                    }
                }
            }
        }
        return out
    }
}
