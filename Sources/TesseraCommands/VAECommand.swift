// `tessera vae roundtrip|encode|decode`: the video autoencoder from the command line.
import Foundation
import TesseraEngine
import TesseraMedia
import TesseraAutoencoder

enum VAECommand {
    static let command = Command(
        name: "vae",
        summary: "the video autoencoder: roundtrip (encode + decode, PSNR/SSIM), encode, decode",
        help: """
        usage: tessera vae roundtrip IN OUT [--weights FILE] [--untiled] [--max-frames N]
               tessera vae encode IN LATENT.safetensors [--weights FILE] [--max-frames N]
               tessera vae decode LATENT.safetensors OUT [--weights FILE] [--untiled]

        IN is any video or image FFmpeg reads (.mp4, .mkv, .gif, .y4m, .png, ...). Frames are cropped to
        a multiple of 8 pixels and trimmed to 1 + 4k frames (the autoencoder's shapes); OUT's format
        follows its extension (.mp4 .gif .y4m .png or a folder). Decoding runs in overlapping tiles
        over space and time (bounded memory) unless --untiled. Without --weights the shipped weights
        are used.
        """,
        run: { args in
            let a = try Arguments(args, command: "vae", options: ["weights", "max-frames"], booleanFlags: ["untiled"])
            guard let verb = a.positionals.first else { throw CommandError.usage("`tessera vae` needs roundtrip, encode or decode") }
            guard ["roundtrip", "encode", "decode"].contains(verb) else {
                throw CommandError.usage("unknown `tessera vae` action '\(verb)'; accepted: roundtrip, encode, decode")
            }
            guard a.positionals.count == 3 else {
                throw CommandError.usage("`tessera vae \(verb)` takes an input and an output path (see `tessera vae --help`)")
            }
            let input = a.positionals[1], output = a.positionals[2]
            let maxFrames = try a.int("max-frames", default: 100_000, in: 1...1_000_000)
            let vae = try TrainCommand.wrap { try VideoAutoencoder.loadWeights(path: a.string("weights")) }
            switch verb {
            case "roundtrip":
                let source = try readForAutoencoder(input, vae: vae, maxFrames: maxFrames)
                let t0 = Benchmark.now()
                let latent = vae.encode(Tensor(video: source))
                let t1 = Benchmark.now()
                let decoded = decode(latent, vae: vae, fps: source.fps, tiled: !a.flag("untiled"))
                let t2 = Benchmark.now()
                try TrainCommand.wrap { try MediaWriter.write(decoded, to: output, quality: .high) }
                printOut(String(format: "%@: %dx%d, %d frames -> latent %@ -> %@\nPSNR %.2f dB  SSIM %.4f  encode %.2f s  decode %.2f s",
                                input, source.width, source.height, source.frameCount, "\(latent.shape)", output,
                                decoded.psnr(against: source), decoded.ssim(against: source), t1 - t0, t2 - t1))
            case "encode":
                let source = try readForAutoencoder(input, vae: vae, maxFrames: maxFrames)
                let latent = vae.encode(Tensor(video: source))
                try TrainCommand.wrap { try LatentFile(latent: latent, fps: source.fps, config: vae.config).write(to: output) }
                printOut("\(input): \(source.width)x\(source.height), \(source.frameCount) frames -> latent \(latent.shape) in \(output)")
            case "decode":
                let file = try TrainCommand.wrap { try LatentFile.read(path: input) }
                guard file.config == vae.config else {
                    throw CommandError("\(input) was made by an autoencoder with a different configuration than the weights in use")
                }
                let video = decode(file.latent, vae: vae, fps: file.fps, tiled: !a.flag("untiled"))
                try TrainCommand.wrap { try MediaWriter.write(video, to: output, quality: .high) }
                printOut("\(input) -> \(output): \(video.width)x\(video.height), \(video.frameCount) frames")
            default:
                throw CommandError.usage("unknown `tessera vae` action '\(verb)'; accepted: roundtrip, encode, decode")
            }
        })

    /// Reads a video cropped to the autoencoder's spatial multiple and trimmed to 1 + 4k frames.
    static func readForAutoencoder(_ path: String, vae: VideoAutoencoder, maxFrames: Int) throws -> Video {
        let video = try TrainCommand.wrap { try MediaReader.read(path, maxFrames: maxFrames) }
        let sf = vae.config.spatialFactor, tf = vae.config.temporalFactor
        let w = video.width / sf * sf, h = video.height / sf * sf
        guard w > 0, h > 0 else {
            throw CommandError("\(path) is \(video.width)x\(video.height); the autoencoder needs at least \(sf)x\(sf) pixels")
        }
        let frames = (video.frameCount - 1) / tf * tf + 1
        if w == video.width && h == video.height && frames == video.frameCount { return video }
        let x0 = (video.width - w) / 2, y0 = (video.height - h) / 2
        var pixels = [UInt8](repeating: 0, count: frames * w * h * 3)
        for f in 0..<frames { for y in 0..<h {
            let src = ((f * video.height) + y0 + y) * video.width * 3 + x0 * 3
            let dst = (f * h + y) * w * 3
            pixels[dst..<(dst + w * 3)] = video.pixels[src..<(src + w * 3)]
        }}
        return Video(width: w, height: h, fps: video.fps, pixels: pixels)
    }

    static func decode(_ latent: Tensor<Float>, vae: VideoAutoencoder, fps: Int, tiled: Bool) -> Video {
        tiled ? vae.decodeVideo(latent, fps: fps) : vae.decode(latent).video(fps: fps)
    }
}
