// The tiny DiT learns a fixed batch, its loss matches the sampler's flow path, and generation
// (noise + Euler + classifier-free guidance) is bit-for-bit reproducible.
import XCTest
import TesseraEngine
import TesseraSampler
import TesseraTestSupport
import TesseraTransformer

final class DiTTrainingTests: XCTestCase {
    static let tokenizer = TextTokenizer.world(maxLength: 12, sampledScenes: 200)

    func tinyConfig() -> DiTConfig {
        var c = DiTConfig.tiny
        c.vocabularySize = DiTTrainingTests.tokenizer.vocabularySize
        c.maxTextLength = 12
        return c
    }

    /// Two captions, two fixed latents, fixed noise and times: the loss must fall by 5x in 150 steps.
    func testTinyDiTOverfitsAFixedBatch() {
        let config = tinyConfig()
        let model = DiffusionTransformer<Float>(config: config, seed: 1)
        let optimizer = AdamW(model.store)
        let patches = LatentPatches(latentShape: [2, 3, 5, 6, config.latentChannels], patch: (2, 2))
        let channels = config.latentChannels
        let latent = Tensor<Float>(shape: patches.latentShape, values: randomFloats(patches.latentShape.reduce(1, *), seed: 3))
        let x0 = patches.tokens(from: latent, mean: [Float](repeating: 0, count: channels), std: [Float](repeating: 1, count: channels))
        let mask = patches.tokens(from: Tensor<Float>(shape: patches.latentShape, repeating: 1),
                                  mean: [Float](repeating: 0, count: channels), std: [Float](repeating: 1, count: channels))
        let ids = ["a red ball moves to the left", "a blue star spins"].map { DiTTrainingTests.tokenizer.ids($0) }
        var rng = RandomGenerator(seed: 9, stream: 1)
        let noises = (0..<4).map { _ in Tensor<Float>(randomNormal: x0.shape, rng: &rng) }
        let times = [[0.2, 0.7], [0.5, 0.9], [0.8, 0.3], [0.35, 0.55]]
        func meanLoss() -> Double {
            var total = 0.0
            for k in 0..<4 {
                model.store.zeroGrads()
                total += model.trainingStep(x0: x0, noise: noises[k], t: times[k], text: ids, layout: patches.layout, mask: mask)
            }
            return total / 4
        }
        let start = Benchmark.now()
        let before = meanLoss()
        for step in 0..<150 {
            model.store.zeroGrads()
            model.trainingStep(x0: x0, noise: noises[step % 4], t: times[step % 4], text: ids, layout: patches.layout, mask: mask)
            GradientClipping.clip(model.store, maxNorm: 1)
            optimizer.update(lr: 3e-3)
        }
        let after = meanLoss()
        print("tiny DiT overfit: loss \(before) -> \(after) in \(Benchmark.now() - start) s")
        XCTAssertLessThan(after, before / 5, "loss \(before) -> \(after)")
    }

    func testLossMatchesTheSamplersFlowPath() {
        let config = tinyConfig()
        let model = DiffusionTransformer<Double>(config: config, seed: 2)
        for i in 0..<model.store.count { model.store.values[i] += 0.05 * Double((i * 31) % 7 - 3) }
        let layout = TokenLayout(frames: 2, rows: 1, columns: 2, latentHeight: 2)
        let shape = [2, layout.tokens, config.tokenWidth]
        let x0 = Tensor<Double>(shape: shape, values: randomValues(shape.reduce(1, *), seed: 4))
        let eps = Tensor<Double>(shape: shape, values: randomValues(shape.reduce(1, *), seed: 5))
        let t = [0.25, 0.6], ids = [DiTTrainingTests.tokenizer.ids("red ball"), DiTTrainingTests.tokenizer.nullIds]
        let loss = model.trainingStep(x0: x0, noise: eps, t: t, text: ids, layout: layout)
        let (xt, v) = RectifiedFlow.noised(x0, noise: eps, t: t)
        let predicted = model.forward(xt, layout: layout, t: t, text: ids)
        let mse = zip(predicted.scalars, v.scalars).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(v.count)
        XCTAssertEqual(loss, mse, accuracy: 1e-12)
    }

    /// With a start (an upscaled preview), the chosen samples follow the refinement's path and the
    /// others the plain one; the loss is the mean squared error against those targets.
    func testRefinementLossMatchesTheSamplersRefinementPath() {
        let config = tinyConfig()
        let model = DiffusionTransformer<Double>(config: config, seed: 2)
        for i in 0..<model.store.count { model.store.values[i] += 0.05 * Double((i * 31) % 7 - 3) }
        let layout = TokenLayout(frames: 1, rows: 2, columns: 2, latentHeight: 4)
        let shape = [2, layout.tokens, config.tokenWidth]
        let x0 = Tensor<Double>(shape: shape, values: randomValues(shape.reduce(1, *), seed: 4))
        let start = Tensor<Double>(shape: shape, values: randomValues(shape.reduce(1, *), seed: 6))
        let eps = Tensor<Double>(shape: shape, values: randomValues(shape.reduce(1, *), seed: 5))
        let t = [0.7, 0.6], ids = [DiTTrainingTests.tokenizer.ids("red star"), DiTTrainingTests.tokenizer.ids("blue ring")]
        let loss = model.trainingStep(x0: x0, noise: eps, t: t, text: ids, layout: layout, start: start, fromStart: [true, false])
        let refined = RectifiedFlow.noised(x0, from: start, noise: eps, t: t), plain = RectifiedFlow.noised(x0, noise: eps, t: t)
        let half = x0.count / 2
        let xt = Tensor<Double>(shape: shape, values: Array(refined.xt.scalars[..<half] + plain.xt.scalars[half...]))
        let v = Array(refined.velocity.scalars[..<half] + plain.velocity.scalars[half...])
        let predicted = model.forward(xt, layout: layout, t: t, text: ids)
        let mse = zip(predicted.scalars, v).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(v.count)
        XCTAssertEqual(loss, mse, accuracy: 1e-12)
        let unrefined = model.trainingStep(x0: x0, noise: eps, t: t, text: ids, layout: layout)
        XCTAssertGreaterThan(abs(loss - unrefined), 1e-6, "the start changes the first sample's input and target")
    }

    /// Every sample of a batch sees only its own tokens, time and caption: a batch of three gives
    /// each sample's output alone, in full and factorized attention.
    func testBatchedSamplesAreIndependent() {
        for attention in [AttentionMode.full, .factorized] {
            var config = tinyConfig()
            config.attention = attention
            let model = DiffusionTransformer<Double>(config: config, seed: 4)
            for i in 0..<model.store.count { model.store.values[i] += 0.05 * Double((i * 31) % 7 - 3) }
            let layout = TokenLayout(frames: 2, rows: 2, columns: 3, latentHeight: 4)
            let width = layout.tokens * config.tokenWidth
            let x = Tensor<Double>(shape: [3, layout.tokens, config.tokenWidth], values: randomValues(3 * width, seed: 6))
            let t = [0.2, 0.5, 0.9]
            let ids = ["a red ball moves to the left", "a blue star spins, and a green square grows", ""].map { DiTTrainingTests.tokenizer.ids($0) }
            let batched = model.forward(x, layout: layout, t: t, text: ids).scalars
            for b in 0..<3 {
                let one = Tensor<Double>(shape: [1, layout.tokens, config.tokenWidth], values: Array(x.scalars[(b * width)..<((b + 1) * width)]))
                let alone = model.forward(one, layout: layout, t: [t[b]], text: [ids[b]]).scalars
                let worst = zip(alone, batched[(b * width)..<((b + 1) * width)]).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThan(worst, 1e-9, "\(attention) sample \(b) differs in a batch by \(worst)")
                XCTAssertGreaterThan(alone.map(abs).max() ?? 0, 1e-3, "the output depends on the input")
            }
        }
    }

    func generate(_ model: DiffusionTransformer<Float>, seed: UInt64, caption: String) throws -> [UInt8] {
        let patches = LatentPatches(latentShape: [1, 2, 3, 4, model.config.latentChannels], patch: (2, 2))
        let noise: Tensor<Float> = GenerationNoise.latent(shape: patches.latentShape, seed: seed)
        let zeros = [Float](repeating: 0, count: patches.channels), ones = [Float](repeating: 1, count: patches.channels)
        let x = patches.tokens(from: noise, mean: zeros, std: ones)
        let cond = [DiTTrainingTests.tokenizer.ids(caption)], uncond = [DiTTrainingTests.tokenizer.nullIds]
        let out = try sampleEuler(x: x, sigmas: RectifiedFlow.sigmas(steps: 6, shift: 1.5)) { x, sigma, _ in
            classifierFreeGuidance(unconditional: model(x, layout: patches.layout, t: [sigma], text: uncond),
                                   conditional: model(x, layout: patches.layout, t: [sigma], text: cond), scale: 4)
        }
        let latent = patches.latent(from: out, mean: zeros, std: ones)
        return latent.scalars.flatMap { withUnsafeBytes(of: $0.bitPattern) { Array($0) } }
    }

    func testGenerationIsBitForBitReproducible() throws {
        let model = DiffusionTransformer<Float>(config: tinyConfig(), seed: 3)
        for i in 0..<model.store.count { model.store.values[i] += 0.02 * Float((i * 7919) % 13 - 6) }   // not the zero-init identity
        let a = try generate(model, seed: 7, caption: "a green star moves up")
        let b = try generate(model, seed: 7, caption: "a green star moves up")
        let c = try generate(model, seed: 8, caption: "a green star moves up")
        let d = try generate(model, seed: 7, caption: "a red ring shrinks")
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        XCTAssertNotEqual(a, d)
    }
}

final class DiTWeightsTests: XCTestCase {
    func testWeightsRoundTripWithConfigAndTokenizer() throws {
        let tokenizer = TextTokenizer.world(maxLength: 12, sampledScenes: 50)
        var config = DiTConfig.tiny
        config.vocabularySize = tokenizer.vocabularySize
        config.maxTextLength = 12
        config.attention = .factorized
        let model = DiffusionTransformer<Float>(config: config, seed: 11)
        for i in 0..<model.store.count { model.store.values[i] += Float(i % 7) * 0.01 }
        let path = NSTemporaryDirectory() + "dit-weights-\(getpid()).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.saveWeights(to: path, tokenizer: tokenizer)
        let (loaded, loadedTokenizer) = try DiffusionTransformer<Float>.load(path: path)
        XCTAssertEqual(loaded.config, config)
        XCTAssertEqual(loadedTokenizer, tokenizer)
        XCTAssertEqual(Array(UnsafeBufferPointer(start: loaded.store.values, count: loaded.store.count)),
                       Array(UnsafeBufferPointer(start: model.store.values, count: model.store.count)))
        XCTAssertEqual(loaded.store.entries.map(\.name), model.store.entries.map(\.name))
        XCTAssert(model.store.entries.contains { $0.name == "blocks.1.adaLN_modulation.weight" })
    }
}
