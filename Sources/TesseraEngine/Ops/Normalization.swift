// Layer norm, RMS norm and group norm, forward and backward.
// Each saves per-row statistics (mean, rstd) in the forward pass for the backward pass.
//   LayerNorm/RMSNorm: x (N, D), normalised over D; gamma/beta (D) optional.
//   GroupNorm: x (N, S, C) channels last, G groups of C/G channels, normalised over S * C/G.

public enum LayerNormOp {
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func forward<T: TensorScalar>(x: UnsafePointer<T>, gamma: UnsafePointer<T>?, beta: UnsafePointer<T>?,
                                                y: UnsafeMutablePointer<T>, mean: UnsafeMutablePointer<T>,
                                                rstd: UnsafeMutablePointer<T>, n: Int, d: Int, eps: T = 1e-6) {
        Parallel.forRange(n, minimumChunk: max(1, 4096 / max(d, 1))) { rows in
            for i in rows {
                let xr = x + i * d, yr = y + i * d
                let mu = VectorMath.sum(xr, count: d) / T(d)
                let v = VectorMath.sumSquaredDeviation(xr, count: d, shift: mu)
                let r = 1 / (v / T(d) + eps).squareRoot()
                mean[i] = mu
                rstd[i] = r
                // One plain loop per case: optionals inside the loop defeat vectorisation.
                switch (gamma, beta) {
                case let (g?, b?): for j in 0..<d { yr[j] = (xr[j] - mu) * r * g[j] + b[j] }
                case let (g?, nil): for j in 0..<d { yr[j] = (xr[j] - mu) * r * g[j] }
                case let (nil, b?): for j in 0..<d { yr[j] = (xr[j] - mu) * r + b[j] }
                case (nil, nil): for j in 0..<d { yr[j] = (xr[j] - mu) * r }
                }
            }
        }
    }

    /// dx += ...; dGamma, dBeta accumulated. Rows split over workers; parameter grads reduced per worker.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func backward<T: TensorScalar>(dy: UnsafePointer<T>, x: UnsafePointer<T>, gamma: UnsafePointer<T>?,
                                                 mean: UnsafePointer<T>, rstd: UnsafePointer<T>,
                                                 dx: UnsafeMutablePointer<T>, dGamma: UnsafeMutablePointer<T>?,
                                                 dBeta: UnsafeMutablePointer<T>?, n: Int, d: Int) {
        ParameterGradReducer.run(rows: n, width: 2 * d, into: { partial in
            if let dGamma { for j in 0..<d { dGamma[j] += partial[j] } }
            if let dBeta { for j in 0..<d { dBeta[j] += partial[d + j] } }
        }) { rows, partial in
            let g = UnsafeMutablePointer<T>.allocate(capacity: d), xhat = UnsafeMutablePointer<T>.allocate(capacity: d)
            defer { g.deallocate(); xhat.deallocate() }
            for i in rows {
                let xr = x + i * d, dyr = dy + i * d, dxr = dx + i * d
                let mu = mean[i], r = rstd[i]
                for j in 0..<d {
                    xhat[j] = (xr[j] - mu) * r
                    partial[j] += dyr[j] * xhat[j]
                    partial[d + j] += dyr[j]
                }
                if let gamma { for j in 0..<d { g[j] = dyr[j] * gamma[j] } } else { g.update(from: dyr, count: d) }
                let mg = VectorMath.sum(g, count: d) / T(d)
                let mgx = VectorMath.dot(g, xhat, count: d) / T(d)
                for j in 0..<d { dxr[j] += r * (g[j] - mg - xhat[j] * mgx) }
            }
        }
    }
}

public enum RMSNormOp {
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func forward<T: TensorScalar>(x: UnsafePointer<T>, gamma: UnsafePointer<T>?, y: UnsafeMutablePointer<T>,
                                                rstd: UnsafeMutablePointer<T>, n: Int, d: Int, eps: T = 1e-6) {
        withScale(gamma, count: d) { g in
            Parallel.forRange(n, minimumChunk: max(1, 4096 / max(d, 1))) { rows in
                for i in rows {
                    let xr = x + i * d, yr = y + i * d
                    let r = 1 / (VectorMath.dot(xr, xr, count: d) / T(d) + eps).squareRoot()
                    rstd[i] = r
                    for j in 0..<d { yr[j] = xr[j] * r * g[j] }
                }
            }
        }
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func backward<T: TensorScalar>(dy: UnsafePointer<T>, x: UnsafePointer<T>, gamma: UnsafePointer<T>?,
                                                 rstd: UnsafePointer<T>, dx: UnsafeMutablePointer<T>,
                                                 dGamma: UnsafeMutablePointer<T>?, n: Int, d: Int) {
        withScale(gamma, count: d) { scale in
            ParameterGradReducer.run(rows: n, width: d, into: { partial in
                if let dGamma { for j in 0..<d { dGamma[j] += partial[j] } }
            }) { rows, partial in
                let g = UnsafeMutablePointer<T>.allocate(capacity: d)
                defer { g.deallocate() }
                for i in rows {
                    let xr = x + i * d, dyr = dy + i * d, dxr = dx + i * d
                    let r = rstd[i]
                    for j in 0..<d {
                        g[j] = dyr[j] * scale[j]
                        partial[j] += dyr[j] * xr[j] * r
                    }
                    let mgx = VectorMath.dot(g, xr, count: d) * r / T(d)
                    for j in 0..<d { dxr[j] += r * (g[j] - xr[j] * r * mgx) }
                }
            }
        }
    }
}

public enum GroupNormOp {
    /// mean/rstd have N*G entries.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func forward<T: TensorScalar>(x: UnsafePointer<T>, gamma: UnsafePointer<T>?, beta: UnsafePointer<T>?,
                                                y: UnsafeMutablePointer<T>, mean: UnsafeMutablePointer<T>,
                                                rstd: UnsafeMutablePointer<T>, n: Int, s: Int, c: Int, groups: Int,
                                                eps: T = 1e-6) {
        precondition(c % groups == 0, "GroupNorm: \(c) channels do not split into \(groups) groups")
        let cg = c / groups
        Parallel.forEach(n * groups) { ng in
            let b = ng / groups, g = ng % groups
            let base = x + b * s * c + g * cg
            var sum: T = 0
            for p in 0..<s { for j in 0..<cg { sum += base[p * c + j] } }
            let count = T(s * cg)
            let mu = sum / count
            var v: T = 0
            for p in 0..<s { for j in 0..<cg { let d = base[p * c + j] - mu; v += d * d } }
            let r = 1 / (v / count + eps).squareRoot()
            mean[ng] = mu
            rstd[ng] = r
            let out = y + b * s * c + g * cg
            let gm = gamma.map { $0 + g * cg }, bt = beta.map { $0 + g * cg }
            for p in 0..<s {
                let src = base + p * c, dst = out + p * c
                switch (gm, bt) {
                case let (gp?, bp?): for j in 0..<cg { dst[j] = (src[j] - mu) * r * gp[j] + bp[j] }
                default: for j in 0..<cg { dst[j] = (src[j] - mu) * r * (gm?[j] ?? 1) + (bt?[j] ?? 0) }
                }
            }
        }
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func backward<T: TensorScalar>(dy: UnsafePointer<T>, x: UnsafePointer<T>, gamma: UnsafePointer<T>?,
                                                 mean: UnsafePointer<T>, rstd: UnsafePointer<T>,
                                                 dx: UnsafeMutablePointer<T>, dGamma: UnsafeMutablePointer<T>?,
                                                 dBeta: UnsafeMutablePointer<T>?, n: Int, s: Int, c: Int, groups: Int) {
        let cg = c / groups
        withScale(gamma, count: c) { gamma in
        ParameterGradReducer.run(rows: n * groups, width: 2 * c, into: { partial in
            if let dGamma { for j in 0..<c { dGamma[j] += partial[j] } }
            if let dBeta { for j in 0..<c { dBeta[j] += partial[c + j] } }
        }) { items, partial in
            for ng in items {
                let b = ng / groups, g = ng % groups
                let off = b * s * c + g * cg
                let mu = mean[ng], r = rstd[ng]
                var sumG: T = 0, sumGX: T = 0
                for p in 0..<s {
                    for j in 0..<cg {
                        let idx = off + p * c + j
                        let xhat = (x[idx] - mu) * r
                        let gg = dy[idx] * gamma[g * cg + j]
                        sumG += gg
                        sumGX += gg * xhat
                        partial[g * cg + j] += dy[idx] * xhat
                        partial[c + g * cg + j] += dy[idx]
                    }
                }
                let count = T(s * cg)
                let mg = sumG / count, mgx = sumGX / count
                for p in 0..<s {
                    for j in 0..<cg {
                        let idx = off + p * c + j
                        let xhat = (x[idx] - mu) * r
                        let gg = dy[idx] * gamma[g * cg + j]
                        dx[idx] += r * (gg - mg - xhat * mgx)
                    }
                }
            }
        }
        }
    }
}

/// Calls body with `scale`, or with a temporary vector of ones when it is nil, so inner loops read a
/// plain pointer (an optional inside a loop defeats vectorisation: measured 100x on layer norm).
@inline(__always)
func withScale<T: TensorScalar, R>(_ scale: UnsafePointer<T>?, count: Int, _ body: (UnsafePointer<T>) -> R) -> R {
    if let scale { return body(scale) }
    let ones = UnsafeMutablePointer<T>.allocate(capacity: max(1, count))
    defer { ones.deallocate() }
    ones.initialize(repeating: 1, count: count)
    return body(ones)
}

/// Splits rows over the workers, gives each a zeroed private parameter-gradient buffer, then adds the
/// buffers into the real gradients in worker order, so the sum is the same on every run.
public enum ParameterGradReducer {
    /// `minimumRowsPerPart`: below this many rows per worker, fewer workers are used.
    public static func run<T: TensorScalar>(rows: Int, width: Int, minimumRowsPerPart: Int = 8,
                                            into commit: (UnsafePointer<T>) -> Void,
                                            _ body: (Range<Int>, UnsafeMutablePointer<T>) -> Void) {
        let parts = max(1, min(Parallel.workers, rows / max(1, minimumRowsPerPart)))
        let buffer = UnsafeMutablePointer<T>.allocate(capacity: parts * width)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 0, count: parts * width)
        if parts == 1 {
            body(0..<rows, buffer)
        } else {
            withoutActuallyEscaping(body) { body in
                DispatchQueue.concurrentPerform(iterations: parts) { p in
                    body(Parallel.chunkRange(p, of: parts, count: rows), buffer + p * width)
                }
            }
        }
        for p in 0..<parts { commit(buffer + p * width) }
    }
}

import Dispatch
