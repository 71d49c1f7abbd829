// `tessera eval` (or `tessera eval dit`): generates the fixed prompt set (EvalPromptSet) and judges
// every video from its pixels (SceneJudge: background, and per object colour, shape, size, motion),
// reporting accuracy per attribute for seen and held-out combinations. The same judge also scores
// the world's own render of each intended scene at the same size, so the judge's error is visible
// beside the model's, and so does the same render after an autoencoder round trip: the best the
// model can reach through the latent at that size.
import Foundation
import TesseraEngine
import TesseraAutoencoder
import TesseraMedia
import TesseraSampler
import TesseraWorld

enum EvalDiT {
    static let help = """
    usage: tessera eval [dit] [--seen N] [--held-out N] [--full] [--steps N] [--guidance G]
                        [--sampler S] [--shift S] [--refine-from X] [--stochasticity E] [--chunks N]
                        [--duration S] [--world-preview] [--weights FILE] [--vae FILE] [--refiner FILE]
                        [--save DIR] [--model-only] [--json]

    Generates a fixed set of prompts (default 48 seen scenes and 27 held-out ones: every WORLD.md
    held-out pair three times), detailed captions and short prompts, in 16:9, 9:16, 1:1 and 4:3,
    as 4 s clips and single images, and judges each video from its pixels. Prints, per attribute
    (colour, shape, size, motion, background, and whether each object is in frame), the share right
    on seen and held-out prompts; the world renderer's score on the same scenes shows the judge's
    own error, and its score after an encode/decode round trip the autoencoder's limit at that size.
    Previews (quarter size) by default; --full judges full renders (slower).

      --seen N, --held-out N   numbers of prompts (defaults 48 and 27)
      --full                   judge full renders instead of previews
      --world-preview          with --full: refine the world's own render of each scene at the preview's
                               size (encoded) instead of a sampled preview: what the full-size
                               refinement makes of a right composition
      --duration S             every case at S seconds instead of its own (0: single images only, where
                               shape is decided, at a fraction of the time; motion is then not judged)
      --steps N, --guidance G  sampling settings (defaults as in `tessera generate`)
      --weights FILE, --vae FILE  the models (default: the shipped ones)
      --refiner FILE           a second DiT for the full-size refinement (default: the shipped refiner
                               with the shipped model, if any; none: no refiner)
    \(SamplingOptions.help)
      --save DIR               also write every generated video as DIR/NNN.mp4
      --model-only             judge the model's videos only: skip the world render and its round
                               trip (their columns do not depend on the DiT; about a third of the time)
      --json                   one JSON object with the totals and every case
    """

    static let attributes = ["color", "shape", "size", "motion", "background", "in_frame"]

    struct Tally {
        var right: [String: Int] = [:], total: [String: Int] = [:]
        mutating func add(_ attribute: String, _ correct: Bool) {
            total[attribute, default: 0] += 1
            if correct { right[attribute, default: 0] += 1 }
        }
        func share(_ a: String) -> Double? { total[a].map { Double(right[a] ?? 0) / Double($0) } }
        func text(_ a: String) -> String {
            guard let t = total[a], let s = share(a) else { return "-" }
            return String(format: "%3d/%-3d %5.1f%%", right[a] ?? 0, t, 100 * s)
        }
        var json: [String: Any] {
            Dictionary(uniqueKeysWithValues: attributes.compactMap { a in
                total[a].map { (a, ["right": right[a] ?? 0, "total": $0, "accuracy": share(a) ?? 0] as [String: Any]) }
            })
        }
    }

    static func tally(_ verdict: SceneVerdict, into t: inout Tally) {
        for r in verdict.results where attributes.contains(r.attribute) { t.add(r.attribute, r.correct) }
        for o in verdict.objects { t.add("in_frame", o.found) }
    }

    /// One judged source (the model, the world render, its autoencoder round trip), split by prompt kind.
    struct SeenAndHeldOut {
        var seen = Tally(), heldOut = Tally()
        mutating func add(_ verdict: SceneVerdict, heldOut isHeldOut: Bool) {
            if isHeldOut { EvalDiT.tally(verdict, into: &heldOut) } else { EvalDiT.tally(verdict, into: &seen) }
        }
    }

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, command: "eval", options: Set(["seen", "held-out", "steps", "guidance", "weights", "vae", "refiner", "save", "duration"]).union(SamplingOptions.names),
                              booleanFlags: ["full", "json", "world-preview", "model-only"])
        try a.expectPositionals(atMost: 0)
        let cases = EvalPromptSet.standard(seen: try a.int("seen", default: 48, in: 0...10_000),
                                           heldOut: try a.int("held-out", default: 27, in: 0...10_000))
        let steps = try a.int("steps", default: GenerationSettings.defaultSteps, in: 1...1000)
        let guidance = try a.double("guidance", default: GenerationSettings.defaultGuidance, in: 0...50)
        // Every case's settings start from this one: the sampling flags, then the case's size, length and seed.
        var sampling = GenerationSettings(width: 16, height: 16, frames: 1, seed: 0, steps: steps, guidance: guidance)
        try SamplingOptions.apply(a, to: &sampling)
        let full = a.flag("full"), json = a.flag("json"), worldPreview = a.flag("world-preview"), modelOnly = a.flag("model-only")
        if worldPreview && !full { throw CommandError.usage("--world-preview needs --full: it replaces the preview that a full render refines") }
        let duration = try a.string("duration").map { _ in try a.double("duration", default: 0, in: 0...30) }
        if let dir = a.string("save") { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let pipeline = try TrainCommand.wrap { try TextToVideo.load(ditPath: a.string("weights"), vaePath: a.string("vae"), refinerPath: a.string("refiner")) }
        let judge = SceneJudge()
        var model = SeenAndHeldOut(), reference = SeenAndHeldOut(), roundTrip = SeenAndHeldOut()
        var perCase: [[String: Any]] = []
        var inFrameByAspect: [String: Tally] = [:]   // "in_frame" per aspect ratio, seen and held-out together
        StopSignal.install()
        let start = Benchmark.now()
        for (i, c) in cases.enumerated() {
            if StopSignal.isRequested { throw CommandError("interrupted after \(i) of \(cases.count) prompts", status: 130) }
            let expansion = try PromptExpander.expand(c.prompt, seed: c.seed)
            let size = WorldOptions.defaultSize(aspect: Double(c.aspect.width) / Double(c.aspect.height))
            let frames = Renderer.frameCount(duration: duration ?? c.duration)
            var settings = sampling
            (settings.width, settings.height, settings.frames, settings.seed) = (size.width, size.height, frames, c.seed)
            settings.scene = expansion.scene
            let given = worldPreview ? pipeline.vae.encode(Tensor(video: Renderer.render(expansion.scene, width: settings.previewSize.width,
                                                                                    height: settings.previewSize.height, frames: frames))) : nil
            let output = try full ? pipeline.render(caption: expansion.caption, settings: settings, preview: given, isCancelled: { StopSignal.isRequested })
                                  : pipeline.preview(caption: expansion.caption, settings: settings, isCancelled: { StopSignal.isRequested })
            let video = output.video
            let verdict = judge.judge(video, intended: expansion.scene)
            let r = modelOnly ? nil : EvalVAEJudged.roundTrip(expansion.scene, width: video.width, height: video.height, frames: frames,
                                                              vae: pipeline.vae, judge: judge)
            let heldOut = expansion.scene.isHeldOut
            let aspectName = "\(c.aspect.width):\(c.aspect.height)"
            for o in verdict.objects { inFrameByAspect[aspectName, default: Tally()].add("in_frame", o.found) }
            model.add(verdict, heldOut: heldOut)
            if let r {
                reference.add(r.reference, heldOut: heldOut)
                roundTrip.add(r.autoencoder, heldOut: heldOut)
            }
            if let dir = a.string("save") {
                try? MediaWriter.write(video, to: (dir as NSString).appendingPathComponent(String(format: "%03d.mp4", i)),
                                       metadata: ["comment": expansion.caption, "title": c.prompt])
            }
            let wrong = verdict.results.filter { !$0.correct }.map(\.description)
            var entry: [String: Any] = ["index": i, "prompt": c.prompt, "caption": expansion.caption, "style": c.style, "held_out": heldOut,
                                        "held_out_pair": c.heldOutPair ?? "", "width": video.width, "height": video.height, "frames": video.frameCount,
                                        "right": verdict.correctCount, "total": verdict.results.count, "wrong": wrong]
            if let r { (entry["reference_right"], entry["autoencoder_right"]) = (r.reference.correctCount, r.autoencoder.correctCount) }
            perCase.append(entry)
            if !json {
                printError(String(format: "  %3d/%d %@ %dx%dx%d  %d/%d right%@  %@", i + 1, cases.count, heldOut ? "held-out" : "seen    ",
                                  video.width, video.height, video.frameCount, verdict.correctCount, verdict.results.count,
                                  wrong.isEmpty ? "" : " (" + wrong.joined(separator: "; ") + ")", expansion.caption))
            }
        }
        let seconds = Benchmark.now() - start
        if json {
            var object: [String: Any] = [
                "mode": full ? "full" : "preview", "prompts": cases.count, "steps": steps, "guidance": guidance,
                "shift": sampling.shift.map { $0 as Any } ?? "resolution", "refine_from": sampling.refineFrom,
                "duration": duration.map { $0 as Any } ?? "per case", "world_preview": worldPreview,
                "model_hash": pipeline.modelHash, "trained_steps": pipeline.trainedSteps ?? -1, "seconds": seconds,
                "seen": model.seen.json, "held_out": model.heldOut.json, "cases": perCase,
                "in_frame_by_aspect": inFrameByAspect.mapValues { $0.share("in_frame") ?? 0 },
                "model_only": modelOnly,
            ]
            object.merge(SamplingOptions.json(sampling)) { a, _ in a }   // sampler, stochasticity, chunks, layout, refine_steps
            if !modelOnly {   // the world render (the judge's own error) and its round trip (the autoencoder's limit)
                object.merge(["reference_seen": reference.seen.json, "reference_held_out": reference.heldOut.json,
                              "autoencoder_seen": roundTrip.seen.json, "autoencoder_held_out": roundTrip.heldOut.json]) { a, _ in a }
            }
            printOut(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        var heading = "eval of \(full ? "full renders" : "previews"): \(cases.count) prompts, \(steps) steps, guidance \(guidance)"
        if let shift = sampling.shift { heading += ", shift \(shift)" }
        if full { heading += ", refine from \(sampling.refineFrom) in \(sampling.refineSteps) steps" + (sampling.refineGuidanceScale.map { ", guidance \($0)" } ?? "") + (worldPreview ? " of the world's preview-size render" : "") }
        if sampling.sampler != .euler { heading += ", \(sampling.sampler.rawValue)" }
        if sampling.stochasticity > 0 { heading += ", stochasticity \(sampling.stochasticity)" }
        if sampling.chunks > 1 { heading += ", \(sampling.chunks) chunks" }
        if let duration { heading += duration == 0 ? ", images only" : ", every case \(duration) s" }
        printOut(heading + ", model \(pipeline.modelHash)"
                 + (pipeline.trainedSteps.map { " (step \($0))" } ?? "") + String(format: ", %.0f s", seconds))
        func column(_ t: Tally, _ attr: String) -> String { t.text(attr).padding(toLength: 16, withPad: " ", startingAt: 0) }
        printOut("attribute     model seen        model held-out" + (modelOnly ? "" : "    | world render seen  held-out          | autoencoder seen  held-out"))
        for attr in attributes {
            let line = attr.padding(toLength: 12, withPad: " ", startingAt: 0) + "  " + column(model.seen, attr) + "  "
            printOut(modelOnly ? line + model.heldOut.text(attr)
                     : line + column(model.heldOut, attr) + "  | " + column(reference.seen, attr) + "   " + column(reference.heldOut, attr)
                       + "  | " + column(roundTrip.seen, attr) + "  " + roundTrip.heldOut.text(attr))
        }
        printOut("objects in frame by aspect: " + inFrameByAspect.keys.sorted().map { "\($0) \(inFrameByAspect[$0]!.text("in_frame"))" }.joined(separator: ", "))
    }
}
