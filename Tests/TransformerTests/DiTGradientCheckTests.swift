// Finite-difference checks (Double) of the DiT's new layers: RoPE, a whole DiT block (RoPE
// self-attention in each scope, cross-attention, adaLN-zero, MLP), the text encoder, and the
// whole tiny model end to end (input and every parameter).
import XCTest
import TesseraEngine
import TesseraTestSupport
import TesseraTransformer

final class DiTGradientCheckTests: XCTestCase {
    let tolerance = 1e-6

    /// Zero-initialised parameters (adaLN, output layers) would hide most gradients: nudge all.
    func perturb(_ store: ParameterStore<Double>, scale: Double = 0.1) {
        for i in 0..<store.count { store.values[i] += scale * Double((i * 7919) % 13 - 6) / 6 }
    }

    func parameters(_ store: ParameterStore<Double>) -> [Double] { Array(UnsafeBufferPointer(start: store.values, count: store.count)) }
    func gradients(_ store: ParameterStore<Double>) -> [Double] { Array(UnsafeBufferPointer(start: store.grads, count: store.count)) }

    func testRoPERotationGradient() {
        let (b, t, h, dh) = (2, 6, 2, 8)
        let layout = TokenLayout(frames: 2, rows: 1, columns: 3, latentHeight: 3)
        let coords = RoPETable<Double>.gridCoordinates(frames: 2, rows: 1, columns: 3, patch: (2, 2), latentHeight: layout.latentHeight)
        let table = RoPETable<Double>(coordinates: coords, pairs: RoPEPairs(headDim: dh))
        let ld = h * dh + 3   // strided rows, as inside a packed projection
        let n = b * t * ld
        let result = GradientCheck.run(inputs: [randomValues(n, seed: 1)], forward: { xs in
            var x = xs[0]
            x.withUnsafeMutableBufferPointer { RoPEOp.rotate($0.baseAddress!, ld: ld, batch: b, heads: h, headDim: dh, cos: table.cos, sin: table.sin, tokens: t) }
            return x
        }, backward: { _, dy in
            var g = dy
            g.withUnsafeMutableBufferPointer { RoPEOp.rotate($0.baseAddress!, ld: ld, batch: b, heads: h, headDim: dh, cos: table.cos, sin: table.sin, tokens: t, inverse: true) }
            return [g]
        })
        XCTAssertLessThan(result.worstRelativeError, tolerance, "\(result)")
    }

    func checkBlock(scope: AttentionScope, file: StaticString = #filePath, line: UInt = #line) {
        let store = ParameterStore<Double>(seed: 3)
        let (d, heads) = (12, 2)
        let block = DiTBlock(store, "block", width: d, heads: heads, mlpRatio: 2, scope: scope)
        perturb(store)
        let layout = TokenLayout(frames: 3, rows: 2, columns: 2, latentHeight: 3)
        let (b, t, l) = (2, layout.tokens, 4)
        let coords = RoPETable<Double>.gridCoordinates(frames: 3, rows: 2, columns: 2, patch: (2, 2), latentHeight: 3)
        let rope = RoPETable<Double>(coordinates: coords, pairs: RoPEPairs(headDim: d / heads))
        let inputs = [randomValues(b * t * d, seed: 10), randomValues(b * d, seed: 11), randomValues(b * l * d, seed: 12), parameters(store)]
        func run(_ xs: [[Double]]) -> Tensor<Double> {
            store.values.update(from: xs[3], count: store.count)
            return block.forward(Tensor(shape: [b, t, d], values: xs[0]), conditioning: Tensor(shape: [b, d], values: xs[1]),
                                 text: Tensor(shape: [b, l, d], values: xs[2]), layout: layout, rope: rope)
        }
        let result = GradientCheck.run(inputs: inputs, forward: { run($0).scalars }, backward: { xs, dy in
            let y = run(xs)
            store.zeroGrads()
            let g = block.backward(Tensor(shape: y.shape, values: dy))
            return [g.dx.scalars, g.dConditioning.scalars, g.dText.scalars, self.gradients(store)]
        }, samplesPerInput: 150)
        XCTAssertLessThan(result.worstRelativeError, tolerance, "\(scope): \(result)", file: file, line: line)
    }

    func testDiTBlockFullAttention() { checkBlock(scope: .full) }
    func testDiTBlockSpatialAttention() { checkBlock(scope: .spatial) }
    func testDiTBlockTemporalAttention() { checkBlock(scope: .temporal) }

    func testTextEncoder() {
        let store = ParameterStore<Double>(seed: 4)
        let encoder = TextEncoder(store, "text", vocabularySize: 9, maxLength: 6, width: 8, heads: 2, layers: 2, mlpRatio: 2)
        perturb(store, scale: 0.05)
        let ids = [[3, 4, 4, 0, 0], [2, 0, 0, 0, 0]]
        func run(_ xs: [[Double]]) -> Tensor<Double> {
            store.values.update(from: xs[0], count: store.count)
            return encoder.forward(ids)
        }
        let result = GradientCheck.run(inputs: [parameters(store)], forward: { run($0).scalars }, backward: { xs, dy in
            let y = run(xs)
            store.zeroGrads()
            encoder.backward(Tensor(shape: y.shape, values: dy))
            return [self.gradients(store)]
        }, samplesPerInput: 200)
        XCTAssertLessThan(result.worstRelativeError, tolerance, "\(result)")
    }

    func checkModel(_ attention: AttentionMode, absolutePosition: Bool = false, absoluteTime: Bool = false, contextFrames: Int = 0,
                    refining: [Bool] = [], objectLayout: Int = 0, file: StaticString = #filePath, line: UInt = #line) {
        var config = DiTConfig.tiny
        config.width = 12; config.heads = 2; config.vocabularySize = 11; config.maxTextLength = 5; config.attention = attention
        config.absolutePosition = absolutePosition
        config.absoluteTime = absoluteTime
        config.frameContext = contextFrames > 0
        config.refinementEmbedding = !refining.isEmpty
        config.objectLayout = objectLayout > 0
        config.objectPresence = objectLayout == 1 || objectLayout >= 3
        config.objectSilhouette = objectLayout >= 3
        config.objectSubframes = objectLayout == 4
        let model = DiffusionTransformer<Double>(config: config, seed: 5)
        perturb(model.store)
        let layout = TokenLayout(frames: 2, rows: 2, columns: 3, latentHeight: 3, latentWidth: 5)
        let (b, t, p) = (2, layout.tokens, config.tokenWidth)
        let times = [0.3, 0.85], ids = [[3, 5, 1, 0, 0], [2, 0, 0, 0, 0]]
        // objectLayout: 0 none, 1 one plan per sample (with presence), 2 one plan shared by the batch,
        // 3 one plan per sample with presence and silhouettes, 4 also with in-between silhouettes.
        let plans = objectLayout == 2 ? 1 : b
        let plan: Tensor<Double>? = objectLayout == 0 ? nil
            : Tensor(shape: [plans, t, model.objectFeatureCount], values: randomValues(plans * t * model.objectFeatureCount, seed: 23))
        func run(_ xs: [[Double]]) -> Tensor<Double> {
            model.store.values.update(from: xs[1], count: model.store.count)
            return model.forward(Tensor(shape: [b, t, p], values: xs[0]), layout: layout, t: times, text: ids, contextFrames: contextFrames,
                                 refining: refining, objects: plan)
        }
        let result = GradientCheck.run(inputs: [randomValues(b * t * p, seed: 20), parameters(model.store)],
                                       forward: { run($0).scalars }, backward: { xs, dy in
            let y = run(xs)
            model.store.zeroGrads()
            let dx = model.backward(Tensor(shape: y.shape, values: dy))
            return [dx.scalars, self.gradients(model.store)]
        }, samplesPerInput: 300)
        XCTAssertLessThan(result.worstRelativeError, tolerance, "\(attention): \(result)", file: file, line: line)
        // Every value of the zero-initialised additions (a few of the many parameters the check
        // samples), by central differences of <y, r>.
        let x = randomValues(b * t * p, seed: 21), r = randomValues(b * t * p, seed: 22), base = parameters(model.store)
        func objective(_ values: [Double]) -> Double { zip(run([x, values]).scalars, r).map { $0 * $1 }.reduce(0, +) }
        _ = run([x, base])
        model.store.zeroGrads()
        _ = model.backward(Tensor(shape: [b, t, p], values: r))
        let analytic = gradients(model.store)
        for name in ["time_embedder.weight", "time_embedder.bias", "refinement_embedding", "layout_embedder.weight", "layout_embedder.bias"] {
            guard let entry = model.store.entry(named: name) else { continue }
            for i in entry.offset..<(entry.offset + entry.count) {
                var up = base, down = base
                up[i] += 1e-5; down[i] -= 1e-5
                let numeric = (objective(up) - objective(down)) / 2e-5
                XCTAssertEqual(analytic[i], numeric, accuracy: 1e-6 * max(1, abs(numeric)), "\(name)[\(i - entry.offset)]", file: file, line: line)
            }
        }
        guard let entry = model.store.entry(named: "refinement_embedding") else { return }
        if !refining.contains(true) { XCTAssertTrue(analytic[entry.offset..<(entry.offset + entry.count)].allSatisfy { $0 == 0 }) }
    }

    func testWholeModelFullAttention() { checkModel(.full) }
    func testWholeModelFactorizedAttention() { checkModel(.factorized) }
    func testWholeModelWithAbsolutePosition() { checkModel(.full, absolutePosition: true) }
    func testWholeModelWithFrameContext() { checkModel(.full, absolutePosition: true, contextFrames: 1) }
    func testWholeModelWithAbsoluteTime() { checkModel(.full, absolutePosition: true, absoluteTime: true, contextFrames: 1) }
    func testWholeModelWithAnObjectLayout() { checkModel(.full, absolutePosition: true, absoluteTime: true, contextFrames: 1, objectLayout: 1) }
    func testWholeModelWithASharedObjectLayout() { checkModel(.factorized, absolutePosition: true, objectLayout: 2) }
    func testWholeModelWithObjectSilhouettes() { checkModel(.full, absoluteTime: true, objectLayout: 3) }
    func testWholeModelWithInBetweenSilhouettes() { checkModel(.factorized, contextFrames: 1, objectLayout: 4) }
    func testWholeModelWithARefinementMark() { checkModel(.full, absolutePosition: true, contextFrames: 1, refining: [true, false]) }
}
