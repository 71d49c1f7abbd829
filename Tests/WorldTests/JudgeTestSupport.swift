import TesseraEngine
import TesseraMedia
import TesseraWorld

/// Degrades a clip the way a generator might: Gaussian blur (3x3 binomial, `blurPasses` times),
/// then seeded Gaussian noise of `sigma` levels per channel.
func degraded(_ video: Video, sigma: Double, blurPasses: Int, seed: UInt64 = 5) -> Video {
    let w = video.width, h = video.height, plane = w * h * 3
    var pixels = video.pixels.map { Float($0) }
    var tmp = [Float](repeating: 0, count: plane)
    for _ in 0..<blurPasses {
        for f in 0..<video.frameCount {
            let base = f * plane
            for y in 0..<h { for x in 0..<w { for c in 0..<3 {
                let l = pixels[base + (y * w + max(0, x - 1)) * 3 + c], r = pixels[base + (y * w + min(w - 1, x + 1)) * 3 + c]
                tmp[(y * w + x) * 3 + c] = 0.25 * l + 0.5 * pixels[base + (y * w + x) * 3 + c] + 0.25 * r
            } } }
            for y in 0..<h { for x in 0..<w { for c in 0..<3 {
                let u = tmp[(max(0, y - 1) * w + x) * 3 + c], d = tmp[(min(h - 1, y + 1) * w + x) * 3 + c]
                pixels[base + (y * w + x) * 3 + c] = 0.25 * u + 0.5 * tmp[(y * w + x) * 3 + c] + 0.25 * d
            } } }
        }
    }
    var rng = RandomGenerator(seed: seed, stream: 99)
    var noise = [Float](repeating: 0, count: pixels.count)
    noise.withUnsafeMutableBufferPointer { rng.fillNormal($0.baseAddress!, count: $0.count, scale: sigma) }
    var out = [UInt8](repeating: 0, count: pixels.count)
    for i in pixels.indices { out[i] = UInt8(min(255, max(0, (pixels[i] + noise[i]).rounded()))) }
    return Video(width: w, height: h, fps: video.fps, pixels: out)
}
