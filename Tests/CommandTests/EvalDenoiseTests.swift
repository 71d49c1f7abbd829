// `tessera eval denoise` measures what it says: an untrained DiT (adaLN-zero: its velocity is
// exactly 0) estimates x0 as x_t itself, whose error is t^2 mean((eps - x0)^2), so the reported
// errors must grow as t^2 from one noise level to the next; and the command runs end to end.
import XCTest
import TesseraTestSupport
import Foundation
import TesseraAutoencoder
import TesseraCommands
import TesseraEngine
import TesseraSampler
import TesseraTransformer
import TesseraMedia
import TesseraWorld

final class EvalDenoiseTests: XCTestCase {
    /// An untrained tiny DiT (v = 0: adaLN-zero) on a tiny autoencoder, with or without frame context.
    func untrainedPipeline(frameContext: Bool = false) -> TextToVideo {
        let vae = VideoAutoencoder(config: .tiny, seed: 1)
        let tokenizer = TextTokenizer.world(maxLength: 8, sampledScenes: 200)
        var config = DiTConfig.tiny
        config.vocabularySize = tokenizer.vocabularySize
        config.frameContext = frameContext
        return TextToVideo(model: DiffusionTransformer<Float>(config: config, seed: 2), tokenizer: tokenizer, vae: vae,
                           latentPreview: nil, modelHash: "test")
    }

    func testUntrainedModelErrorsGrowAsTSquared() throws {
        let pipeline = untrainedPipeline()
        let model = pipeline.model
        let rows = EvalDenoise.measure(pipeline, count: 6, seed: 9)
        XCTAssertEqual(rows.map(\.name), ["full-size image", "preview 17-frame clip"])
        let t = EvalDenoise.times
        for row in rows {
            XCTAssertEqual(row.all.count, t.count)
            for k in 1..<t.count {
                // Different noise draws per level: equal up to sampling error of thousands of values.
                XCTAssertEqual(row.all[k] / row.all[0], (t[k] / t[0]) * (t[k] / t[0]), accuracy: 0.08 * (t[k] / t[0]) * (t[k] / t[0]), "\(row.name) t=\(t[k])")
            }
            XCTAssertTrue(row.objects.allSatisfy { $0 > 0 }, "\(row.name): world scenes have object pixels")
        }
        // v = 0 cannot look across frames: the first frame's error is the same without the others' signal.
        XCTAssertTrue(rows[0].firstFrame.isEmpty, "images have no other frames")
        XCTAssertEqual(rows[1].firstFrame.count, t.count)
        XCTAssertEqual(rows[1].firstFrame, rows[1].firstFrameAlone)
        XCTAssertTrue(rows[1].firstFrame.allSatisfy { $0 > 0 })
        // A model whose attention mixes frames (random non-zero weights) sees the difference.
        offsetAsIfTrained(model.store)
        let mixed = EvalDenoise.measure(pipeline, count: 6, seed: 9)[1]
        XCTAssertNotEqual(mixed.firstFrame, mixed.firstFrameAlone)
    }

    /// The later frames with and without the clean first frame: measured only for models with frame
    /// context; equal for v = 0 (the later frames' estimate is their own x_t either way).
    func testLaterFramesWithContextOnlyForFrameContextModels() throws {
        XCTAssertTrue(EvalDenoise.measure(untrainedPipeline(), count: 2, seed: 9)[1].laterFrames.isEmpty)
        let pipeline = untrainedPipeline(frameContext: true)
        let model = pipeline.model
        let clip = EvalDenoise.measure(pipeline, count: 4, seed: 9)[1]
        XCTAssertEqual(clip.laterFrames.count, EvalDenoise.times.count)
        XCTAssertEqual(clip.laterFrames, clip.laterFramesWithContext)
        XCTAssertTrue(clip.laterFrames.allSatisfy { $0 > 0 })
        // A 4 s clip: its own row, with the same measures.
        let long = EvalDenoise.measure(pipeline, count: 2, seed: 9, clipFrames: 49)[1]
        XCTAssertEqual(long.name, "preview 49-frame clip")
        XCTAssertEqual(long.laterFrames, long.laterFramesWithContext)
        XCTAssertEqual(long.laterFrames.count, EvalDenoise.times.count)
        offsetAsIfTrained(model.store)
        let mixed = EvalDenoise.measure(pipeline, count: 4, seed: 9)[1]
        XCTAssertNotEqual(mixed.laterFrames, mixed.laterFramesWithContext)
    }

    /// The background-only reference against a naive recomputation for one scene.
    func testBackgroundOnlyReferenceMatchesNaiveComputation() throws {
        let pipeline = untrainedPipeline()
        let vae = pipeline.vae
        let rows = EvalDenoise.measure(pipeline, count: 1, seed: 9)
        let scene = SceneSampler(seed: 9).captioned(index: 0).scene
        var empty = scene
        empty.objects = []
        // Scene 0 is drawn at 16:9: 512x288 and 128x72.
        for (row, kind) in zip(rows, [((width: 512, height: 288), 1), ((width: 128, height: 72), 17)]) {
            let size = kind.0
            let clip = Renderer.render(scene, width: size.width, height: size.height, frames: kind.1)
            let background = Renderer.render(empty, width: size.width, height: size.height, frames: kind.1)
            let a = vae.encode(Tensor(video: clip)), b = vae.encode(Tensor(video: background))
            let w = ObjectLossWeights.latentWeights(video: clip, background: background, latentShape: a.shape,
                                                    spatialFactor: vae.config.spatialFactor, temporalFactor: vae.config.temporalFactor, objectWeight: 1)
            // Per latent pixel: every channel, normalised by the latent statistics.
            let c = a.shape[4], av = a.scalars, bv = b.scalars
            var sum = 0.0, n = 0.0
            for (pixel, weight) in w.enumerated() where weight > 1 {
                for k in 0..<c {
                    let d = Double((bv[pixel * c + k] - av[pixel * c + k]) / vae.latentStd[k])
                    sum += d * d; n += 1
                }
            }
            XCTAssertGreaterThan(n, 0, row.name)
            XCTAssertEqual(row.backgroundOnly, sum / n, accuracy: 1e-4 * sum / n, row.name)
            guard kind.1 == 1 else {
                XCTAssertNil(row.previewOnly, "clips have no preview start")
                XCTAssertTrue(row.fromPreview.isEmpty)
                continue
            }
            // The image's upscaled preview (the scene at 128x72, encoded, bilinear to the image's grid) as the estimate.
            let small = vae.encode(Tensor(video: Renderer.render(scene, width: 128, height: 72, frames: 1)))
            let up = LatentResize.bilinear(small, height: a.shape[2], width: a.shape[3]).scalars
            var sumPreview = 0.0
            for (pixel, weight) in w.enumerated() where weight > 1 {
                for k in 0..<c {
                    let d = Double((up[pixel * c + k] - av[pixel * c + k]) / vae.latentStd[k])
                    sumPreview += d * d
                }
            }
            XCTAssertEqual(row.previewOnly ?? -1, sumPreview / n, accuracy: 1e-4 * sumPreview / n, row.name)
            XCTAssertEqual(row.fromPreview.count, EvalDenoise.times.count)
            XCTAssertTrue(row.fromPreview.allSatisfy { $0 > 0 })
        }
    }

    func testCommandRunsAndRejectsBadInput() throws {
        let dir = temporaryFolder("denoise")
        let vae = VideoAutoencoder(config: .tiny, seed: 1)
        try vae.saveWeights(to: dir + "/vae.safetensors")
        let tokenizer = TextTokenizer.world(maxLength: 8, sampledScenes: 200)
        var config = DiTConfig.tiny
        config.vocabularySize = tokenizer.vocabularySize
        try DiffusionTransformer<Float>(config: config, seed: 2).saveWeights(to: dir + "/dit.safetensors", tokenizer: tokenizer)
        let files = ["--weights", dir + "/dit.safetensors", "--vae", dir + "/vae.safetensors"]
        XCTAssertEqual(Tessera.main(["eval", "denoise", "--count", "2", "--json"] + files), 0)
        XCTAssertEqual(Tessera.main(["eval", "denoise", "--count", "0"] + files), 2)
        XCTAssertEqual(Tessera.main(["eval", "denoise", "--count", "1", "--clip-frames", "9"] + files), 0)
        XCTAssertEqual(Tessera.main(["eval", "denoise", "--clip-frames", "10"] + files), 2, "not one more than a multiple of 4")
        XCTAssertEqual(Tessera.main(["eval", "denoise", "--clip-frames", "53"] + files), 2, "longer than 4 s")
        XCTAssertEqual(Tessera.main(["eval", "denoise", "--weights", dir + "/missing.safetensors"]), 1)
    }
}
