// `tessera eval vae --judged`: the autoencoder's limit on the judged attributes. Renders the scenes
// of `tessera eval`'s prompt set at the size `tessera generate` renders, sends each through an
// encode/decode round trip and judges both from their pixels, without the transformer: the ceiling
// that any decoder change moves, in a few minutes instead of an hour.
import Foundation
import TesseraEngine
import TesseraAutoencoder
import TesseraMedia
import TesseraSampler
import TesseraWorld

public enum EvalVAEJudged {
    static let help = """
    usage: tessera eval vae --judged [--seen N] [--held-out N] [--duration S] [--preview-size]
                            [--weights FILE] [--json]

    vae --judged: the scenes of `tessera eval` (same prompts, seeds, aspect ratios and durations),
    rendered by the world at the full render's size (or the preview's, --preview-size), judged
    before and after an autoencoder round trip: colour, shape, size, motion, background and
    in-frame, seen and held-out, and each scene the round trip judges worse than the render.
    """

    /// A scene's world render and its autoencoder round trip, both judged.
    struct RoundTrip {
        var world: Video, decoded: Video
        var reference: SceneVerdict, autoencoder: SceneVerdict
    }

    /// Attributes right in the render and wrong after the round trip: the autoencoder's doing.
    static func lost(_ reference: SceneVerdict, _ autoencoder: SceneVerdict) -> [AttributeResult] {
        let rightInRender = Set(reference.results.filter(\.correct).map { "\($0.attribute) \($0.object ?? -1)" })
        return autoencoder.results.filter { !$0.correct && rightInRender.contains("\($0.attribute) \($0.object ?? -1)") }
    }

    /// Renders `scene` at the given size, sends it through `vae` and judges both (also used by `tessera eval`).
    static func roundTrip(_ scene: TesseraWorld.Scene, width: Int, height: Int, frames: Int, vae: VideoAutoencoder,
                          judge: SceneJudge) -> RoundTrip {
        let world = Renderer.render(scene, width: width, height: height, frames: frames)
        let decoded = vae.decodeVideo(vae.encode(Tensor(video: world)), fps: world.fps, frames: world.frameCount)
        return RoundTrip(world: world, decoded: decoded, reference: judge.judge(world, intended: scene),
                         autoencoder: judge.judge(decoded, intended: scene))
    }

    /// One eval case through the autoencoder.
    public struct Scene {
        public var caption: String, heldOut: Bool, width: Int, height: Int, frames: Int
        public var reference: SceneVerdict, autoencoder: SceneVerdict
        public var psnr: Double
        public var lost: [AttributeResult] { EvalVAEJudged.lost(reference, autoencoder) }
    }

    /// Renders, round-trips and judges every case (at the full render's size or the preview's).
    public static func measure(_ vae: VideoAutoencoder, cases: [EvalCase], previewSize: Bool = false, duration: Double? = nil,
                               judge: SceneJudge = SceneJudge(), onScene: (Int, Scene) -> Void = { _, _ in }) throws -> [Scene] {
        var scenes: [Scene] = []
        for (i, c) in cases.enumerated() {
            if StopSignal.isRequested { throw CommandError("interrupted after \(i) of \(cases.count) scenes", status: 130) }
            let expansion = try PromptExpander.expand(c.prompt, seed: c.seed)
            var size = WorldOptions.defaultSize(aspect: Double(c.aspect.width) / Double(c.aspect.height))
            if previewSize { size = TextToVideo.previewSize(width: size.width, height: size.height) }
            let frames = Renderer.frameCount(duration: duration ?? c.duration)
            let r = roundTrip(expansion.scene, width: size.width, height: size.height, frames: frames, vae: vae, judge: judge)
            let scene = Scene(caption: expansion.caption, heldOut: expansion.scene.isHeldOut, width: size.width, height: size.height,
                              frames: frames, reference: r.reference, autoencoder: r.autoencoder, psnr: r.decoded.psnr(against: r.world))
            onScene(i, scene)
            scenes.append(scene)
        }
        return scenes
    }

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, command: "eval vae --judged", options: ["seen", "held-out", "duration", "weights"],
                              booleanFlags: ["judged", "json", "preview-size"])
        try a.expectPositionals(atMost: 0)
        let cases = EvalPromptSet.standard(seen: try a.int("seen", default: 48, in: 0...10_000),
                                           heldOut: try a.int("held-out", default: 27, in: 0...10_000))
        let duration = try a.string("duration").map { _ in try a.double("duration", default: 0, in: 0...30) }
        let vae = try TrainCommand.wrap { try VideoAutoencoder.loadWeights(path: a.string("weights")) }
        let json = a.flag("json"), preview = a.flag("preview-size")
        StopSignal.install()
        let start = Benchmark.now()
        let scenes = try measure(vae, cases: cases, previewSize: preview, duration: duration) { i, s in
            if !json && !s.lost.isEmpty {
                printError(String(format: "  %3d/%d %@ %dx%dx%d  %.2f dB  lost: %@  %@", i + 1, cases.count, s.heldOut ? "held-out" : "seen    ",
                                  s.width, s.height, s.frames, s.psnr, s.lost.map(\.description).joined(separator: "; "), s.caption))
            }
        }
        let seconds = Benchmark.now() - start
        var reference = EvalDiT.SeenAndHeldOut(), roundTrip = EvalDiT.SeenAndHeldOut()
        for s in scenes {
            reference.add(s.reference, heldOut: s.heldOut)
            roundTrip.add(s.autoencoder, heldOut: s.heldOut)
        }
        if json {
            let perCase: [[String: Any]] = scenes.enumerated().map { i, s in
                ["index": i, "caption": s.caption, "held_out": s.heldOut, "width": s.width, "height": s.height, "frames": s.frames,
                 "reference_right": s.reference.correctCount, "autoencoder_right": s.autoencoder.correctCount,
                 "total": s.reference.results.count, "lost": s.lost.map(\.description), "psnr": s.psnr]
            }
            let object: [String: Any] = ["scenes": cases.count, "seconds": seconds, "size": preview ? "preview" : "full",
                                         "reference_seen": reference.seen.json, "reference_held_out": reference.heldOut.json,
                                         "autoencoder_seen": roundTrip.seen.json, "autoencoder_held_out": roundTrip.heldOut.json,
                                         "cases": perCase]
            printOut(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        printOut(String(format: "autoencoder round trip of %d eval scenes at the %@ size, %.0f s", cases.count,
                        preview ? "preview" : "full render", seconds))
        func column(_ t: EvalDiT.Tally, _ attr: String) -> String { t.text(attr).padding(toLength: 16, withPad: " ", startingAt: 0) }
        printOut("attribute     world render seen  held-out          | autoencoder seen  held-out")
        for attr in EvalDiT.attributes {
            printOut(attr.padding(toLength: 12, withPad: " ", startingAt: 0) + "  " + column(reference.seen, attr) + "   "
                     + column(reference.heldOut, attr) + "  | " + column(roundTrip.seen, attr) + "  " + roundTrip.heldOut.text(attr))
        }
    }
}
