// The text-to-video pipeline on tiny untrained networks: sizes, schedules, latent resizing against
// a naive reference, bit-for-bit reproducibility, and the render starting from its own preview.
import XCTest
import Foundation
import TesseraAutoencoder
import TesseraEngine
import TesseraMedia
import TesseraSampler
import TesseraTransformer
import TesseraWorld

final class TextToVideoTests: XCTestCase {
    func tinyPipeline(frameContext: Bool = false, refinementEmbedding: Bool = false, refinerPerturbation: UInt64? = nil,
                      objectLayout: Bool = false) -> TextToVideo {
        let vae = VideoAutoencoder(config: .tiny, seed: 3)
        let tokenizer = TextTokenizer(words: TextTokenizer.specials + ["a", "red", "ball"], maxLength: 8)
        var config = DiTConfig.tiny
        config.vocabularySize = tokenizer.vocabularySize
        config.latentChannels = vae.config.latentChannels
        config.frameContext = frameContext
        config.refinementEmbedding = refinementEmbedding
        config.objectLayout = objectLayout
        // adaLN-zero makes a new model predict v = 0; random final weights give it something to do.
        func perturbed(_ seed: UInt64) -> DiffusionTransformer<Float> {
            let model = DiffusionTransformer<Float>(config: config, seed: 5)
            var rng = RandomGenerator(seed: seed)
            for i in 0..<model.store.count { model.store.values[i] += Float(rng.normal() * 0.05) }
            return model
        }
        return TextToVideo(model: perturbed(9), tokenizer: tokenizer, vae: vae, latentPreview: nil, modelHash: "test",
                           refiner: refinerPerturbation.map(perturbed))
    }

    /// A refiner makes the full-size refinement and nothing else: the preview is the base model's,
    /// a refiner equal to the base model renders bit for bit as no refiner, another one changes
    /// the render, and with no refinement steps (re-noised to 0) it is not called at all.
    func testRefinerMakesOnlyTheRefinement() throws {
        let base = tinyPipeline(frameContext: true), twin = tinyPipeline(frameContext: true, refinerPerturbation: 9)
        let other = tinyPipeline(frameContext: true, refinerPerturbation: 11)
        var settings = GenerationSettings(width: 64, height: 32, frames: 5, seed: 4, steps: 4, guidance: 3)
        let render = try base.render(caption: "a red ball", settings: settings).latent.scalars
        XCTAssertEqual(try twin.render(caption: "a red ball", settings: settings).latent.scalars, render)
        XCTAssertEqual(try other.preview(caption: "a red ball", settings: settings).latent.scalars,
                       try base.preview(caption: "a red ball", settings: settings).latent.scalars)
        XCTAssertNotEqual(try other.render(caption: "a red ball", settings: settings).latent.scalars, render)
        settings.refineFrom = 0
        XCTAssertEqual(try other.render(caption: "a red ball", settings: settings).latent.scalars,
                       try base.render(caption: "a red ball", settings: settings).latent.scalars)
    }

    /// A model with the object layout follows the settings' scene: with the layer at zero the plan
    /// changes nothing (bit for bit), once trained it changes the video, deterministically, in the
    /// preview and the render alike; `usesObjectLayout = false` is the caption alone.
    func testObjectLayoutConditionsGeneration() throws {
        let p = tinyPipeline(frameContext: true, objectLayout: true)
        let scene = Scene(background: .studio, objects: [SceneObject(color: .red, shape: .ball, size: .large, motion: .right(.fast))])
        var plain = GenerationSettings(width: 64, height: 32, frames: 9, seed: 4, steps: 3, guidance: 3)
        var planned = plain
        planned.scene = scene
        let entry = p.model.store.entry(named: "layout_embedder.weight")!
        let saved = Array(UnsafeBufferPointer(start: p.model.store.values + entry.offset, count: entry.count))
        for i in 0..<entry.count { p.model.store.values[entry.offset + i] = 0 }
        XCTAssertEqual(try p.render(caption: "a red ball", settings: planned).latent.scalars, try p.render(caption: "a red ball", settings: plain).latent.scalars)
        for i in 0..<entry.count { p.model.store.values[entry.offset + i] = saved[i] + Float(i % 7) / 5 }
        let render = try p.render(caption: "a red ball", settings: planned).latent.scalars
        XCTAssertEqual(try p.render(caption: "a red ball", settings: planned).latent.scalars, render, "bit for bit")
        XCTAssertNotEqual(render, try p.render(caption: "a red ball", settings: plain).latent.scalars)
        XCTAssertNotEqual(try p.preview(caption: "a red ball", settings: planned).latent.scalars,
                          try p.preview(caption: "a red ball", settings: plain).latent.scalars)
        var other = planned
        other.scene?.objects[0].motion = .left(.fast)
        XCTAssertNotEqual(try p.render(caption: "a red ball", settings: other).latent.scalars, render, "another plan, another video")
        planned.usesObjectLayout = false
        plain.usesObjectLayout = false
        XCTAssertEqual(try p.render(caption: "a red ball", settings: planned).latent.scalars, try p.render(caption: "a red ball", settings: plain).latent.scalars)
    }

    /// `TextToVideo.load` takes a refiner only with the base model's word list.
    func testLoadRejectsARefinerWithAnotherWordList() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-refiner-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = tinyPipeline()
        try p.vae.saveWeights(to: dir + "/vae.safetensors")
        try p.model.saveWeights(to: dir + "/dit.safetensors", tokenizer: p.tokenizer)
        let other = TextTokenizer(words: TextTokenizer.specials + ["a", "red", "star"], maxLength: 8)
        try p.model.saveWeights(to: dir + "/other.safetensors", tokenizer: other)
        let loaded = try TextToVideo.load(ditPath: dir + "/dit.safetensors", vaePath: dir + "/vae.safetensors", refinerPath: dir + "/dit.safetensors")
        XCTAssertNotNil(loaded.refiner)
        XCTAssertNotEqual(loaded.modelHash, try TextToVideo.load(ditPath: dir + "/dit.safetensors", vaePath: dir + "/vae.safetensors").modelHash,
                          "sidecars name both weights files")
        XCTAssertThrowsError(try TextToVideo.load(ditPath: dir + "/dit.safetensors", vaePath: dir + "/vae.safetensors", refinerPath: dir + "/other.safetensors"))
        XCTAssertTrue(TextToVideo.canRefine(tinyPipeline().model, for: p.model))
        XCTAssertFalse(TextToVideo.canRefine(tinyPipeline(frameContext: true).model, for: p.model), "frame context must match")
        // The shipped refiner ($TESSERA_REFINER_WEIGHTS here) comes with the shipped model only, and "none" turns it off.
        setenv("TESSERA_DIT_WEIGHTS", dir + "/dit.safetensors", 1)
        setenv("TESSERA_REFINER_WEIGHTS", dir + "/dit.safetensors", 1)
        defer { unsetenv("TESSERA_DIT_WEIGHTS"); unsetenv("TESSERA_REFINER_WEIGHTS") }
        XCTAssertNotNil(try TextToVideo.load(vaePath: dir + "/vae.safetensors").refiner)
        XCTAssertNil(try TextToVideo.load(vaePath: dir + "/vae.safetensors", refinerPath: "none").refiner)
        XCTAssertNil(try TextToVideo.load(ditPath: dir + "/dit.safetensors", vaePath: dir + "/vae.safetensors").refiner, "given weights: no shipped refiner")
    }

    func testPreviewSizeIsAQuarterInWholeLatentPixels() {
        XCTAssertTrue(TextToVideo.previewSize(width: 512, height: 288) == (128, 72))
        XCTAssertTrue(TextToVideo.previewSize(width: 288, height: 512) == (72, 128))
        XCTAssertTrue(TextToVideo.previewSize(width: 384, height: 384) == (96, 96))
        XCTAssertTrue(TextToVideo.previewSize(width: 448, height: 336) == (112, 88))
        XCTAssertTrue(TextToVideo.previewSize(width: 32, height: 16) == (16, 16))
    }

    func testTailSigmasFollowTheShiftedSchedule() {
        let s = 2.5
        let full = RectifiedFlow.sigmas(steps: 20, shift: s)
        let tail = TextToVideo.tailSigmas(from: full[8], steps: 12, shift: s)
        XCTAssertEqual(tail.count, 13)
        for (a, b) in zip(tail, full[8...]) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        let other = TextToVideo.tailSigmas(from: 0.75, steps: 7, shift: 4)
        XCTAssertEqual(other.first!, 0.75, accuracy: 1e-12)
        XCTAssertEqual(other.last!, 0)
        XCTAssertTrue(zip(other, other.dropFirst()).allSatisfy { $0 > $1 })
    }

    func testBilinearResizeMatchesNaiveReference() {
        var rng = RandomGenerator(seed: 4)
        let z = Tensor<Float>(randomNormal: [1, 2, 3, 5, 2], rng: &rng)
        let out = LatentResize.bilinear(z, height: 7, width: 11)
        XCTAssertEqual(out.shape, [1, 2, 7, 11, 2])
        let src = z.scalars, got = out.scalars
        func at(_ f: Int, _ y: Int, _ x: Int, _ c: Int) -> Double { Double(src[((f * 3 + y) * 5 + x) * 2 + c]) }
        for f in 0..<2 { for y in 0..<7 { for x in 0..<11 { for c in 0..<2 {
            // Half-pixel centres, clamped at the borders.
            let sy = min(2.0, max(0, (Double(y) + 0.5) * 3 / 7 - 0.5)), sx = min(4.0, max(0, (Double(x) + 0.5) * 5 / 11 - 0.5))
            let y0 = Int(sy.rounded(.down)), x0 = Int(sx.rounded(.down))
            let y1 = min(2, y0 + 1), x1 = min(4, x0 + 1), wy = sy - Double(y0), wx = sx - Double(x0)
            let expected = (1 - wy) * ((1 - wx) * at(f, y0, x0, c) + wx * at(f, y0, x1, c)) + wy * ((1 - wx) * at(f, y1, x0, c) + wx * at(f, y1, x1, c))
            XCTAssertEqual(Double(got[((f * 7 + y) * 11 + x) * 2 + c]), expected, accuracy: 1e-5)
        }}}}
        // Same size is the identity.
        XCTAssertEqual(LatentResize.bilinear(z, height: 3, width: 5).scalars, z.scalars)
    }

    func testGenerationIsReproducibleAndSized() throws {
        let pipeline = tinyPipeline()
        var settings = GenerationSettings(width: 64, height: 32, frames: 7, seed: 11, steps: 3, guidance: 3)
        let a = try pipeline.render(caption: "a red ball", settings: settings)
        let b = try pipeline.render(caption: "a red ball", settings: settings)
        XCTAssertEqual(a.video.pixels, b.video.pixels, "same settings and seed must give the same video")
        XCTAssertEqual([a.video.width, a.video.height, a.video.frameCount], [64, 32, 7])
        XCTAssertEqual(a.latent.shape, [1, 3, 4, 8, 4])
        XCTAssertNotNil(a.timings["refine"])
        let preview = try pipeline.preview(caption: "a red ball", settings: settings)
        XCTAssertEqual([preview.video.width, preview.video.height, preview.video.frameCount], [16, 16, 7])
        // The preview's 3 tokens have the resolution shift 1: naming it changes nothing, another one does.
        var shifted = settings
        shifted.shift = 1
        XCTAssertEqual(try pipeline.preview(caption: "a red ball", settings: shifted).video.pixels, preview.video.pixels)
        shifted.shift = 4
        XCTAssertNotEqual(try pipeline.preview(caption: "a red ball", settings: shifted).latent.scalars, preview.latent.scalars)
        settings.seed = 12
        let c = try pipeline.render(caption: "a red ball", settings: settings)
        XCTAssertNotEqual(a.video.pixels, c.video.pixels, "another seed must give another video")
        settings.sampler = .heun
        XCTAssertNotEqual(try pipeline.render(caption: "a red ball", settings: settings).video.pixels, c.video.pixels)
    }

    func testRenderStartsFromItsPreview() throws {
        // With refineFrom = 0 the render is exactly the upscaled preview latent, decoded.
        let pipeline = tinyPipeline()
        var settings = GenerationSettings(width: 64, height: 64, frames: 5, seed: 2, steps: 4, guidance: 2)
        settings.refineFrom = 0
        let preview = try pipeline.preview(caption: "a ball", settings: settings)
        let render = try pipeline.render(caption: "a ball", settings: settings)
        let upscaled = LatentResize.bilinear(preview.latent, height: 8, width: 8)
        XCTAssertEqual(render.latent.shape, upscaled.shape)
        for (x, y) in zip(render.latent.scalars, upscaled.scalars) { XCTAssertEqual(x, y, accuracy: 1e-4) }
    }

    /// A model with a refinement embedding has the render's refinement steps marked, those at noise
    /// levels its refinement training covers (0.5 and above), and nothing else: the preview is the
    /// same as with a zero embedding, and so is a render that re-noises only to 0.4.
    func testRefinementStepsAreMarked() throws {
        let pipeline = tinyPipeline(frameContext: true, refinementEmbedding: true), unmarked = tinyPipeline(frameContext: true, refinementEmbedding: true)
        let entry = unmarked.model.store.entry(named: "refinement_embedding")!
        unmarked.model.store.values.advanced(by: entry.offset).update(repeating: 0, count: entry.count)
        XCTAssertNotEqual(pipeline.model.store.values[entry.offset], 0)
        var settings = GenerationSettings(width: 64, height: 32, frames: 5, seed: 4, steps: 4, guidance: 3)
        XCTAssertEqual(try pipeline.preview(caption: "a red ball", settings: settings).latent.scalars,
                       try unmarked.preview(caption: "a red ball", settings: settings).latent.scalars)
        XCTAssertNotEqual(try pipeline.render(caption: "a red ball", settings: settings).latent.scalars,
                          try unmarked.render(caption: "a red ball", settings: settings).latent.scalars)
        settings.refineFrom = 0.4
        XCTAssertEqual(try pipeline.render(caption: "a red ball", settings: settings).latent.scalars,
                       try unmarked.render(caption: "a red ball", settings: settings).latent.scalars)
    }

    func testFrameContextMakesTheFirstFrameAsAnImage() throws {
        let pipeline = tinyPipeline(frameContext: true)
        var settings = GenerationSettings(width: 64, height: 32, frames: 9, seed: 4, steps: 3, guidance: 3)
        var steps: [Int] = []
        let clip = try pipeline.preview(caption: "a red ball", settings: settings, progress: { s, _ in steps.append(s.step) })
        XCTAssertEqual(steps, Array(1...6), "the first frame alone, then the clip: two stages of 3 steps")
        settings.frames = 1
        let image = try pipeline.preview(caption: "a red ball", settings: settings)
        let perFrame = image.latent.count
        XCTAssertEqual(Array(clip.latent.scalars[..<perFrame]), image.latent.scalars, "the clip's first latent frame is the image")
        XCTAssertFalse(clip.latent.scalars[perFrame..<(2 * perFrame)].elementsEqual(image.latent.scalars))
        // The render: the first frame refined alone, then the rest around it; reproducible.
        settings.frames = 9
        steps = []
        let a = try pipeline.render(caption: "a red ball", settings: settings, progress: { s, _ in steps.append(s.step) })
        XCTAssertEqual(steps, Array(1...(2 * (settings.steps + settings.refineSteps))))
        XCTAssertEqual(try pipeline.render(caption: "a red ball", settings: settings).video.pixels, a.video.pixels)
        // A model without frame context samples all frames together, so its first frame is not the image.
        let plain = tinyPipeline()
        let plainClip = try plain.preview(caption: "a red ball", settings: settings)
        settings.frames = 1
        XCTAssertFalse(Array(plainClip.latent.scalars[..<perFrame]).elementsEqual(try plain.preview(caption: "a red ball", settings: settings).latent.scalars))
    }

    func testChunksSplitTheFramesAfterTheFirst() {
        XCTAssertEqual(TextToVideo.chunkEnds(latentFrames: 13, chunks: 1), [13])
        XCTAssertEqual(TextToVideo.chunkEnds(latentFrames: 13, chunks: 3), [5, 9, 13])
        XCTAssertEqual(TextToVideo.chunkEnds(latentFrames: 13, chunks: 5), [3, 5, 8, 10, 13])
        XCTAssertEqual(TextToVideo.chunkEnds(latentFrames: 3, chunks: 4), [2, 3], "no more chunks than frames after the first")
    }

    func testChunkedClipKeepsItsShorterClipAndCountsEveryStage() throws {
        let pipeline = tinyPipeline(frameContext: true)
        // 9 video frames = 3 latent frames in one chunk; 17 = 5 latent frames in chunks ending at 3 and 5.
        let short = try pipeline.preview(caption: "a red ball", settings: GenerationSettings(width: 64, height: 32, frames: 9, seed: 4, steps: 3, guidance: 3))
        var settings = GenerationSettings(width: 64, height: 32, frames: 17, seed: 4, steps: 3, guidance: 3)
        settings.chunks = 2
        var steps: [Int] = []
        let long = try pipeline.preview(caption: "a red ball", settings: settings, progress: { s, _ in steps.append(s.step) })
        XCTAssertEqual(steps, Array(1...9), "the first frame, then two chunks: three stages of 3 steps")
        XCTAssertEqual(Array(long.latent.scalars[..<short.latent.count]), short.latent.scalars,
                       "the first chunk is the 3-latent-frame clip, made the same way")
        settings.chunks = 1
        let oneChunk = try pipeline.preview(caption: "a red ball", settings: settings)
        XCTAssertFalse(oneChunk.latent.scalars.elementsEqual(long.latent.scalars))
        settings.chunks = 2
        steps = []
        _ = try pipeline.render(caption: "a red ball", settings: settings, progress: { s, _ in steps.append(s.step) })
        XCTAssertEqual(steps, Array(1...(3 * (settings.steps + settings.refineSteps))))
        settings.chunks = 0
        XCTAssertThrowsError(try pipeline.preview(caption: "a red ball", settings: settings)) { XCTAssertTrue($0 is GenerationError) }
    }

    func testRenderOfAGivenPreviewIsTheRefinementOfIt() throws {
        let pipeline = tinyPipeline(frameContext: true)
        let settings = GenerationSettings(width: 64, height: 32, frames: 9, seed: 2, steps: 4, guidance: 3)
        let preview = try pipeline.preview(caption: "a red ball", settings: settings)
        var steps: [Int] = []
        let given = try pipeline.render(caption: "a red ball", settings: settings, preview: preview.latent, progress: { s, _ in steps.append(s.step) })
        XCTAssertEqual(given.latent.scalars, try pipeline.render(caption: "a red ball", settings: settings).latent.scalars,
                       "the refinement's noise does not depend on how the preview was made")
        XCTAssertEqual(steps, Array(1...(2 * settings.refineSteps)), "only the refinement is counted")
        let wrong = Tensor<Float>(zeros: [1, 2, 4, 2, pipeline.vae.config.latentChannels])
        XCTAssertThrowsError(try pipeline.render(caption: "a red ball", settings: settings, preview: wrong)) { XCTAssertTrue($0 is GenerationError) }
    }

    func testStochasticSamplingIsReproducibleAndValidated() throws {
        let pipeline = tinyPipeline()
        var settings = GenerationSettings(width: 64, height: 32, frames: 5, seed: 3, steps: 4, guidance: 2)
        XCTAssertEqual(settings.stochasticity, GenerationSettings.defaultStochasticity)
        settings.stochasticity = 0
        let deterministic = try pipeline.render(caption: "a ball", settings: settings)
        settings.stochasticity = 0.5
        let a = try pipeline.render(caption: "a ball", settings: settings)
        XCTAssertEqual(try pipeline.render(caption: "a ball", settings: settings).video.pixels, a.video.pixels)
        XCTAssertNotEqual(a.latent.scalars, deterministic.latent.scalars)
        // Heun is an ODE sampler: it ignores the setting.
        settings.sampler = .heun
        let heun = try pipeline.render(caption: "a ball", settings: settings).latent.scalars
        settings.stochasticity = 0
        XCTAssertEqual(try pipeline.render(caption: "a ball", settings: settings).latent.scalars, heun)
        settings.sampler = .euler; settings.stochasticity = 1.5
        XCTAssertThrowsError(try pipeline.render(caption: "a ball", settings: settings)) { XCTAssertTrue($0 is GenerationError) }
    }

    func testCancelStopsAndBadSettingsAreRejected() throws {
        let pipeline = tinyPipeline()
        let settings = GenerationSettings(width: 64, height: 32, frames: 5, seed: 1, steps: 5)
        var calls = 0
        XCTAssertThrowsError(try pipeline.render(caption: "a ball", settings: settings, isCancelled: { calls += 1; return calls > 2 })) {
            XCTAssertTrue($0 is SamplingCancelled)
        }
        var steps: [Int] = []
        _ = try pipeline.render(caption: "a ball", settings: settings, progress: { s, _ in steps.append(s.step) })
        XCTAssertEqual(steps, Array(1...(settings.steps + settings.refineSteps)))
        // `refineStepCount` sets the full-size stage's steps apart from the preview's, and the preview is unchanged by it.
        XCTAssertEqual(settings.refineSteps, 3, "5/8 of 5 preview steps, rounded down")
        var refined = settings
        refined.refineStepCount = 7
        steps = []
        let moreRefined = try pipeline.render(caption: "a ball", settings: refined, progress: { s, _ in steps.append(s.step) })
        XCTAssertEqual(steps, Array(1...(settings.steps + 7)))
        let plainPreview = try pipeline.preview(caption: "a ball", settings: settings).latent.scalars
        let plain = try pipeline.render(caption: "a ball", settings: settings).latent.scalars
        XCTAssertEqual(try pipeline.preview(caption: "a ball", settings: refined).latent.scalars, plainPreview)
        XCTAssertNotEqual(moreRefined.latent.scalars, plain)
        // `refineGuidanceScale` sets the refinement's guidance apart from the preview's: the preview is
        // unchanged, the render is not, and the same value as `guidance` gives the default's bits.
        var unguided = settings
        unguided.refineGuidanceScale = 1
        XCTAssertEqual(unguided.refineGuidance, 1)
        XCTAssertEqual(try pipeline.preview(caption: "a ball", settings: unguided).latent.scalars, plainPreview)
        XCTAssertNotEqual(try pipeline.render(caption: "a ball", settings: unguided).latent.scalars, plain)
        var same = settings
        same.refineGuidanceScale = settings.guidance
        XCTAssertEqual(try pipeline.render(caption: "a ball", settings: same).latent.scalars, plain)
        for bad in [GenerationSettings(width: 60, height: 32, frames: 5, seed: 1), GenerationSettings(width: 64, height: 32, frames: 0, seed: 1),
                    GenerationSettings(width: 64, height: 32, frames: 5, seed: 1, steps: 0), { var s = settings; s.refineStepCount = 0; return s }(),
                    { var s = settings; s.refineGuidanceScale = -1; return s }(),
                    GenerationSettings(width: 1024, height: 576, frames: 121, seed: 1), { var s = settings; s.shift = 0; return s }()] {
            XCTAssertThrowsError(try pipeline.render(caption: "a ball", settings: bad)) { XCTAssertTrue($0 is GenerationError) }
        }
    }
}
