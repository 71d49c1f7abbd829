// `tessera import VIDEO... --caption "..." --out DIR`: real clips into a training dataset.
import TesseraMedia

enum ImportCommand {
    static let command = Command(
        name: "import",
        summary: "add real video clips to a dataset folder (captions.jsonl + clips/)",
        help: """
        usage: tessera import VIDEO... --caption "..." --out DIR [--short "..."] [--size WxH] [--fps N] [--max-seconds S]

        Decodes each VIDEO (anything FFmpeg reads: mp4, mkv, webm, mov, gif, y4m, png, ...), resamples it
        and appends it to the dataset in DIR with source "import". Every input is checked before any is
        added, so a typo does not leave half an import.

          --caption TEXT      the detailed caption, shared by all the videos given
          --short TEXT        the short caption (default: the caption up to its first period, at most 12 words)
          --out DIR           dataset folder (created if missing; numbering continues after existing clips)
          --size WxH          output size (default: height 288, width keeping the aspect ratio rounded to a
                              multiple of 16, e.g. 1920x1080 -> 512x288)
          --fps N             output frame rate, frames picked by timestamp (default 12)
          --max-seconds S     keep at most the first S seconds of each video
        """,
        run: run)

    static func run(_ arguments: [String]) throws {
        let args = try Arguments(arguments, command: "import",
                                 options: ["caption", "short", "out", "size", "fps", "max-seconds"])
        let videos = args.positionals
        guard !videos.isEmpty else { throw CommandError.usage("`tessera import` needs at least one VIDEO file") }
        let caption = try args.require("caption")
        let out = try args.require("out")
        guard !caption.allSatisfy(\.isWhitespace) else { throw CommandError.usage("--caption must not be empty") }
        let short = args.string("short") ?? shortCaption(caption)
        let fps = try args.int("fps", default: 12, in: 1...120)
        let maxSeconds = try args.double("max-seconds", default: 0, in: 0...86_400)
        let size = try args.string("size").map(parseSize)
        let maxFrames = maxSeconds > 0 ? max(1, Int((maxSeconds * Double(fps)).rounded(.down))) : nil

        do {
            var plans: [(path: String, width: Int, height: Int)] = []
            for path in videos {
                let info = try MediaReader.probe(path)
                let (w, h) = size ?? defaultSize(width: info.width, height: info.height)
                plans.append((path, w, h))
            }
            let writer = try DatasetWriter(directory: out)
            for plan in plans {
                let video = try MediaReader.read(plan.path, width: plan.width, height: plan.height, fps: fps, maxFrames: maxFrames)
                let entry = try writer.append(video: video, detailed: caption, short: short, source: "import")
                printOut("\(out)/\(entry.clip): \(video.frameCount) frames, \(video.width)x\(video.height) at \(fps) fps from \(plan.path)")
            }
        } catch let error as MediaError {
            throw CommandError(error.message)
        }
    }

    /// Height 288 and the width that keeps the aspect ratio, rounded to a multiple of 16 (the
    /// autoencoder's spatial stride) and at least 16.
    static func defaultSize(width: Int, height: Int) -> (Int, Int) {
        let w = Double(width) * 288 / Double(max(1, height))
        return (max(16, Int((w / 16).rounded()) * 16), 288)
    }

    static func parseSize(_ text: String) throws -> (Int, Int) {
        let parts = text.lowercased().split(separator: "x")
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), (1...8192).contains(w), (1...8192).contains(h) else {
            throw CommandError.usage("--size must be WIDTHxHEIGHT with each from 1 to 8192, e.g. 512x288, got '\(text)'")
        }
        return (w, h)
    }

    /// The caption up to its first sentence end, at most 12 words.
    static func shortCaption(_ caption: String) -> String {
        let sentence = caption.split(whereSeparator: { $0 == "." || $0 == "\n" }).first.map(String.init) ?? caption
        return sentence.split(separator: " ").prefix(12).joined(separator: " ")
    }
}
