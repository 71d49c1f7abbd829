// `tessera generate`: prompt -> expanded caption -> preview (and full render) -> video file.
import Foundation
import TesseraEngine
import TesseraMedia
import TesseraSampler
import TesseraWorld

enum GenerateCommand {
    static let command = Command(
        name: "generate",
        summary: "make a video from a prompt with the diffusion transformer (preview or full render)",
        help: """
        usage: tessera generate --prompt "..." --out FILE [--seed N] [--aspect 16:9|9:16|1:1|4:3|W:H]
                                [--size WxH] [--duration S] [--steps N] [--guidance G] [--preview]
                                [--sampler euler|heun] [--refine-from R] [--shift S] [--stochasticity E]
                                [--chunks N] [--json]
                                [--weights FILE] [--vae FILE] [--refiner FILE]

        Expands the prompt into a detailed caption (printed; see `tessera expand`), samples a preview
        at about a quarter of the final width and height, and (without --preview) upscales the
        preview's latent, re-noises it part-way and finishes denoising at the final size, so the
        render keeps the preview's composition. Prints the caption and timings; writes the video.

          --prompt TEXT    what to show, e.g. "red ball bouncing at sunset"
          --out FILE       .mp4 .gif .y4m .png (one frame), or a folder (path ending in /) of PNG frames
          --seed N         seed of the expansion and of the noise (default 0): same seed, same video
          --aspect A       16:9 (default, 512x288) 9:16 1:1 4:3 21:9 or any W:H, at about 512x288's
                           pixel count, sides multiples of 16
          --size WxH       final frame size, multiples of 8 (instead of --aspect)
          --duration S     seconds at 12 fps (default 4 = 49 frames; 0 = a single image)
          --steps N        preview sampling steps (default \(GenerationSettings.defaultSteps)); the full-size refinement
                           takes 5/8 of them (--refine-steps)
          --guidance G     classifier-free guidance scale (default 4; 1 = none)
          --preview        write only the preview (quarter width and height)
        \(SamplingOptions.help)
          --json           print one JSON object (expanded_prompt, width, height, frames, seed,
                           seconds, peak_rss_bytes, timings, model_hash, ...) instead of text
          --weights FILE   diffusion transformer weights (default: the shipped ones)
          --vae FILE       autoencoder weights (default: the shipped ones)
          --refiner FILE   a second DiT (same word list) for the full-size refinement only (default:
                           the shipped refiner with the shipped model, if any; none: no refiner)
        """,
        run: run)

    static func run(_ arguments: [String]) throws {
        let args = try Arguments(arguments, command: "generate",
                                 options: Set(["prompt", "out", "seed", "aspect", "size", "duration", "steps", "guidance", "weights", "vae", "refiner"]).union(SamplingOptions.names),
                                 booleanFlags: ["preview", "json"])
        try args.expectPositionals(atMost: 0)
        let prompt = try args.require("prompt")
        let out = try args.require("out")
        let seed = try args.uint64("seed", default: 0)
        let (width, height) = try WorldOptions.frameSize(args)
        let frames = try WorldOptions.frameCount(args, fps: Renderer.nativeFPS)
        do { try MediaWriter.checkDestination(out, frames: frames) } catch let error as MediaError { throw CommandError.usage(error.message) }
        var settings = GenerationSettings(width: width, height: height, frames: frames, seed: seed,
                                          steps: try args.int("steps", default: GenerationSettings.defaultSteps, in: 1...1000),
                                          guidance: try args.double("guidance", default: GenerationSettings.defaultGuidance, in: 0...50))
        try SamplingOptions.apply(args, to: &settings)
        let expansion: Expansion
        do { expansion = try PromptExpander.expand(prompt, seed: seed) } catch let error as PromptError { throw CommandError.usage(error.message) }
        settings.scene = expansion.scene

        let clock = Benchmark.now()
        let pipeline = try TrainCommand.wrap { try TextToVideo.load(ditPath: args.string("weights"), vaePath: args.string("vae"), refinerPath: args.string("refiner")) }
        do { try pipeline.validate(settings) } catch let error as GenerationError { throw CommandError.usage(error.description) }
        let loaded = Benchmark.now()
        let json = args.flag("json")
        if !json {
            printOut(expansion.caption)
            for line in WorldOptions.reports(unknown: expansion.unknownWords, notes: expansion.notes) { printOut(line) }
        }
        StopSignal.install()
        let progress: (GenerationStep, Video?) -> Void = { step, _ in
            guard !json, isatty(2) == 1 else { return }
            FileHandle.standardError.write(Data(String(format: "\r%@ step %d/%d  %.1f s, %.1f s left   ", step.stage, step.step, step.total,
                                                        step.elapsed, step.secondsLeft).utf8))
        }
        let output: GenerationOutput
        do {
            output = args.flag("preview")
                ? try pipeline.preview(caption: expansion.caption, settings: settings, progress: progress, isCancelled: { StopSignal.isRequested })
                : try pipeline.render(caption: expansion.caption, settings: settings, progress: progress, isCancelled: { StopSignal.isRequested })
        } catch is SamplingCancelled {
            throw CommandError("interrupted; nothing was written", status: 130)
        }
        if !json, isatty(2) == 1 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        let metadata = ["comment": expansion.caption, "title": prompt, "tessera_seed": String(seed),
                        "tessera_model": pipeline.modelHash, "tessera_settings": settingsJSON(settings, preview: args.flag("preview"))]
        do { try MediaWriter.write(output.video, to: out, metadata: metadata) } catch let error as MediaError { throw CommandError(error.message) }
        let seconds = Benchmark.now() - clock
        let video = output.video
        if json {
            var object: [String: Any] = [
                "prompt": prompt, "expanded_prompt": expansion.caption, "width": video.width, "height": video.height,
                "frames": video.frameCount, "fps": video.fps, "seed": seed, "seconds": seconds,
                "peak_rss_bytes": ProcessMemory.peakResidentBytes(), "preview": args.flag("preview"),
                "steps": settings.steps, "guidance": settings.guidance,
                "model_hash": pipeline.modelHash, "out": out, "load_seconds": loaded - clock,
                "timings": output.timings, "unknown_words": expansion.unknownWords.map(\.word),
            ].merging(SamplingOptions.json(settings)) { a, _ in a }
            if !args.flag("preview") {
                object["refine_steps"] = settings.refineSteps
                object["refine_from"] = settings.refineFrom
                object["preview_width"] = settings.previewSize.width
                object["preview_height"] = settings.previewSize.height
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            printOut(String(decoding: data, as: UTF8.self))
        } else {
            let parts = ["preview", "refine", "decode"].compactMap { k in output.timings[k].map { String(format: "%@ %.2f s", k, $0) } }
            printOut(String(format: "wrote %@: %d frame%@, %dx%d at %d fps in %.2f s (load %.2f s, %@), peak memory %@",
                            out, video.frameCount, video.frameCount == 1 ? "" : "s", video.width, video.height, video.fps, seconds,
                            loaded - clock, parts.joined(separator: ", "), String(format: "%.0f MiB", Double(ProcessMemory.peakResidentBytes()) / 1048576)))
        }
    }

    static func settingsJSON(_ s: GenerationSettings, preview: Bool) -> String {
        var object: [String: Any] = ["width": s.width, "height": s.height, "frames": s.frames, "fps": s.fps, "steps": s.steps,
                                     "guidance": s.guidance, "preview": preview, "refine_from": s.refineFrom]
        object.merge(SamplingOptions.json(s)) { a, _ in a }
        return String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8), as: UTF8.self)
    }
}
