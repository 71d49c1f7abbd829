// `tessera eval shapes`: does the DiT know a shape from its name? Sampling draws a shape only if
// the model's clean estimate depends on the caption's shape word; this measures that dependence
// directly, as a diffusion classifier. For each held-out full-size world image, the first object's
// shape word is replaced by each of the six shapes in turn (same image, same noise draws), and the
// caption whose one-call object error is lowest is the model's guess. Right guesses far above
// chance (1 in 6) mean the model knows shapes and sampling loses them; chance means training has
// not taught them. Also the mean gap between the best wrong caption's error and the true one's.
import Foundation
import TesseraEngine
import TesseraMedia
import TesseraWorld
import TesseraAutoencoder
import TesseraTransformer
import TesseraSampler

public enum EvalShapeProbe {
    static let help = """
    usage: tessera eval shapes [--count N] [--draws K] [--weights FILE] [--vae FILE] [--seed S] [--json]

    shapes: renders N held-out world scenes (default 24) as full-size images; for each, noises the
    latent to t = 0.5, 0.7, 0.8 and 0.9 (K noise draws, default 2) and measures the model's
    one-call object error with the true detailed caption and with the first object's shape word
    replaced by each other shape. Prints, per t, how often the true caption has the lowest error
    (chance is 1 in 6) and the mean relative error gap of the best wrong caption.
    """
    public static let times = [0.5, 0.7, 0.8, 0.9]

    public struct Result {
        public var scenes: Int
        /// Per time: scenes whose true caption had the lowest object error, and the mean of
        /// (best wrong error - true error) / true error.
        public var right: [Int], gap: [Double]
        /// Per true shape and time: right guesses and scenes.
        public var perShape: [Shape: (right: [Int], scenes: Int)]
    }

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, command: "eval shapes", options: ["count", "draws", "weights", "vae", "seed"], booleanFlags: ["json"])
        try a.expectPositionals(atMost: 0)
        let count = try a.int("count", default: 24, in: 1...10_000)
        let draws = try a.int("draws", default: 2, in: 1...64)
        let seed = try a.uint64("seed", default: EvalVAE.heldOutSeed)
        let pipeline = try TrainCommand.wrap { try TextToVideo.load(ditPath: a.string("weights"), vaePath: a.string("vae")) }
        let r = Autograd.withoutRecording { measure(pipeline, count: count, draws: draws, seed: seed) }
        if a.flag("json") {
            let object: [String: Any] = ["scenes": r.scenes, "seed": seed, "draws": draws, "times": times, "right": r.right, "gap": r.gap,
                                         "per_shape": Dictionary(uniqueKeysWithValues: r.perShape.map { ($0.key.rawValue, ["right": $0.value.right, "scenes": $0.value.scenes]) })]
            printOut(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        var lines = ["shape from the caption: \(r.scenes) held-out full-size images (scene seed \(seed)), \(draws) noise draws, one model call each",
                     "the true shape word's caption has the lowest object error (chance 1 in 6)", "",
                     "                " + times.map { String(format: " t=%.1f", $0) }.joined(separator: "  ")]
        lines.append("all".padding(toLength: 16, withPad: " ", startingAt: 0) + r.right.map { String(format: "%3d/%-3d", $0, r.scenes) }.joined(separator: " "))
        for shape in Shape.allCases {
            guard let s = r.perShape[shape] else { continue }
            lines.append(shape.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0) + s.right.map { String(format: "%3d/%-3d", $0, s.scenes) }.joined(separator: " "))
        }
        lines.append("gap".padding(toLength: 16, withPad: " ", startingAt: 0) + r.gap.map { String(format: "%+6.1f%%", 100 * $0) }.joined(separator: " "))
        printOut(lines.joined(separator: "\n"))
    }

    public static func measure(_ p: TextToVideo, count: Int, draws: Int, seed: UInt64) -> Result {
        let sampler = SceneSampler(seed: seed)
        let aspects: [(Int, Int)] = [(16, 9), (9, 16), (1, 1), (4, 3)]
        var result = Result(scenes: 0, right: Array(repeating: 0, count: times.count), gap: Array(repeating: 0, count: times.count), perShape: [:])
        for i in 0..<count {
            let scene = sampler.captioned(index: i)
            let size = EvalVAE.frameSize(aspect: aspects[i % aspects.count], pixels: 512 * 288, multiple: p.vae.config.spatialFactor)
            let image = Renderer.render(scene.scene, width: size.width, height: size.height, frames: 1)
            // The first object alone over the background: its pixels are where its shape shows.
            var others = scene.scene
            others.objects.removeFirst()
            var empty = scene.scene
            empty.objects = []
            let background = Renderer.render(others.objects.isEmpty ? empty : others, width: size.width, height: size.height, frames: 1)
            let (_, patches, x0, mask) = EvalDenoise.objectTargets(p, clip: image, background: background)
            guard mask.scalars.contains(where: { $0 > 1 }) else { continue }
            let truth = scene.scene.objects[0].shape
            let captions = Shape.allCases.map { shape -> [Int] in
                var s = scene.scene
                s.objects[0].shape = shape
                return p.tokenizer.ids(Captions.detailed(s))
            }
            // Models with the object layout get the image's own plan, the same for every caption compared.
            let plan: Tensor<Float>? = p.model.config.objectLayout ? ObjectLayout.features(scenes: [scene.scene], layout: patches.layout, for: p.model.config) : nil
            result.scenes += 1
            var shapeRow = result.perShape[truth] ?? (Array(repeating: 0, count: times.count), 0)
            shapeRow.scenes += 1
            for (k, t) in times.enumerated() {
                var errors = [Double](repeating: 0, count: captions.count)
                for d in 0..<draws {
                    var rng = RandomGenerator(seed: seed, stream: UInt64(i * 256 + k * 16 + d))
                    let noise = Tensor<Float>(randomNormal: x0.shape, rng: &rng)
                    let xt = RectifiedFlow.noised(x0, noise: noise, t: [t]).xt
                    for (c, ids) in captions.enumerated() {
                        let estimate = RectifiedFlow.cleanEstimate(xt, t: t, velocity: p.model(xt, layout: patches.layout, t: [t], text: [ids], objects: plan))
                        errors[c] += EvalDenoise.errors(estimate: estimate, x0: x0, mask: mask).objects ?? 0
                    }
                }
                let trueIndex = Shape.allCases.firstIndex(of: truth)!
                let bestWrong = errors.enumerated().filter { $0.offset != trueIndex }.map(\.element).min()!
                if errors[trueIndex] < bestWrong { result.right[k] += 1; shapeRow.right[k] += 1 }
                result.gap[k] += (bestWrong - errors[trueIndex]) / max(1e-12, errors[trueIndex])
            }
            result.perShape[truth] = shapeRow
        }
        result.gap = result.gap.map { $0 / Double(max(1, result.scenes)) }
        return result
    }
}
