// Fast Float kernels against naive Double references on awkward shapes (1, 3, 7, not multiples of the
// vector width or the tile sizes), with tolerance atol + rtol * |ref|.
import XCTest
import TesseraEngine
import TesseraTestSupport

final class KernelReferenceTests: XCTestCase {
    func naiveGemm(_ a: [Double], _ b: [Double], m: Int, n: Int, k: Int, transA: Bool, transB: Bool) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n {
            var s = 0.0
            for p in 0..<k { s += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]) }
            c[i * n + j] = s
        }}
        return c
    }

    func testGemmAllTransposesAndThreadSplits() {
        for (m, n, k) in [(1, 1, 1), (3, 7, 5), (7, 3, 1), (129, 67, 33), (300, 17, 250), (17, 300, 250)] {
            for transA in [false, true] { for transB in [false, true] { for threads in [1, 2, 3] {
                let a = randomFloats(m * k, seed: 1), b = randomFloats(k * n, seed: 2)
                var c = [Float](repeating: 0, count: m * n)
                BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: transA ? m : k, b: b, ldb: transB ? k : n,
                          c: &c, ldc: n, threads: threads)
                let ref = naiveGemm(a.map(Double.init), b.map(Double.init), m: m, n: n, k: k, transA: transA, transB: transB)
                XCTAssertLessThanOrEqual(toleranceRatio(c, ref, atol: 1e-4, rtol: 1e-4), 1, "gemm \(m)x\(n)x\(k) tA=\(transA) tB=\(transB) threads=\(threads)")
            }}}
        }
    }

    func testVectorExpMatchesLibm() {
        var xs: [Float] = (0..<1001).map { Float($0) * 0.19 - 95 }   // -95 ... 95, includes clamped ends
        xs += [0, -0.0, 1e-8, -1e-8, 88.0, -87.0]
        var y = xs
        VectorMath.expInPlace(&y, count: y.count)
        for (x, e) in zip(xs, y) {
            let ref = Foundation.exp(Double(x))
            if x < -87.3 { XCTAssertLessThan(e, 1e-37); continue }
            if x > 88.3 { continue }
            XCTAssertEqual(Double(e), ref, accuracy: ref * 2e-6 + 1e-38, "exp(\(x))")
        }
    }

    func testVectorReductionsMatchNaiveSums() {
        for n in [1, 3, 7, 15, 16, 17, 100, 1001] {
            let x = randomFloats(n, seed: 20, scale: 3), y = randomFloats(n, seed: 21)
            let xd = x.map(Double.init), yd = y.map(Double.init)
            let mean = xd.reduce(0, +) / Double(n)
            XCTAssertEqual(Double(VectorMath.sum(x, count: n)), xd.reduce(0, +), accuracy: 1e-4 * Double(n))
            XCTAssertEqual(Double(VectorMath.dot(x, y, count: n)), zip(xd, yd).map(*).reduce(0, +), accuracy: 1e-4 * Double(n))
            XCTAssertEqual(Double(VectorMath.sumSquaredDeviation(x, count: n, shift: Float(mean))),
                           xd.map { ($0 - mean) * ($0 - mean) }.reduce(0, +), accuracy: 1e-4 * Double(n))
            XCTAssertEqual(Double(VectorMath.maximum(x, count: n)), xd.max()!)
        }
    }

    func testGeluBackwardFloatSIMDPathMatchesDouble() {
        let n = 1037
        let x = randomFloats(n, seed: 22, scale: 4), dy = randomFloats(n, seed: 23)
        var dx = [Float](repeating: 0, count: n)
        Elementwise.geluBackward(dout: dy, x: x, dx: &dx, count: n)
        var ref = [Double](repeating: 0, count: n)
        Elementwise.geluBackward(dout: dy.map(Double.init), x: x.map(Double.init), dx: &ref, count: n)
        // For x < -4 the slope is 0.5 (1 + t) with t -> -1: Float cancellation leaves ~1e-5 absolute error.
        XCTAssertLessThanOrEqual(toleranceRatio(dx, ref, atol: 1e-5, rtol: 1e-5), 1)
    }

    func testSiLUFloatSIMDPathsMatchDouble() {
        let n = 1037
        let x = randomFloats(n, seed: 24, scale: 6), dy = randomFloats(n, seed: 25)
        var y = [Float](repeating: 0, count: n), dx = [Float](repeating: 0, count: n)
        Elementwise.silu(x, &y, count: n)
        Elementwise.siluBackward(dout: dy, x: x, dx: &dx, count: n)
        var yRef = [Double](repeating: 0, count: n), dxRef = yRef
        Elementwise.silu(x.map(Double.init), &yRef, count: n)
        Elementwise.siluBackward(dout: dy.map(Double.init), x: x.map(Double.init), dx: &dxRef, count: n)
        XCTAssertLessThanOrEqual(toleranceRatio(y, yRef, atol: 1e-6, rtol: 1e-5), 1)
        XCTAssertLessThanOrEqual(toleranceRatio(dx, dxRef, atol: 1e-6, rtol: 1e-5), 1)
    }

    func testGeluFloatSIMDPathMatchesFormula() {
        let n = 1037
        let x = randomFloats(n, seed: 3, scale: 4)
        var y = [Float](repeating: 0, count: n)
        Elementwise.gelu(x, &y, count: n)
        let ref = x.map { v -> Double in let d = Double(v); return 0.5 * d * (1 + Foundation.tanh(0.7978845608028654 * (d + 0.044715 * d * d * d))) }
        XCTAssertLessThanOrEqual(toleranceRatio(y, ref, atol: 1e-6, rtol: 1e-5), 1)
    }

    func testSoftmaxAndLayerNormMatchNaive() {
        for (n, d) in [(1, 1), (3, 7), (5, 17), (2, 1000)] {
            let x = randomFloats(n * d, seed: 4, scale: 3)
            var y = [Float](repeating: 0, count: n * d)
            SoftmaxOp.forward(x: x, y: &y, n: n, d: d)
            var ref = [Double](repeating: 0, count: n * d)
            for i in 0..<n {
                let row = x[(i * d)..<((i + 1) * d)].map(Double.init)
                let m = row.max()!
                let e = row.map { Foundation.exp($0 - m) }
                let z = e.reduce(0, +)
                for j in 0..<d { ref[i * d + j] = e[j] / z }
            }
            XCTAssertLessThanOrEqual(toleranceRatio(y, ref, atol: 1e-7, rtol: 1e-5), 1, "softmax \(n)x\(d)")

            var mean = [Float](repeating: 0, count: n), rstd = mean
            let gamma = randomFloats(d, seed: 5), beta = randomFloats(d, seed: 6)
            LayerNormOp.forward(x: x, gamma: gamma, beta: beta, y: &y, mean: &mean, rstd: &rstd, n: n, d: d)
            for i in 0..<n {
                let row = x[(i * d)..<((i + 1) * d)].map(Double.init)
                let mu = row.reduce(0, +) / Double(d)
                let v = row.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(d)
                for j in 0..<d { ref[i * d + j] = (row[j] - mu) / (v + 1e-6).squareRoot() * Double(gamma[j]) + Double(beta[j]) }
            }
            XCTAssertLessThanOrEqual(toleranceRatio(y, ref, atol: 1e-4, rtol: 1e-4), 1, "layernorm \(n)x\(d)")
        }
    }

    func testBlockwiseAttentionMatchesFullMatrixReference() {
        for (b, h, tq, tk, dh, qb, kb) in [(1, 1, 1, 1, 1, 128, 256), (2, 3, 7, 13, 5, 4, 3), (1, 2, 300, 257, 64, 128, 256), (1, 1, 33, 5, 7, 8, 2)] {
            let savedQ = AttentionOp.queryBlock, savedK = AttentionOp.keyBlock
            AttentionOp.queryBlock = qb; AttentionOp.keyBlock = kb
            defer { AttentionOp.queryBlock = savedQ; AttentionOp.keyBlock = savedK }
            let s = AttentionShape(batch: b, heads: h, queries: tq, keys: tk, headDim: dh)
            let q = randomFloats(b * tq * h * dh, seed: 7, scale: 2), k = randomFloats(b * tk * h * dh, seed: 8, scale: 2), v = randomFloats(b * tk * h * dh, seed: 9)
            var o = [Float](repeating: 0, count: b * tq * h * dh)
            var lse = [Float](repeating: 0, count: b * h * tq)
            AttentionOp.forward(q: q, k: k, v: v, o: &o, lse: &lse, shape: s)
            let ref = AttentionOp.reference(q: q.map(Double.init), k: k.map(Double.init), v: v.map(Double.init), shape: s)
            XCTAssertLessThanOrEqual(toleranceRatio(o, ref, atol: 1e-5, rtol: 1e-4), 1, "attention \(b) \(h) \(tq) \(tk) \(dh)")
        }
    }

    func testConv3DMatchesDirectDefinition() {
        let shapes = [
            Conv3DShape(batch: 1, frames: 1, height: 1, width: 1, inChannels: 1, outChannels: 1, kernel: (1, 1, 1)),
            Conv3DShape(batch: 2, frames: 5, height: 7, width: 3, inChannels: 3, outChannels: 7, kernel: (3, 3, 3)),
            Conv3DShape(batch: 1, frames: 9, height: 16, width: 24, inChannels: 5, outChannels: 3, kernel: (3, 3, 3), stride: (2, 2, 2)),
            Conv3DShape(batch: 1, frames: 1, height: 33, width: 17, inChannels: 4, outChannels: 6, kernel: (1, 3, 3), stride: (1, 2, 2)),
        ]
        for s in shapes {
            let x = randomFloats(s.inputCount, seed: 10), w = randomFloats(s.patchSize * s.outChannels, seed: 11), bias = randomFloats(s.outChannels, seed: 12)
            var y = [Float](repeating: 0, count: s.outputCount)
            Conv3DOp.forward(x: x, weight: w, bias: bias, y: &y, shape: s)
            let ref = Conv3DOp.reference(x: x.map(Double.init), weight: w.map(Double.init), bias: bias.map(Double.init), shape: s)
            XCTAssertLessThanOrEqual(toleranceRatio(y, ref, atol: 1e-4, rtol: 1e-4), 1, "conv \(s.kernel) \(s.stride)")
        }
        // Causality: changing a later frame never changes an earlier output frame.
        let s = Conv3DShape(batch: 1, frames: 5, height: 4, width: 4, inChannels: 2, outChannels: 2, kernel: (3, 3, 3))
        var x = randomFloats(s.inputCount, seed: 13)
        let w = randomFloats(s.patchSize * 2, seed: 14)
        var y1 = [Float](repeating: 0, count: s.outputCount), y2 = y1
        Conv3DOp.forward(x: x, weight: w, bias: nil, y: &y1, shape: s)
        for i in (3 * 16 * 2)..<x.count { x[i] += 1 }   // frames 3 and 4
        Conv3DOp.forward(x: x, weight: w, bias: nil, y: &y2, shape: s)
        XCTAssertEqual(Array(y1[0..<(3 * 16 * 2)]), Array(y2[0..<(3 * 16 * 2)]))
        XCTAssertNotEqual(Array(y1[(3 * 16 * 2)...]), Array(y2[(3 * 16 * 2)...]))
    }

    func testPatchifyMatchesIndexFormulaAndRoundTrips() {
        let grid = PatchGrid(batch: 2, frames: 3, height: 4, width: 6, channels: 5, patch: [1, 2, 3])
        let n = 2 * 3 * 4 * 6 * 5
        let x = (0..<n).map { Float($0) }
        var tokens = [Float](repeating: 0, count: n), back = tokens
        grid.patchify(x, into: &tokens)
        for b in 0..<2 { for f in 0..<3 { for h in 0..<4 { for w in 0..<6 { for c in 0..<5 {
            let token = ((b * 3 + f) * 2 + h / 2) * 2 + w / 3
            let feature = ((h % 2) * 3 + w % 3) * 5 + c
            XCTAssertEqual(tokens[token * grid.tokenWidth + feature], x[(((b * 3 + f) * 4 + h) * 6 + w) * 5 + c])
        }}}}}
        grid.unpatchify(tokens, into: &back)
        XCTAssertEqual(back, x)
    }

    func testUpsampleIsCausalInTime() {
        // 2 frames -> 1 + 1*4 = 5 frames: frame 0 once, frame 1 four times.
        let x: [Float] = [1, 2]
        var y = [Float](repeating: 0, count: 5 * 4)
        Upsample3DOp.forward(x: x, y: &y, batch: 1, frames: 2, height: 1, width: 1, channels: 1, factor: (4, 2, 2))
        XCTAssertEqual(y, [1, 1, 1, 1] + [Float](repeating: 2, count: 16))
    }
}

import Foundation
