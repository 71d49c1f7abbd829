// `tessera world sample --count N --out DIR`: a training dataset of rendered scenes.
import TesseraMedia
import TesseraWorld

enum WorldSampleCommand {
    static let command = Command(
        name: "world sample",
        summary: "render random world scenes with their captions into a dataset folder",
        help: """
        usage: tessera world sample --count N --out DIR [--seed N] [--size WxH | --aspect A] [--duration S]

        Draws N scenes from the training sampler (whole vocabulary, 1 to 3 objects, never a held-out
        combination), renders them and appends them to the dataset in DIR: clips/NNNNNN.y4m plus one
        line each in captions.jsonl with the detailed and short captions and the scene. Scene k of a
        seed is always the same; clip number k gets scene k, so adding to a dataset adds new scenes.

          --count N       clips to add (1 to 1000000)
          --out DIR       dataset folder (created if missing)
          --seed N        sampler seed (default 0)
          --size WxH      frame size (default 512x288); or --aspect A as for `tessera world render`
          --duration S    seconds per clip (default 4 = 49 frames at 12 fps; 0 = single images)
        """,
        run: run)

    static func run(_ arguments: [String]) throws {
        let args = try Arguments(arguments, command: "world sample", options: ["count", "out", "seed", "size", "aspect", "duration"])
        try args.expectPositionals(atMost: 0)
        guard args.string("count") != nil else { throw CommandError.usage("`tessera world sample` needs --count N") }
        let count = try args.int("count", default: 1, in: 1...1_000_000)
        let out = try args.require("out")
        let seed = try args.uint64("seed", default: 0)
        let (width, height) = try WorldOptions.frameSize(args)
        let frames = try WorldOptions.frameCount(args, fps: Renderer.nativeFPS)
        try WorldOptions.checkClipSize(width: width, height: height, frames: frames)
        let sampler = SceneSampler(seed: seed)
        do {
            let writer = try DatasetWriter(directory: out)
            for n in 0..<count {
                let sample = sampler.captioned(index: writer.nextIndex)
                let video = Renderer.render(sample.scene, width: width, height: height, frames: frames)
                let entry = try writer.append(video: video, detailed: sample.detailed, short: sample.short, source: "world",
                                              sceneJSON: WorldOptions.sceneJSON(sample.scene))
                if count <= 20 || (n + 1) % 100 == 0 || n + 1 == count {
                    printOut("\(out)/\(entry.clip) (\(n + 1)/\(count)): \(sample.detailed)")
                }
            }
        } catch let error as MediaError {
            throw CommandError(error.message)
        }
    }
}
