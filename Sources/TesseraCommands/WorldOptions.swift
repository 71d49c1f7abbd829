// Options shared by the world commands: frame size from --size or --aspect, clip length, seed, and
// the scene as JSON.
import Foundation
import TesseraWorld

public enum WorldOptions {
    /// Pixels of the default 16:9 frame (512x288); other aspects get about as many.
    static let defaultPixels = 512.0 * 288.0

    /// --size WxH, or --aspect A (16:9 9:16 1:1 4:3 21:9 or any W:H) at about 512x288's pixel count
    /// with both sides multiples of 16; 512x288 when neither is given.
    static func frameSize(_ args: Arguments) throws -> (width: Int, height: Int) {
        let size = args.string("size"), aspect = args.string("aspect")
        if size != nil && aspect != nil { throw CommandError.usage("give --size or --aspect, not both") }
        if let size { return try ImportCommand.parseSize(size) }
        guard let aspect else { return (512, 288) }
        let parts = aspect.split(separator: ":")
        guard parts.count == 2, let w = Double(parts[0]), let h = Double(parts[1]), w.isFinite, h.isFinite, w > 0, h > 0,
              (1.0 / 8...8).contains(w / h) else {
            throw CommandError.usage("--aspect must be W:H with a ratio between 1:8 and 8:1 (e.g. 16:9, 9:16, 1:1, 4:3, 21:9), got '\(aspect)'")
        }
        return defaultSize(aspect: w / h)
    }

    public static func defaultSize(aspect ratio: Double) -> (width: Int, height: Int) {
        let w = (defaultPixels * ratio).squareRoot(), h = (defaultPixels / ratio).squareRoot()
        return (max(16, Int((w / 16).rounded()) * 16), max(16, Int((h / 16).rounded()) * 16))
    }

    /// Frames for --duration S (default 4 s; 0 = one image) at `fps`.
    static func frameCount(_ args: Arguments, fps: Int) throws -> Int {
        let seconds = try args.double("duration", default: 4, in: 0...600)
        return Renderer.frameCount(duration: seconds, fps: fps)
    }

    /// Largest clip the world commands render in memory (frames x height x width x 3 bytes).
    static let maximumClipBytes = 2 << 30

    static func checkClipSize(width: Int, height: Int, frames: Int) throws {
        let bytes = width * height * 3 * frames
        if bytes > maximumClipBytes {
            throw CommandError.usage("a \(width)x\(height) clip of \(frames) frames needs \(bytes >> 20) MiB; the limit is \(maximumClipBytes >> 20) MiB (use a smaller --size or --duration)")
        }
    }

    static func sceneJSON(_ scene: Scene) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(scene)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// One line per unknown word and per note, for stderr or stdout.
    static func reports(unknown: [UnknownWord], notes: [String]) -> [String] {
        unknown.map { "unknown word \($0)" } + notes.map { "note: \($0)" }
    }
}
