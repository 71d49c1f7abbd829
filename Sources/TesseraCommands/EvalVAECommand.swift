// `tessera eval vae`: reconstruction quality of the autoencoder on held-out world clips.
import Foundation
import TesseraEngine
import TesseraMedia
import TesseraWorld
import TesseraAutoencoder

enum EvalVAE {
    /// Scene seed for evaluation: training samples with --seed (default 1); this stream is never
    /// used for training.
    static let heldOutSeed: UInt64 = 0xE7A1_5EED

    struct Row { var aspect: String; var width: Int; var height: Int; var frames: Int; var psnr: Double; var ssim: Double }

    /// Frame size with about `pixels` pixels at aspect w:h, sides multiples of `multiple`.
    static func frameSize(aspect: (Int, Int), pixels: Int, multiple: Int) -> (width: Int, height: Int) {
        let h = (Double(pixels) * Double(aspect.1) / Double(aspect.0)).squareRoot()
        let height = max(multiple, Int((h / Double(multiple)).rounded()) * multiple)
        let width = max(multiple, Int((Double(height) * Double(aspect.0) / Double(aspect.1) / Double(multiple)).rounded()) * multiple)
        return (width, height)
    }

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, command: "eval vae", options: ["count", "weights", "seed"], booleanFlags: ["json"])
        try a.expectPositionals(atMost: 0)
        let count = try a.int("count", default: 200, in: 1...100_000)
        let seed = try a.uint64("seed", default: heldOutSeed)
        let vae = try TrainCommand.wrap { try VideoAutoencoder.loadWeights(path: a.string("weights")) }
        let sampler = SceneSampler(seed: seed)
        var rng = RandomGenerator(seed: seed, stream: 0xE7A1)
        let aspects: [(String, (Int, Int))] = [("16:9", (16, 9)), ("9:16", (9, 16)), ("1:1", (1, 1)), ("4:3", (4, 3))]
        var rows: [String: [Row]] = ["512x288": [], "128x72": []]
        for i in 0..<count {
            let (name, aspect) = aspects[i % aspects.count]
            let frames = [1, 9, 17][(i / aspects.count) % 3]   // single images included
            let scene = sampler.sample(index: i)
            for (label, pixels) in [("512x288", 512 * 288), ("128x72", 128 * 72)] {
                let size = frameSize(aspect: aspect, pixels: pixels, multiple: vae.config.spatialFactor * 2)
                let clip = Renderer.render(scene, width: size.width, height: size.height, frames: frames)
                let decoded = VAECommand.decode(vae.encode(Tensor(video: clip)), vae: vae, fps: clip.fps, tiled: true)
                rows[label]!.append(Row(aspect: name, width: size.width, height: size.height, frames: frames,
                                        psnr: decoded.psnr(against: clip), ssim: decoded.ssim(against: clip)))
            }
            _ = rng.next()
            if !a.flag("json") && (i + 1) % 20 == 0 { printError("  evaluated \(i + 1)/\(count) clips") }
        }
        func mean(_ xs: [Double]) -> Double { xs.isEmpty ? 0 : xs.reduce(0, +) / Double(xs.count) }
        if a.flag("json") {
            var object: [String: Any] = ["clips": count, "seed": seed]
            for (label, r) in rows {
                var byAspect: [String: Any] = [:]
                for (name, _) in aspects {
                    let sel = r.filter { $0.aspect == name }
                    byAspect[name] = ["psnr": mean(sel.map(\.psnr)), "ssim": mean(sel.map(\.ssim))]
                }
                object[label] = ["mean_psnr": mean(r.map(\.psnr)), "mean_ssim": mean(r.map(\.ssim)),
                                 "images_psnr": mean(r.filter { $0.frames == 1 }.map(\.psnr)), "by_aspect": byAspect]
            }
            printOut(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        var lines = ["autoencoder on \(count) held-out world clips (scene seed \(seed)); 1, 9 and 17 frames", "",
                     "size      aspect  clips  PSNR dB   SSIM"]
        for label in ["512x288", "128x72"] {
            let r = rows[label]!
            for (name, _) in aspects {
                let sel = r.filter { $0.aspect == name }
                lines.append(String(format: "%-9@ %-6@ %6d %8.2f %7.4f", label, name, sel.count, mean(sel.map(\.psnr)), mean(sel.map(\.ssim))))
            }
            lines.append(String(format: "%-9@ %-6@ %6d %8.2f %7.4f   (images only: %.2f dB)", label, "all", r.count, mean(r.map(\.psnr)),
                                mean(r.map(\.ssim)), mean(r.filter { $0.frames == 1 }.map(\.psnr))))
        }
        printOut(lines.joined(separator: "\n"))
    }
}
