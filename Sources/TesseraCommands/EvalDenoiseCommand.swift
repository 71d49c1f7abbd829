// `tessera eval denoise`: how well the DiT recovers a clean latent from each noise level, on
// held-out world scenes. Sampling quality is made of two parts that this separates: refining a
// composition that exists (low and middle noise) and making one from almost nothing (high noise).
// One conditional model call per (scene, noise level), no guidance; the error is the mean squared
// error of the x0 estimate (x_t - t v) in normalised latent units, over all latent pixels and over
// those an object touches (ObjectLossWeights), for full-size images and preview clips (17 frames unless `--clip-frames`).
// Beside it, the object error of guessing the background alone (the scene's latent without its
// objects): a model whose object error at high noise exceeds it draws objects that are not there
// (wherever the noise hints at one) rather than hedging. For clips, also the first latent frame's
// object error with and without the other frames' signal (replaced by pure noise): if the two are
// equal, the model does not pool evidence across frames, which composing a coherent clip needs.
// For models with frame context, also the later frames' object error with the clean first frame
// given as context: how much a made first frame fixes the rest of the clip.
// For full-size images, also the object error when the path starts from the scene's own preview-size
// render, upscaled (what a full render refines; `train dit --refine-share`), beside the upscaled
// preview itself as the estimate: below it, the model redraws what the preview blurs.
import Foundation
import TesseraEngine
import TesseraMedia
import TesseraWorld
import TesseraAutoencoder
import TesseraTransformer
import TesseraSampler

public enum EvalDenoise {
    static let help = """
    usage: tessera eval denoise [--count N] [--clip-frames F] [--weights FILE] [--vae FILE] [--seed S]
                                [--json]

    denoise: renders N held-out world scenes (default 24) as a full-size image and an F-frame
    preview clip (default 17; 5 to 49, one more than a multiple of 4: 49 is a 4 s clip, whose far
    frames are where clips fall apart), noises each latent to t = 0.3, 0.6, 0.8, 0.9, 0.95 and 0.99,
    and prints the mean squared error of the model's one-call clean-latent estimate (all latent
    pixels, and object pixels only), and the object error of the background alone (no objects drawn)
    for comparison; for the clips, the first latent frame's object error with the other frames as
    they are and with their signal replaced by pure noise (equal errors: no evidence pooled across
    frames); for models with frame context, the later frames' object error without and with the
    clean first frame as context; for the images, the object error when noising the scene's upscaled
    preview-size render instead (what a full render refines), beside that upscaled preview's own
    error.
    Low values at high t mean the model can compose a scene from noise, not only refine one.
    """
    public static let times = [0.3, 0.6, 0.8, 0.9, 0.95, 0.99]

    public struct Row {
        public var name: String; public var all: [Double]; public var objects: [Double]
        /// Object-pixel error of the background-only latent as the estimate.
        public var backgroundOnly: Double
        /// Clips only (else empty), per time: the first latent frame's object error, with the other
        /// frames as they are and with them replaced by pure noise.
        public var firstFrame: [Double] = [], firstFrameAlone: [Double] = []
        /// Clips and models with frame context only: the later frames' object error without and with
        /// the clean first latent frame as context.
        public var laterFrames: [Double] = [], laterFramesWithContext: [Double] = []
        /// Images only: the object error when x_t starts from the upscaled preview-size render (per
        /// time), and of that upscaled preview as the estimate.
        public var fromPreview: [Double] = [], previewOnly: Double? = nil
    }

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, command: "eval denoise", options: ["count", "clip-frames", "weights", "vae", "seed"], booleanFlags: ["json"])
        try a.expectPositionals(atMost: 0)
        let count = try a.int("count", default: 24, in: 1...10_000)
        let clipFrames = try a.int("clip-frames", default: 17, in: 5...49)
        guard clipFrames % 4 == 1 else {
            throw CommandError.usage("--clip-frames \(clipFrames): give one more than a multiple of 4 (5, 9, ..., 49), one latent frame per 4 frames")
        }
        let seed = try a.uint64("seed", default: EvalVAE.heldOutSeed)
        let pipeline = try TrainCommand.wrap { try TextToVideo.load(ditPath: a.string("weights"), vaePath: a.string("vae")) }
        let rows = Autograd.withoutRecording { measure(pipeline, count: count, seed: seed, clipFrames: clipFrames) }
        if a.flag("json") {
            let object: [String: Any] = ["scenes": count, "seed": seed, "times": times,
                                         "rows": rows.map { ["name": $0.name, "all": $0.all, "objects": $0.objects, "background_only_objects": $0.backgroundOnly,
                                                                  "first_frame_objects": $0.firstFrame, "first_frame_alone_objects": $0.firstFrameAlone,
                                                                  "later_frames_objects": $0.laterFrames, "later_frames_with_context_objects": $0.laterFramesWithContext,
                                                                  "from_preview_objects": $0.fromPreview, "preview_only_objects": $0.previewOnly ?? NSNull()] }]
            printOut(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        var lines = ["clean-latent error of one model call on \(count) held-out world scenes (scene seed \(seed)), detailed captions, no guidance",
                     "", "rows                             " + times.map { String(format: "t=%.2f", $0) }.joined(separator: "  ")]
        for r in rows {
            lines.append((r.name + " (all)").padding(toLength: 33, withPad: " ", startingAt: 0) + r.all.map { String(format: "%6.3f", $0) }.joined(separator: "  "))
            lines.append((r.name + " (objects)").padding(toLength: 33, withPad: " ", startingAt: 0) + r.objects.map { String(format: "%6.3f", $0) }.joined(separator: "  "))
        }
        lines.append("")
        for r in rows where !r.firstFrame.isEmpty {
            lines.append("  first latent frame (objects)".padding(toLength: 33, withPad: " ", startingAt: 0) + r.firstFrame.map { String(format: "%6.3f", $0) }.joined(separator: "  "))
            lines.append("  same, other frames pure noise".padding(toLength: 33, withPad: " ", startingAt: 0) + r.firstFrameAlone.map { String(format: "%6.3f", $0) }.joined(separator: "  "))
        }
        for r in rows where !r.laterFrames.isEmpty {
            lines.append("  later frames (objects)".padding(toLength: 33, withPad: " ", startingAt: 0) + r.laterFrames.map { String(format: "%6.3f", $0) }.joined(separator: "  "))
            lines.append("  same, clean first frame given".padding(toLength: 33, withPad: " ", startingAt: 0) + r.laterFramesWithContext.map { String(format: "%6.3f", $0) }.joined(separator: "  "))
        }
        for r in rows where !r.fromPreview.isEmpty {
            lines.append("  from the upscaled preview".padding(toLength: 33, withPad: " ", startingAt: 0) + r.fromPreview.map { String(format: "%6.3f", $0) }.joined(separator: "  "))
        }
        lines.append("")
        for r in rows { lines.append(String(format: "%@ (objects), the background alone as the estimate: %.3f", r.name, r.backgroundOnly)) }
        for r in rows { if let p = r.previewOnly { lines.append(String(format: "%@ (objects), the upscaled preview as the estimate: %.3f", r.name, p)) } }
        printOut(lines.joined(separator: "\n"))
    }

    /// Errors per noise level (`times`) for full-size images and preview clips of `clipFrames` frames.
    public static func measure(_ p: TextToVideo, count: Int, seed: UInt64, clipFrames: Int = 17) -> [Row] {
        let sampler = SceneSampler(seed: seed)
        let aspects: [(Int, Int)] = [(16, 9), (9, 16), (1, 1), (4, 3)]
        let kinds: [(name: String, pixels: Int, frames: Int)] = [("full-size image", 512 * 288, 1), ("preview \(clipFrames)-frame clip", 128 * 72, clipFrames)]
        var rows: [Row] = []
        for kind in kinds {
            var all = [Double](repeating: 0, count: times.count), objects = [Double](repeating: 0, count: times.count)
            var scenesWithObjects = 0.0, backgroundOnly = 0.0
            var firstFrame = [Double](repeating: 0, count: times.count), firstFrameAlone = firstFrame, scenesWithFirstFrameObjects = 0.0
            var laterFrames = firstFrame, laterFramesWithContext = firstFrame, scenesWithLaterObjects = 0.0
            var fromPreview = firstFrame, previewOnly = 0.0
            let measuresPreview = kind.frames == 1
            let measuresContext = kind.frames > 1 && p.model.config.frameContext
            for i in 0..<count {
                let scene = sampler.captioned(index: i)
                let size = EvalVAE.frameSize(aspect: aspects[i % aspects.count], pixels: kind.pixels, multiple: p.vae.config.spatialFactor)
                let clip = Renderer.render(scene.scene, width: size.width, height: size.height, frames: kind.frames)
                var empty = scene.scene
                empty.objects = []
                let background = Renderer.render(empty, width: size.width, height: size.height, frames: kind.frames)
                let (latent, patches, x0, mask) = objectTargets(p, clip: clip, background: background)
                let ids = [p.tokenizer.ids(scene.detailed)]
                // Models with the object layout are measured as generation runs them: given the scene's plan.
                let plan: Tensor<Float>? = p.model.config.objectLayout
                    ? ObjectLayout.features(scenes: [scene.scene], layout: patches.layout, for: p.model.config) : nil
                let firstFrameValues = patches.layout.rows * patches.layout.columns * x0.shape[2]
                let hasFirstFrameObjects = kind.frames > 1 && mask.scalars[..<firstFrameValues].contains(where: { $0 > 1 })
                let hasLaterObjects = measuresContext && mask.scalars[firstFrameValues...].contains(where: { $0 > 1 })
                var start: Tensor<Float>?
                if measuresPreview {
                    let small = TextToVideo.previewSize(width: size.width, height: size.height)
                    let preview = p.vae.encode(Tensor(video: Renderer.render(scene.scene, width: small.width, height: small.height, frames: 1)))
                    start = patches.tokens(from: LatentResize.bilinear(preview, height: latent.shape[2], width: latent.shape[3]),
                                           mean: p.vae.latentMean, std: p.vae.latentStd)
                }
                if mask.scalars.contains(where: { $0 > 1 }) {
                    scenesWithObjects += 1
                    if let start { previewOnly += errors(estimate: start, x0: x0, mask: mask).objects ?? 0 }
                    backgroundOnly += errors(estimate: patches.tokens(from: p.vae.encode(Tensor(video: background)), mean: p.vae.latentMean,
                                                                      std: p.vae.latentStd), x0: x0, mask: mask).objects ?? 0
                }
                for (k, t) in times.enumerated() {
                    var rng = RandomGenerator(seed: seed, stream: UInt64(i * 16 + k))
                    let noise = Tensor<Float>(randomNormal: x0.shape, rng: &rng)
                    let xt = RectifiedFlow.noised(x0, noise: noise, t: [t]).xt
                    let v = p.model(xt, layout: patches.layout, t: [t], text: ids, objects: plan)
                    let estimate = RectifiedFlow.cleanEstimate(xt, t: t, velocity: v)
                    let e = errors(estimate: estimate, x0: x0, mask: mask)
                    all[k] += e.all / Double(count)
                    if let o = e.objects { objects[k] += o }
                    if let start {
                        let xs = RectifiedFlow.noised(x0, from: start, noise: noise, t: [t]).xt
                        let vs = p.model(xs, layout: patches.layout, t: [t], text: ids, refining: p.model.config.marksRefinement(at: t) ? [true] : [], objects: plan)
                        fromPreview[k] += errors(estimate: RectifiedFlow.cleanEstimate(xs, t: t, velocity: vs), x0: x0, mask: mask).objects ?? 0
                    }
                    if hasFirstFrameObjects {
                        // The first frame's tokens come first; the other frames get the noise alone (t = 1).
                        let xa = spliced(xt, firstFrameValues..<xt.count, from: noise)
                        let va = p.model(xa, layout: patches.layout, t: [t], text: ids, objects: plan)
                        firstFrame[k] += errors(estimate: estimate, x0: x0, mask: mask, values: 0..<firstFrameValues).objects ?? 0
                        firstFrameAlone[k] += errors(estimate: RectifiedFlow.cleanEstimate(xa, t: t, velocity: va), x0: x0, mask: mask,
                                                     values: 0..<firstFrameValues).objects ?? 0
                    }
                    if hasLaterObjects {
                        // The first frame clean, as generation gives it after making it as an image.
                        let xg = spliced(xt, 0..<firstFrameValues, from: x0)
                        let vg = p.model(xg, layout: patches.layout, t: [t], text: ids, contextFrames: 1, objects: plan)
                        let later = firstFrameValues..<x0.count
                        laterFrames[k] += errors(estimate: estimate, x0: x0, mask: mask, values: later).objects ?? 0
                        laterFramesWithContext[k] += errors(estimate: RectifiedFlow.cleanEstimate(xg, t: t, velocity: vg), x0: x0, mask: mask,
                                                            values: later).objects ?? 0
                    }
                }
                if hasFirstFrameObjects { scenesWithFirstFrameObjects += 1 }
                if hasLaterObjects { scenesWithLaterObjects += 1 }
            }
            // Object error: the mean over the scenes whose objects touch at least one latent pixel.
            func mean(_ sums: [Double], over scenes: Double, if measured: Bool = true) -> [Double] {
                measured ? sums.map { $0 / max(1, scenes) } : []
            }
            rows.append(Row(name: kind.name, all: all, objects: mean(objects, over: scenesWithObjects),
                            backgroundOnly: backgroundOnly / max(1, scenesWithObjects),
                            firstFrame: mean(firstFrame, over: scenesWithFirstFrameObjects, if: kind.frames > 1),
                            firstFrameAlone: mean(firstFrameAlone, over: scenesWithFirstFrameObjects, if: kind.frames > 1),
                            laterFrames: mean(laterFrames, over: scenesWithLaterObjects, if: measuresContext),
                            laterFramesWithContext: mean(laterFramesWithContext, over: scenesWithLaterObjects, if: measuresContext),
                            fromPreview: mean(fromPreview, over: scenesWithObjects, if: measuresPreview),
                            previewOnly: measuresPreview ? previewOnly / max(1, scenesWithObjects) : nil))
        }
        return rows
    }

    /// A rendered clip as the model sees it: its latent, token layout and normalised tokens x0, and
    /// a mask in x0's layout: 2 on latent pixels that differ from `background` (objects), 1
    /// elsewhere, 0 on padding.
    static func objectTargets(_ p: TextToVideo, clip: Video, background: Video)
        -> (latent: Tensor<Float>, patches: LatentPatches, x0: Tensor<Float>, mask: Tensor<Float>) {
        let latent = p.vae.encode(Tensor(video: clip))
        let patches = LatentPatches(latentShape: latent.shape, patch: (p.model.config.patch[0], p.model.config.patch[1]))
        let weights = ObjectLossWeights.latentWeights(video: clip, background: background, latentShape: latent.shape,
                                                      spatialFactor: p.vae.config.spatialFactor,
                                                      temporalFactor: p.vae.config.temporalFactor, objectWeight: 1)
        return (latent, patches, patches.tokens(from: latent, mean: p.vae.latentMean, std: p.vae.latentStd), patches.tokenWeights(weights))
    }

    /// `base` with the values in `range` taken from `source` (same shape).
    static func spliced(_ base: Tensor<Float>, _ range: Range<Int>, from source: Tensor<Float>) -> Tensor<Float> {
        var out = base
        out.withUnsafeMutablePointer { o in source.withUnsafePointer { (o + range.lowerBound).update(from: $0 + range.lowerBound, count: range.count) } }
        return out
    }

    /// Mean squared error of `estimate` against `x0` over the unpadded values (mask > 0) and over
    /// the object values (mask > 1; nil when there are none). `values`: only these values (the
    /// first latent frame's tokens come first).
    static func errors(estimate: Tensor<Float>, x0: Tensor<Float>, mask: Tensor<Float>, values: Range<Int>? = nil) -> (all: Double, objects: Double?) {
        var sumAll = 0.0, nAll = 0.0, sumObj = 0.0, nObj = 0.0
        estimate.withUnsafePointer { ep in x0.withUnsafePointer { cp in mask.withUnsafePointer { mp in
            for j in (values ?? 0..<x0.count).clamped(to: 0..<x0.count) where mp[j] > 0 {
                let e = Double(ep[j] - cp[j])
                sumAll += e * e; nAll += 1
                if mp[j] > 1 { sumObj += e * e; nObj += 1 }
            }
        }}}
        return (sumAll / max(1, nAll), nObj > 0 ? sumObj / nObj : nil)
    }
}
