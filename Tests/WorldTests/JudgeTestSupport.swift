import TesseraEngine
import TesseraMedia
import TesseraWorld

/// Degrades a clip the way a generator might: Gaussian blur (3x3 binomial, `blurPasses` times),
/// then seeded Gaussian noise of `sigma` levels per channel.
func degraded(_ video: Video, sigma: Double, blurPasses: Int, seed: UInt64 = 5) -> Video {
    var pixels = video.pixels.map { Double($0) }
    let w = video.width, h = video.height
    let kernel = [0.25, 0.5, 0.25]
    for _ in 0..<blurPasses {
        for f in 0..<video.frameCount {
            let base = f * w * h * 3
            var tmp = pixels
            for y in 0..<h { for x in 0..<w { for c in 0..<3 {
                var s = 0.0
                for k in -1...1 { s += kernel[k + 1] * pixels[base + (y * w + min(w - 1, max(0, x + k))) * 3 + c] }
                tmp[base + (y * w + x) * 3 + c] = s
            } } }
            for y in 0..<h { for x in 0..<w { for c in 0..<3 {
                var s = 0.0
                for k in -1...1 { s += kernel[k + 1] * tmp[base + (min(h - 1, max(0, y + k)) * w + x) * 3 + c] }
                pixels[base + (y * w + x) * 3 + c] = s
            } } }
        }
    }
    var rng = RandomGenerator(seed: seed, stream: 99)
    let out = pixels.map { v -> UInt8 in UInt8(min(255, max(0, (v + sigma * rng.normal()).rounded()))) }
    return Video(width: w, height: h, fps: video.fps, pixels: out)
}
