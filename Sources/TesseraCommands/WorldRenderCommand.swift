// `tessera world render --prompt "..." --out FILE`: the ground-truth clip for a prompt.
import TesseraMedia
import TesseraWorld

enum WorldRenderCommand {
    static let command = Command(
        name: "world render",
        summary: "render the procedural world's clip for a prompt (mp4, gif, y4m, png, or a folder)",
        help: """
        usage: tessera world render --prompt "..." --out FILE [--seed N] [--size WxH | --aspect A] [--duration S] [--fps N]

        Expands the prompt (see `tessera expand`) and renders its scene exactly, as the training data is
        rendered. Prints the detailed caption, unknown words and the file written.

          --prompt TEXT   what to show, e.g. "red ball bouncing at sunset"
          --out FILE      .mp4 .gif .y4m .png (one frame), or a folder (path ending in /) of PNG frames
          --seed N        seed for what the prompt leaves out (default 0)
          --size WxH      frame size in pixels (default 512x288)
          --aspect A      16:9 9:16 1:1 4:3 21:9 or any W:H, at about 512x288's pixel count, sides
                          multiples of 16 (e.g. 9:16 -> 288x512, 1:1 -> 384x384)
          --duration S    seconds (default 4 = 49 frames at 12 fps; 0 = a single image)
          --fps N         frame rate (default 12, the world's native rate)
        """,
        run: run)

    static func run(_ arguments: [String]) throws {
        let args = try Arguments(arguments, command: "world render",
                                 options: ["prompt", "out", "seed", "size", "aspect", "duration", "fps"])
        try args.expectPositionals(atMost: 0)
        let prompt = try args.require("prompt")
        let out = try args.require("out")
        let seed = try args.uint64("seed", default: 0)
        let (width, height) = try WorldOptions.frameSize(args)
        let fps = try args.int("fps", default: Renderer.nativeFPS, in: 1...120)
        let frames = try WorldOptions.frameCount(args, fps: fps)
        try WorldOptions.checkClipSize(width: width, height: height, frames: frames)
        let expansion: Expansion
        do {
            expansion = try PromptExpander.expand(prompt, seed: seed)
        } catch let error as PromptError {
            throw CommandError.usage(error.message)
        }
        let video = Renderer.render(expansion.scene, width: width, height: height, frames: frames, fps: fps)
        let metadata = ["comment": expansion.caption, "title": prompt, "tessera_seed": String(seed),
                        "tessera_scene": WorldOptions.sceneJSON(expansion.scene)]
        do {
            try MediaWriter.write(video, to: out, metadata: metadata)
        } catch let error as MediaError {
            throw CommandError(error.message)
        }
        printOut(expansion.caption)
        for line in WorldOptions.reports(unknown: expansion.unknownWords, notes: expansion.notes) { printOut(line) }
        printOut("wrote \(out): \(frames) frame\(frames == 1 ? "" : "s"), \(width)x\(height) at \(fps) fps")
    }
}
