// Tests on the shipped (trained) autoencoder weights: tiled decoding against whole-frame decoding.
// They need Sources/TesseraAutoencoder/Resources/vae.safetensors (or TESSERA_VAE_WEIGHTS).
import XCTest
import TesseraEngine
import TesseraMedia
import TesseraWorld
import TesseraAutoencoder

final class AutoencoderQualityTests: XCTestCase {
    func shippedVAE() throws -> VideoAutoencoder {
        guard let path = VideoAutoencoder.shippedWeightsPath else { throw XCTSkip("no shipped autoencoder weights in this build") }
        return try VideoAutoencoder.load(path: path)
    }

    /// Tiled and whole-frame decodes of the same latent are within 0.5 dB PSNR of each other against the
    /// source, and the error along tile borders is no larger than in the tiles' interiors.
    func testTiledDecodeHasNoSeams() throws {
        let vae = try shippedVAE()
        let scene = SceneSampler(seed: 0x5EA_A5).sample(index: 3)
        let clip = Renderer.render(scene, width: 256, height: 144, frames: 9)   // latent 3 x 18 x 32
        let latent = vae.encode(Tensor(video: clip))
        let whole = vae.decode(latent).video(fps: clip.fps)
        let tiling = DecodeTiling(frames: 1, size: 12, overlap: 4)   // 2 x 3 spatial tiles, 3 chunks in time
        var pixels = [UInt8](repeating: 0, count: clip.pixels.count)
        vae.decodeTiled(latent, tiling: tiling) { index, frame in
            let base = index * frame.count
            for i in 0..<frame.count { pixels[base + i] = UInt8(max(0, min(255, ((frame[i] + 1) * 127.5).rounded()))) }
        }
        let tiled = Video(width: clip.width, height: clip.height, fps: clip.fps, pixels: pixels)
        let (pWhole, pTiled) = (whole.psnr(against: clip), tiled.psnr(against: clip))
        XCTAssertLessThan(abs(pWhole - pTiled), 0.5, "whole \(pWhole) dB, tiled \(pTiled) dB")

        // Seams: mean squared error (tiled vs source) on the pixel columns/rows where tiles meet,
        // against the error everywhere else.
        let sf = vae.config.spatialFactor
        let xs = VideoAutoencoder.tileStarts(length: 32, size: 12, overlap: 4).dropFirst().map { ($0 + 2) * sf }   // mid-overlap
        let ys = VideoAutoencoder.tileStarts(length: 18, size: 12, overlap: 4).dropFirst().map { ($0 + 2) * sf }
        var border = (0.0, 0), interior = (0.0, 0)
        for f in 0..<clip.frameCount { for y in 0..<clip.height { for x in 0..<clip.width {
            let nearBorder = xs.contains { abs($0 - x) <= 2 } || ys.contains { abs($0 - y) <= 2 }
            let i = ((f * clip.height + y) * clip.width + x) * 3
            var e = 0.0
            for c in 0..<3 { let d = Double(tiled.pixels[i + c]) - Double(clip.pixels[i + c]); e += d * d }
            if nearBorder { border.0 += e; border.1 += 1 } else { interior.0 += e; interior.1 += 1 }
        }}}
        let ratio = (border.0 / Double(border.1)) / max(1e-9, interior.0 / Double(interior.1))
        XCTAssertLessThan(ratio, 1.5, "error along tile borders is \(ratio)x the interior's")
    }
}
