// Finite-difference checks (Double) of every differentiable op's backward pass.
import XCTest
import TesseraEngine
import TesseraTestSupport

final class GradientCheckTests: XCTestCase {
    let tolerance = 1e-6

    func assertGradients(_ name: String, inputs: [[Double]], outputCount: Int,
                         forward: @escaping ([UnsafeMutablePointer<Double>], UnsafeMutablePointer<Double>) -> Void,
                         backward: @escaping ([UnsafeMutablePointer<Double>], UnsafePointer<Double>, [UnsafeMutablePointer<Double>]) -> Void,
                         file: StaticString = #filePath, line: UInt = #line) {
        let fwd: ([[Double]]) -> [Double] = { xs in
            var y = [Double](repeating: 0, count: outputCount)
            _ = withPointers(xs) { ptrs in y.withUnsafeMutableBufferPointer { forward(ptrs, $0.baseAddress!) } }
            return y
        }
        let bwd: ([[Double]], [Double]) -> [[Double]] = { xs, dy in
            let zeros = xs.map { [Double](repeating: 0, count: $0.count) }
            var grads: [[Double]] = []
            _ = withPointers(xs) { ptrs in
                var y = [Double](repeating: 0, count: outputCount)
                y.withUnsafeMutableBufferPointer { forward(ptrs, $0.baseAddress!) }
                grads = withPointers(zeros) { gptrs in dy.withUnsafeBufferPointer { backward(ptrs, $0.baseAddress!, gptrs) } }
            }
            return grads
        }
        let result = GradientCheck.run(inputs: inputs, forward: fwd, backward: bwd)
        XCTAssertLessThan(result.worstRelativeError, tolerance, "\(name): \(result)", file: file, line: line)
        XCTAssertGreaterThan(result.checked, 0, file: file, line: line)
    }

    func testLinear() {
        for (n, k, m) in [(1, 1, 1), (3, 7, 5), (17, 9, 3)] {
            assertGradients("linear \(n)x\(k)->\(m)", inputs: [randomValues(n * k, seed: 1), randomValues(m * k, seed: 2), randomValues(m, seed: 3)],
                            outputCount: n * m,
                            forward: { p, y in LinearOp.forward(x: p[0], weight: p[1], bias: p[2], y: y, n: n, k: k, m: m) },
                            backward: { p, dy, g in LinearOp.backward(dy: dy, x: p[0], weight: p[1], dx: g[0], dWeight: g[1], dBias: g[2], n: n, k: k, m: m) })
        }
    }

    func testLayerNormWithAndWithoutAffine() {
        for (n, d) in [(1, 3), (5, 7), (3, 33)] {
            var mean = [Double](repeating: 0, count: n), rstd = mean
            assertGradients("layernorm \(n)x\(d)", inputs: [randomValues(n * d, seed: 4), randomValues(d, seed: 5), randomValues(d, seed: 6)], outputCount: n * d,
                            forward: { p, y in LayerNormOp.forward(x: p[0], gamma: p[1], beta: p[2], y: y, mean: &mean, rstd: &rstd, n: n, d: d) },
                            backward: { p, dy, g in LayerNormOp.backward(dy: dy, x: p[0], gamma: p[1], mean: mean, rstd: rstd, dx: g[0], dGamma: g[1], dBeta: g[2], n: n, d: d) })
            assertGradients("layernorm plain \(n)x\(d)", inputs: [randomValues(n * d, seed: 7)], outputCount: n * d,
                            forward: { p, y in LayerNormOp.forward(x: p[0], gamma: nil, beta: nil, y: y, mean: &mean, rstd: &rstd, n: n, d: d) },
                            backward: { p, dy, g in LayerNormOp.backward(dy: dy, x: p[0], gamma: nil, mean: mean, rstd: rstd, dx: g[0], dGamma: nil, dBeta: nil, n: n, d: d) })
        }
    }

    func testRMSNorm() {
        for (n, d) in [(1, 1), (4, 7), (2, 19)] {
            var rstd = [Double](repeating: 0, count: n)
            assertGradients("rmsnorm \(n)x\(d)", inputs: [randomValues(n * d, seed: 8), randomValues(d, seed: 9)], outputCount: n * d,
                            forward: { p, y in RMSNormOp.forward(x: p[0], gamma: p[1], y: y, rstd: &rstd, n: n, d: d) },
                            backward: { p, dy, g in RMSNormOp.backward(dy: dy, x: p[0], gamma: p[1], rstd: rstd, dx: g[0], dGamma: g[1], n: n, d: d) })
        }
    }

    func testGroupNorm() {
        for (n, s, c, groups) in [(1, 1, 2, 1), (2, 5, 6, 3), (3, 7, 4, 2)] {
            var mean = [Double](repeating: 0, count: n * groups), rstd = mean
            assertGradients("groupnorm", inputs: [randomValues(n * s * c, seed: 10), randomValues(c, seed: 11), randomValues(c, seed: 12)], outputCount: n * s * c,
                            forward: { p, y in GroupNormOp.forward(x: p[0], gamma: p[1], beta: p[2], y: y, mean: &mean, rstd: &rstd, n: n, s: s, c: c, groups: groups) },
                            backward: { p, dy, g in GroupNormOp.backward(dy: dy, x: p[0], gamma: p[1], mean: mean, rstd: rstd, dx: g[0], dGamma: g[1], dBeta: g[2], n: n, s: s, c: c, groups: groups) })
        }
    }

    func testActivations() {
        let n = 37
        assertGradients("gelu", inputs: [randomValues(n, seed: 13, scale: 2)], outputCount: n,
                        forward: { p, y in Elementwise.gelu(p[0], y, count: n) },
                        backward: { p, dy, g in Elementwise.geluBackward(dout: dy, x: p[0], dx: g[0], count: n) })
        assertGradients("silu", inputs: [randomValues(n, seed: 14, scale: 2)], outputCount: n,
                        forward: { p, y in Elementwise.silu(p[0], y, count: n) },
                        backward: { p, dy, g in Elementwise.siluBackward(dout: dy, x: p[0], dx: g[0], count: n) })
    }

    func testSoftmax() {
        for (n, d) in [(1, 1), (3, 7), (2, 40)] {
            var saved = [Double](repeating: 0, count: n * d)
            assertGradients("softmax \(n)x\(d)", inputs: [randomValues(n * d, seed: 15, scale: 3)], outputCount: n * d,
                            forward: { p, y in SoftmaxOp.forward(x: p[0], y: y, n: n, d: d); saved = Array(UnsafeBufferPointer(start: y, count: n * d)) },
                            backward: { _, dy, g in SoftmaxOp.backward(dy: dy, y: saved, dx: g[0], n: n, d: d) })
        }
    }

    func testAttentionSelfAndCrossWithSmallTiles() {
        let savedQ = AttentionOp.queryBlock, savedK = AttentionOp.keyBlock
        AttentionOp.queryBlock = 4; AttentionOp.keyBlock = 3   // many partial tiles
        defer { AttentionOp.queryBlock = savedQ; AttentionOp.keyBlock = savedK }
        for (b, h, tq, tk, dh) in [(1, 1, 1, 1, 1), (2, 3, 7, 7, 5), (1, 2, 9, 5, 4)] {
            let s = AttentionShape(batch: b, heads: h, queries: tq, keys: tk, headDim: dh)
            var lse = [Double](repeating: 0, count: b * h * tq)
            var o = [Double](repeating: 0, count: b * tq * h * dh)
            assertGradients("attention \(b)x\(h)x\(tq)x\(tk)x\(dh)",
                            inputs: [randomValues(b * tq * h * dh, seed: 16), randomValues(b * tk * h * dh, seed: 17), randomValues(b * tk * h * dh, seed: 18)],
                            outputCount: b * tq * h * dh,
                            forward: { p, y in AttentionOp.forward(q: p[0], k: p[1], v: p[2], o: y, lse: &lse, shape: s); o = Array(UnsafeBufferPointer(start: y, count: o.count)) },
                            backward: { p, dy, g in AttentionOp.backward(dout: dy, q: p[0], k: p[1], v: p[2], o: o, lse: lse, dq: g[0], dk: g[1], dv: g[2], shape: s) })
        }
    }

    func testCausalConv3DStridedAndPlain() {
        let shapes = [
            Conv3DShape(batch: 1, frames: 1, height: 1, width: 1, inChannels: 1, outChannels: 1, kernel: (1, 1, 1)),
            Conv3DShape(batch: 2, frames: 3, height: 4, width: 5, inChannels: 3, outChannels: 2, kernel: (3, 3, 3)),
            Conv3DShape(batch: 1, frames: 5, height: 6, width: 7, inChannels: 2, outChannels: 3, kernel: (3, 3, 3), stride: (2, 2, 2)),
        ]
        for s in shapes {
            assertGradients("conv3d \(s.kernel) stride \(s.stride)",
                            inputs: [randomValues(s.inputCount, seed: 19), randomValues(s.patchSize * s.outChannels, seed: 20), randomValues(s.outChannels, seed: 21)],
                            outputCount: s.outputCount,
                            forward: { p, y in Conv3DOp.forward(x: p[0], weight: p[1], bias: p[2], y: y, shape: s) },
                            backward: { p, dy, g in Conv3DOp.backward(dy: dy, x: p[0], weight: p[1], dx: g[0], dWeight: g[1], dBias: g[2], shape: s) })
        }
    }

    func testUpsample3D() {
        let (b, f, h, w, c) = (2, 3, 2, 3, 2)
        let factor = (t: 2, h: 2, w: 2)
        let outCount = b * Upsample3DOp.outputFrames(f, 2) * h * 2 * w * 2 * c
        assertGradients("upsample3d", inputs: [randomValues(b * f * h * w * c, seed: 22)], outputCount: outCount,
                        forward: { p, y in Upsample3DOp.forward(x: p[0], y: y, batch: b, frames: f, height: h, width: w, channels: c, factor: factor) },
                        backward: { _, dy, g in Upsample3DOp.backward(dy: dy, dx: g[0], batch: b, frames: f, height: h, width: w, channels: c, factor: factor) })
    }

    func testEmbedding() {
        let ids = [3, 0, 3, 1]
        assertGradients("embedding", inputs: [randomValues(5 * 4, seed: 23)], outputCount: ids.count * 4,
                        forward: { p, y in EmbeddingOp.forward(table: p[0], ids: ids, out: y, vocabulary: 5, d: 4) },
                        backward: { _, dy, g in EmbeddingOp.backward(dout: dy, ids: ids, dTable: g[0], d: 4) })
    }

    func testAddAndMul() {
        let n = 11
        assertGradients("add", inputs: [randomValues(n, seed: 24), randomValues(n, seed: 25)], outputCount: n,
                        forward: { p, y in Elementwise.add(p[0], p[1], y, count: n) },
                        backward: { _, dy, g in Elementwise.accumulate(dy, into: g[0], count: n); Elementwise.accumulate(dy, into: g[1], count: n) })
        assertGradients("mul", inputs: [randomValues(n, seed: 26), randomValues(n, seed: 27)], outputCount: n,
                        forward: { p, y in Elementwise.mul(p[0], p[1], y, count: n) },
                        backward: { p, dy, g in Elementwise.mulBackward(dout: dy, a: p[0], b: p[1], da: g[0], db: g[1], count: n) })
    }

    func testAdaLNModulateAndGate() {
        let (b, t, d) = (2, 3, 5)
        assertGradients("modulate", inputs: [randomValues(b * t * d, seed: 28), randomValues(b * d, seed: 29), randomValues(b * d, seed: 30)], outputCount: b * t * d,
                        forward: { p, y in ModulateOp.forward(x: p[0], shift: p[1], scale: p[2], ld: d, y: y, batch: b, tokens: t, d: d) },
                        backward: { p, dy, g in ModulateOp.backward(dy: dy, x: p[0], scale: p[2], ld: d, dx: g[0], dShift: g[1], dScale: g[2], ldGrad: d, batch: b, tokens: t, d: d) })
        assertGradients("gate", inputs: [randomValues(b * t * d, seed: 31), randomValues(b * d, seed: 32)], outputCount: b * t * d,
                        forward: { p, y in ModulateOp.gate(x: p[0], gate: p[1], ld: d, y: y, batch: b, tokens: t, d: d) },
                        backward: { p, dy, g in ModulateOp.gateBackward(dy: dy, x: p[0], gate: p[1], ld: d, dx: g[0], dGate: g[1], ldGrad: d, batch: b, tokens: t, d: d) })
    }

    func testPermutePatchifyUnpatchify() {
        let shape = [2, 3, 4, 5]
        let axes = [2, 0, 3, 1]
        let n = shape.reduce(1, *)
        assertGradients("permute", inputs: [randomValues(n, seed: 33)], outputCount: n,
                        forward: { p, y in PermuteOp.forward(x: p[0], shape: shape, axes: axes, out: y) },
                        backward: { _, dy, g in
                            PermuteOp.forward(x: dy, shape: axes.map { shape[$0] }, axes: PermuteOp.inverse(axes), out: g[0]) })
        let grid = PatchGrid(batch: 1, frames: 2, height: 4, width: 6, channels: 3, patch: [1, 2, 2])
        let m = 2 * 4 * 6 * 3
        assertGradients("patchify", inputs: [randomValues(m, seed: 34)], outputCount: m,
                        forward: { p, y in grid.patchify(p[0], into: y) },
                        backward: { _, dy, g in grid.unpatchify(dy, into: g[0]) })
        assertGradients("unpatchify", inputs: [randomValues(m, seed: 35)], outputCount: m,
                        forward: { p, y in grid.unpatchify(p[0], into: y) },
                        backward: { _, dy, g in grid.patchify(dy, into: g[0]) })
    }

    func testCrossEntropyAndMeanSquaredError() {
        let (n, d) = (3, 5)
        let targets = [4, 0, 2]
        let logits = randomValues(n * d, seed: 36)
        var grad = [Double](repeating: 0, count: n * d)
        _ = SoftmaxOp.crossEntropy(logits: logits, targets: targets, n: n, d: d, dLogits: &grad)
        for j in [0, 4, 7, 14] {
            var plus = logits, minus = logits
            plus[j] += 1e-5; minus[j] -= 1e-5
            let numeric = (SoftmaxOp.crossEntropy(logits: plus, targets: targets, n: n, d: d, dLogits: nil)
                - SoftmaxOp.crossEntropy(logits: minus, targets: targets, n: n, d: d, dLogits: nil)) / 2e-5
            XCTAssertEqual(grad[j], numeric, accuracy: 1e-8)
        }
        let a = randomValues(9, seed: 37), b = randomValues(9, seed: 38)
        var da = [Double](repeating: 0, count: 9)
        _ = Elementwise.meanSquaredError(a, b, count: 9, da: &da)
        var plus = a; plus[3] += 1e-5
        var minus = a; minus[3] -= 1e-5
        let numeric = (Elementwise.meanSquaredError(plus, b, count: 9, da: nil) - Elementwise.meanSquaredError(minus, b, count: 9, da: nil)) / 2e-5
        XCTAssertEqual(da[3], numeric, accuracy: 1e-8)
    }

    /// The whole pre-norm transformer block (layers, residuals, parameter arena) against finite differences.
    func testTransformerBlockParametersAndInput() {
        let store = ParameterStore<Double>(seed: 5)
        let block = TransformerBlock(store, "block", width: 8, heads: 2, mlpRatio: 2)
        for i in 0..<store.count { store.values[i] += 0.05 * Double((i * 7919) % 13 - 6) / 6 }   // break symmetric init
        let (b, t, d) = (2, 5, 8)
        let x0 = randomValues(b * t * d, seed: 40)
        let params0 = Array(UnsafeBufferPointer(start: store.values, count: store.count))
        let forward: ([[Double]]) -> [Double] = { xs in
            store.values.update(from: xs[1], count: store.count)
            return block.forward(Tensor(shape: [b, t, d], values: xs[0])).scalars
        }
        let backward: ([[Double]], [Double]) -> [[Double]] = { xs, dy in
            store.values.update(from: xs[1], count: store.count)
            store.zeroGrads()
            _ = block.forward(Tensor(shape: [b, t, d], values: xs[0]))
            let dx = block.backward(Tensor(shape: [b, t, d], values: dy))
            return [dx.scalars, Array(UnsafeBufferPointer(start: store.grads, count: store.count))]
        }
        let result = GradientCheck.run(inputs: [x0, params0], forward: forward, backward: backward, samplesPerInput: 120)
        XCTAssertLessThan(result.worstRelativeError, tolerance, "\(result)")
    }
}

extension GradientCheckTests {
    /// Space-to-depth, residual conv block, strided conv, causal up-sampling and depth-to-space (the
    /// autoencoder's pieces) end to end.
    func testConvolutionLayersComposite() {
        let store = ParameterStore<Double>(seed: 8)
        let block = ResidualBlock3D(store, "block", in: 4, out: 6, kernel: (3, 3, 3))
        let down = CausalConv3D(store, "down", in: 6, out: 4, kernel: (3, 3, 3), stride: (2, 2, 2))
        let up = CausalUpsample3D<Double>(factor: (2, 2, 2))
        let fold = SpaceToDepth<Double>(factor: 2), unfold = SpaceToDepth<Double>(factor: 2, inverse: true)
        for i in 0..<store.count { store.values[i] += 0.1 * Double((i * 7919) % 11 - 5) / 5 }
        let shape = [1, 5, 8, 12, 1]
        let x0 = randomValues(shape.reduce(1, *), seed: 41)
        let params0 = Array(UnsafeBufferPointer(start: store.values, count: store.count))
        let forward: ([[Double]]) -> [Double] = { xs in
            store.values.update(from: xs[1], count: store.count)
            return unfold.forward(up.forward(down.forward(block.forward(fold.forward(Tensor(shape: shape, values: xs[0])))))).scalars
        }
        let backward: ([[Double]], [Double]) -> [[Double]] = { xs, dy in
            store.values.update(from: xs[1], count: store.count)
            store.zeroGrads()
            let y = unfold.forward(up.forward(down.forward(block.forward(fold.forward(Tensor(shape: shape, values: xs[0]))))))
            let dx = fold.backward(block.backward(down.backward(up.backward(unfold.backward(Tensor(shape: y.shape, values: dy))))))
            return [dx.scalars, Array(UnsafeBufferPointer(start: store.grads, count: store.count))]
        }
        let result = GradientCheck.run(inputs: [x0, params0], forward: forward, backward: backward, samplesPerInput: 120)
        XCTAssertLessThan(result.worstRelativeError, tolerance, "\(result)")
    }
}
