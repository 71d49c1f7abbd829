// `tessera eval shapes` measures what it says: a model that ignores its caption (an untrained DiT,
// v = 0 by adaLN-zero) gives every shape word the same error, so it is never right and the gap is 0;
// a model whose output depends on the caption is scored as a naive recomputation scores it.
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

final class EvalShapeProbeTests: XCTestCase {
    func pipeline() -> TextToVideo {
        let vae = VideoAutoencoder(config: .tiny, seed: 1)
        let tokenizer = TextTokenizer.world(maxLength: 24, sampledScenes: 200)
        var config = DiTConfig.tiny
        config.vocabularySize = tokenizer.vocabularySize
        return TextToVideo(model: DiffusionTransformer<Float>(config: config, seed: 2), tokenizer: tokenizer, vae: vae,
                           latentPreview: nil, modelHash: "test")
    }

    func testCaptionBlindModelIsNeverRight() throws {
        let r = EvalShapeProbe.measure(pipeline(), count: 3, draws: 1, seed: 9)
        XCTAssertEqual(r.scenes, 3)
        XCTAssertEqual(r.right, [0, 0, 0, 0], "ties are not right guesses")
        XCTAssertEqual(r.gap, [0, 0, 0, 0])
        XCTAssertEqual(r.perShape.values.map(\.scenes).reduce(0, +), 3)
    }

    /// One scene, one draw, one time: the guess and the gap against errors recomputed by hand.
    func testScoresMatchNaiveRecomputation() throws {
        let p = pipeline()
        let model = p.model
        offsetAsIfTrained(model.store)
        let r = EvalShapeProbe.measure(p, count: 1, draws: 1, seed: 9)
        let scene = SceneSampler(seed: 9).captioned(index: 0).scene
        // Scene 0 is drawn at 16:9, 512x288; the mask is the first object over the others.
        let image = Renderer.render(scene, width: 512, height: 288, frames: 1)
        var others = scene
        others.objects.removeFirst()
        var empty = scene
        empty.objects = []
        let background = Renderer.render(others.objects.isEmpty ? empty : others, width: 512, height: 288, frames: 1)
        let latent = p.vae.encode(Tensor(video: image))
        let patches = LatentPatches(latentShape: latent.shape, patch: (model.config.patch[0], model.config.patch[1]))
        let x0 = patches.tokens(from: latent, mean: p.vae.latentMean, std: p.vae.latentStd)
        let mask = patches.tokenWeights(ObjectLossWeights.latentWeights(video: image, background: background, latentShape: latent.shape,
                                                                        spatialFactor: p.vae.config.spatialFactor,
                                                                        temporalFactor: p.vae.config.temporalFactor, objectWeight: 1)).scalars
        for (k, t) in EvalShapeProbe.times.enumerated() {
            var rng = RandomGenerator(seed: 9, stream: UInt64(k * 16))
            let noise = Tensor<Float>(randomNormal: x0.shape, rng: &rng)
            let xt = RectifiedFlow.noised(x0, noise: noise, t: [t]).xt
            let errors = Shape.allCases.map { shape -> Double in
                var s = scene
                s.objects[0].shape = shape
                let v = Autograd.withoutRecording { model(xt, layout: patches.layout, t: [t], text: [p.tokenizer.ids(Captions.detailed(s))]) }
                let xs = xt.scalars, vs = v.scalars, cs = x0.scalars
                var sum = 0.0, n = 0.0
                for j in 0..<cs.count where mask[j] > 1 {
                    let e = Double(xs[j] - Float(t) * vs[j] - cs[j])
                    sum += e * e; n += 1
                }
                return sum / n
            }
            let truth = Shape.allCases.firstIndex(of: scene.objects[0].shape)!
            let bestWrong = errors.enumerated().filter { $0.offset != truth }.map(\.element).min()!
            XCTAssertNotEqual(Set(errors).count, 1, "the perturbed model reads its caption")
            XCTAssertEqual(r.right[k], errors[truth] < bestWrong ? 1 : 0, "t=\(t)")
            XCTAssertEqual(r.gap[k], (bestWrong - errors[truth]) / errors[truth], accuracy: 1e-3 * abs(r.gap[k]) + 1e-6, "t=\(t)")
        }
    }

    func testCommandRunsAndRejectsBadInput() throws {
        let dir = temporaryFolder("shapes")
        let p = pipeline()
        try p.vae.saveWeights(to: dir + "/vae.safetensors")
        try p.model.saveWeights(to: dir + "/dit.safetensors", tokenizer: p.tokenizer)
        let files = ["--weights", dir + "/dit.safetensors", "--vae", dir + "/vae.safetensors"]
        XCTAssertEqual(Tessera.main(["eval", "shapes", "--count", "1", "--draws", "1", "--json"] + files), 0)
        XCTAssertEqual(Tessera.main(["eval", "shapes", "--count", "1", "--draws", "0"] + files), 2)
        XCTAssertEqual(Tessera.main(["eval", "shapes", "--weights", dir + "/missing.safetensors"]), 1)
    }
}
