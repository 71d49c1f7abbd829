// Frame context (`train dit --frame-context`): clean leading latent frames given to the model, marked
// by a learned embedding. An upgraded model computes what it did without context; the loss ignores
// the context frames, whose noised input is replaced by the clean latent.
import XCTest
import TesseraTestSupport
import TesseraEngine
import TesseraTransformer

final class FrameContextTests: XCTestCase {
    let layout = TokenLayout(frames: 3, rows: 2, columns: 3, latentHeight: 3, latentWidth: 5)
    let ids = [[3, 5, 1, 0, 0, 0, 0, 0], [2, 0, 0, 0, 0, 0, 0, 0]]

    func trainedTiny(frameContext: Bool) -> DiffusionTransformer<Float> {
        var config = DiTConfig.tiny
        config.vocabularySize = 11
        config.frameContext = frameContext
        let model = DiffusionTransformer<Float>(config: config, seed: 7)
        offsetAsIfTrained(model.store)
        return model
    }

    func input(_ config: DiTConfig, seed: UInt64) -> Tensor<Float> {
        Tensor(shape: [2, layout.tokens, config.tokenWidth], values: randomValues(2 * layout.tokens * config.tokenWidth, seed: seed).map { Float($0) })
    }

    /// Gives a zero-initialised mark embedding non-zero values, as training would.
    func learnMark(_ name: String, in model: DiffusionTransformer<Float>) {
        let entry = model.store.entry(named: name)!
        for i in 0..<entry.count { model.store.values[entry.offset + i] = Float(i % 5) / 10 }
    }

    func testUpgradedModelComputesTheSameFunctionAndLearnsTheMark() {
        let model = trainedTiny(frameContext: false)
        var config = model.config
        config.frameContext = true
        let upgraded = model.upgraded(to: config)
        XCTAssertEqual(upgraded.parameterCount, model.parameterCount + config.width)
        let x = input(config, seed: 4)
        let before = model.forward(x, layout: layout, t: [0.3, 0.8], text: ids).scalars
        XCTAssertEqual(upgraded.forward(x, layout: layout, t: [0.3, 0.8], text: ids).scalars, before)
        // A zero mark: context or not, the same function.
        XCTAssertEqual(upgraded.forward(x, layout: layout, t: [0.3, 0.8], text: ids, contextFrames: 1).scalars, before)
        learnMark("context_embedding", in: upgraded)
        let marked = upgraded.forward(x, layout: layout, t: [0.3, 0.8], text: ids, contextFrames: 1).scalars
        XCTAssertNotEqual(marked, before)
        XCTAssertEqual(upgraded.forward(x, layout: layout, t: [0.3, 0.8], text: ids).scalars, before, "no context, no mark")
        // The config says so, and files without the key decode as off.
        XCTAssertTrue(config.json.contains("\"frame_context\":true"))
        XCTAssertFalse(model.config.json.contains("frame_context"))
    }

    /// The refinement mark (`train dit --refinement-embedding`): an upgraded model computes the same
    /// function, marked or not, until the embedding is learned; then only marked samples change.
    func testRefinementMarkStartsAsTheIdentityAndMarksOnlyItsSamples() {
        let model = trainedTiny(frameContext: true)
        var config = model.config
        config.refinementEmbedding = true
        let upgraded = model.upgraded(to: config)
        XCTAssertEqual(upgraded.parameterCount, model.parameterCount + config.width)
        let x = input(config, seed: 4)
        let before = model.forward(x, layout: layout, t: [0.3, 0.8], text: ids).scalars
        XCTAssertEqual(upgraded.forward(x, layout: layout, t: [0.3, 0.8], text: ids, refining: [true, true]).scalars, before)
        learnMark("refinement_embedding", in: upgraded)
        let half = before.count / 2
        let marked = upgraded.forward(x, layout: layout, t: [0.3, 0.8], text: ids, refining: [false, true]).scalars
        XCTAssertEqual(Array(marked[..<half]), Array(before[..<half]), "the unmarked sample is unchanged")
        XCTAssertNotEqual(Array(marked[half...]), Array(before[half...]), "the marked sample changes")
        XCTAssertEqual(upgraded.forward(x, layout: layout, t: [0.3, 0.8], text: ids).scalars, before, "no marks, no change")
        XCTAssertTrue(config.json.contains("\"refinement_embedding\":true"))
        XCTAssertFalse(model.config.json.contains("refinement_embedding"))
    }

    func testLossIgnoresContextFramesAndTheirNoise() {
        let model = trainedTiny(frameContext: true)
        let entry = model.store.entry(named: "context_embedding")!
        for i in 0..<entry.count { model.store.values[entry.offset + i] = Float(i % 3) / 10 }
        let x0 = input(model.config, seed: 5), noise = input(model.config, seed: 6)
        let perFrame = layout.tokensPerFrame * model.config.tokenWidth, perSample = layout.tokens * model.config.tokenWidth
        // Other noise on the context frame (frame 0 of both samples): it is replaced by x0, so same loss and gradients.
        var otherNoise = noise
        otherNoise.withUnsafeMutablePointer { p in for s in 0..<2 { for i in 0..<perFrame { p[s * perSample + i] += 3 } } }
        func step(_ n: Tensor<Float>, context: Int) -> (Double, [Float]) {
            model.store.zeroGrads()
            let loss = model.trainingStep(x0: x0, noise: n, t: [0.4, 0.9], text: ids, layout: layout, contextFrames: context)
            return (loss, Array(UnsafeBufferPointer(start: model.store.grads, count: model.store.count)))
        }
        let (a, ga) = step(noise, context: 1), (b, gb) = step(otherNoise, context: 1)
        XCTAssertEqual(a, b)
        XCTAssertEqual(ga, gb)
        // Without context the same change moves the loss; the context embedding gets a gradient only with context.
        XCTAssertNotEqual(step(otherNoise, context: 0).0, step(noise, context: 0).0)
        XCTAssertEqual(step(noise, context: 0).1[entry.offset..<(entry.offset + entry.count)].allSatisfy { $0 == 0 }, true)
        XCTAssertFalse(ga[entry.offset..<(entry.offset + entry.count)].allSatisfy { $0 == 0 })
        // The loss is the masked MSE over the frames after the context only.
        let predicted = model.forward({ () -> Tensor<Float> in
            var xt = RectifiedFlow(x0: x0, noise: noise, t: [0.4, 0.9])
            xt.withUnsafeMutablePointer { p in x0.withUnsafePointer { c in for s in 0..<2 { (p + s * perSample).update(from: c + s * perSample, count: perFrame) } } }
            return xt
        }(), layout: layout, t: [0.4, 0.9], text: ids, contextFrames: 1).scalars
        var sum = 0.0, count = 0
        for s in 0..<2 { for i in perFrame..<perSample {
            let k = s * perSample + i, d = Double(predicted[k]) - Double(noise.scalars[k] - x0.scalars[k])
            sum += d * d; count += 1
        }}
        XCTAssertEqual(a, sum / Double(count), accuracy: 1e-5 * a)
    }

    func RectifiedFlow(x0: Tensor<Float>, noise: Tensor<Float>, t: [Double]) -> Tensor<Float> {
        let per = x0.count / t.count
        return Tensor(shape: x0.shape, values: (0..<x0.count).map { i in
            let ts = Float(t[i / per]); return (1 - ts) * x0.scalars[i] + ts * noise.scalars[i]
        })
    }
}
