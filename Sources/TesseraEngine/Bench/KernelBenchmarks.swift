// The kernel benchmark suite behind `tessera bench kernels`: GEMM on transformer shapes with 1 and 2
// threads, blockwise attention, causal conv3d, layer norm, and a whole transformer block trained one
// step (forward + backward). Flop counts are the useful multiply-adds x 2 (no recomputation counted).

public struct KernelBenchmarkReport: Sendable {
    public var blasCore: String
    public var threads: Int
    public var gemmPeakGflops: Double
    public var results: [BenchmarkResult]
}

public enum KernelBenchmarks {
    public static func run(quick: Bool = false, log: (String) -> Void = { _ in }) -> KernelBenchmarkReport {
        _ = BLAS.configure
        let threads = Parallel.workers
        let floor = quick ? 0.05 : 0.3
        var results: [BenchmarkResult] = []

        // GEMM: (tokens x width) times (width x width) and the MLP's (width x 4 width).
        let tokensList = quick ? [256, 1024] : [256, 1024, 4096]
        let widths = quick ? [256, 384] : [256, 384, 768, 1536]
        var peak = 0.0
        for t in tokensList {
            for d in widths {
                for n in [d, 4 * d] where !(quick && n != d) {
                    for th in Array(Set([1, threads])).sorted() {
                        let r = gemm(m: t, n: n, k: d, threads: th, floor: floor)
                        if th == threads { peak = max(peak, r.gflops) }
                        results.append(r)
                        log(r.name)
                    }
                }
            }
        }

        for t in quick ? [1024] : [1024, 4096] {
            let r = attentionForward(tokens: t, width: 384, heads: 6, floor: floor)
            results.append(r); log(r.name)
        }
        let ab = attentionBackward(tokens: 1024, width: 384, heads: 6, floor: floor)
        results.append(ab); log(ab.name)

        let conv = conv3d(frames: 5, height: 64, width: 64, channels: 64, floor: floor)
        results.append(conv); log(conv.name)
        let ln = layerNorm(rows: 4096, width: 384, floor: floor)
        results.append(ln); log(ln.name)
        let block = blockForwardBackward(tokens: 1024, width: 384, heads: 6, floor: floor)
        results.append(block); log(block.name)

        return KernelBenchmarkReport(blasCore: BLAS.coreName, threads: threads, gemmPeakGflops: peak, results: results)
    }

    /// Best all-thread GEMM GFLOP/s over the transformer's shapes (tokens 1024 and 4096, widths 256
    /// to 1536): the peak that model throughput is reported against.
    public static func gemmPeak(seconds floor: Double = 0.3) -> Double {
        _ = BLAS.configure
        var peak = 0.0
        for (t, d) in [(1024, 384), (4096, 384), (1024, 768), (1024, 1536)] {
            peak = max(peak, gemm(m: t, n: 4 * d, k: d, threads: Parallel.workers, floor: floor).gflops)
        }
        return peak
    }

    static func filled(_ count: Int, seed: UInt64) -> Tensor<Float> {
        var rng = RandomGenerator(seed: seed)
        return Tensor(randomNormal: [count], scale: 0.5, rng: &rng)
    }

    static func gemm(m: Int, n: Int, k: Int, threads: Int, floor: Double) -> BenchmarkResult {
        let a = filled(m * k, seed: 1), b = filled(k * n, seed: 2)
        var c = Tensor<Float>(zeros: [m * n])
        let flops = 2.0 * Double(m) * Double(n) * Double(k)
        return c.withUnsafeMutablePointer { cp in
            a.withUnsafePointer { ap in b.withUnsafePointer { bp in
                Benchmark.measure("gemm_t\(m)_k\(k)_n\(n)_\(threads)thread", flops: flops, minimumSeconds: floor) {
                    BLAS.gemm(m: m, n: n, k: k, a: ap, lda: k, b: bp, ldb: n, c: cp, ldc: n, threads: threads)
                }
            }}
        }
    }

    static func attentionForward(tokens: Int, width: Int, heads: Int, floor: Double) -> BenchmarkResult {
        let s = AttentionShape(batch: 1, heads: heads, queries: tokens, keys: tokens, headDim: width / heads)
        let q = filled(tokens * width, seed: 3), k = filled(tokens * width, seed: 4), v = filled(tokens * width, seed: 5)
        var o = Tensor<Float>(zeros: [tokens * width]), lse = Tensor<Float>(zeros: [heads * tokens])
        return o.withUnsafeMutablePointer { op in lse.withUnsafeMutablePointer { lp in
            q.withUnsafePointer { qp in k.withUnsafePointer { kp in v.withUnsafePointer { vp in
                Benchmark.measure("attention_fwd_t\(tokens)_d\(width)", flops: s.forwardFlops, minimumSeconds: floor) {
                    AttentionOp.forward(q: qp, k: kp, v: vp, o: op, lse: lp, shape: s)
                }
            }}}
        }}
    }

    static func attentionBackward(tokens: Int, width: Int, heads: Int, floor: Double) -> BenchmarkResult {
        let s = AttentionShape(batch: 1, heads: heads, queries: tokens, keys: tokens, headDim: width / heads)
        let q = filled(tokens * width, seed: 3), k = filled(tokens * width, seed: 4), v = filled(tokens * width, seed: 5)
        let dout = filled(tokens * width, seed: 6)
        var o = Tensor<Float>(zeros: [tokens * width]), lse = Tensor<Float>(zeros: [heads * tokens])
        var dq = Tensor<Float>(zeros: [tokens * width]), dk = dq, dv = dq
        o.withUnsafeMutablePointer { op in lse.withUnsafeMutablePointer { lp in
            q.withUnsafePointer { qp in k.withUnsafePointer { kp in v.withUnsafePointer { vp in
                AttentionOp.forward(q: qp, k: kp, v: vp, o: op, lse: lp, shape: s)
            }}}
        }}
        // Useful work of the backward pass: dV, dP, dQ, dK = 2x the forward's two GEMMs.
        return dq.withUnsafeMutablePointer { dqp in dk.withUnsafeMutablePointer { dkp in dv.withUnsafeMutablePointer { dvp in
            q.withUnsafePointer { qp in k.withUnsafePointer { kp in v.withUnsafePointer { vp in
                o.withUnsafePointer { op in lse.withUnsafePointer { lp in dout.withUnsafePointer { dp in
                    Benchmark.measure("attention_bwd_t\(tokens)_d\(width)", flops: 2 * s.forwardFlops, minimumSeconds: floor) {
                        AttentionOp.backward(dout: dp, q: qp, k: kp, v: vp, o: op, lse: lp, dq: dqp, dk: dkp, dv: dvp, shape: s)
                    }
                }}}
            }}}
        }}}
    }

    static func conv3d(frames: Int, height: Int, width: Int, channels: Int, floor: Double) -> BenchmarkResult {
        let s = Conv3DShape(batch: 1, frames: frames, height: height, width: width, inChannels: channels,
                            outChannels: channels, kernel: (3, 3, 3))
        let x = filled(s.inputCount, seed: 7), w = filled(s.patchSize * s.outChannels, seed: 8)
        var y = Tensor<Float>(zeros: [s.outputCount])
        return y.withUnsafeMutablePointer { yp in x.withUnsafePointer { xp in w.withUnsafePointer { wp in
            Benchmark.measure("conv3d_fwd_f\(frames)_\(width)x\(height)_c\(channels)_k3", flops: s.flops, minimumSeconds: floor) {
                Conv3DOp.forward(x: xp, weight: wp, bias: nil, y: yp, shape: s)
            }
        }}}
    }

    static func layerNorm(rows: Int, width: Int, floor: Double) -> BenchmarkResult {
        let x = filled(rows * width, seed: 9)
        var y = Tensor<Float>(zeros: [rows * width]), mean = Tensor<Float>(zeros: [rows]), rstd = mean
        return y.withUnsafeMutablePointer { yp in mean.withUnsafeMutablePointer { mp in rstd.withUnsafeMutablePointer { rp in
            x.withUnsafePointer { xp in
                Benchmark.measure("layernorm_fwd_t\(rows)_d\(width)", flops: 8 * Double(rows * width),
                                  bytes: 8 * Double(rows * width), minimumSeconds: floor) {
                    LayerNormOp.forward(x: xp, gamma: nil, beta: nil, y: yp, mean: mp, rstd: rp, n: rows, d: width)
                }
            }
        }}}
    }

    /// Pre-norm block (attention + 4x MLP), forward and backward, batch 1.
    static func blockForwardBackward(tokens: Int, width: Int, heads: Int, floor: Double) -> BenchmarkResult {
        let store = ParameterStore<Float>(seed: 1)
        let block = TransformerBlock(store, "block", width: width, heads: heads, mlpRatio: 4)
        var rng = RandomGenerator(seed: 2)
        let x = Tensor<Float>(randomNormal: [1, tokens, width], rng: &rng)
        let dy = Tensor<Float>(randomNormal: [1, tokens, width], rng: &rng)
        let t = Double(tokens), d = Double(width)
        let forward = 2 * t * (d * 3 * d + d * d + 2 * d * 4 * d) + 4 * t * t * d
        return Benchmark.measure("block_fwd_bwd_t\(tokens)_d\(width)", flops: 3 * forward, minimumSeconds: floor) {
            store.zeroGrads()
            _ = block.forward(x)
            _ = block.backward(dy)
        }
    }
}
