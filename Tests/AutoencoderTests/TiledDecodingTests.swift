import XCTest
import TesseraEngine
import TesseraAutoencoder
import TesseraTestSupport

final class TiledDecodingTests: XCTestCase {
    func decodeTiled(_ vae: VideoAutoencoder, _ latent: Tensor<Float>, _ tiling: DecodeTiling) -> [Float] {
        var frames: [[Float]] = []
        vae.decodeTiled(latent, tiling: tiling) { index, frame in
            XCTAssertEqual(index, frames.count, "frames arrive in order")
            frames.append(frame)
        }
        return frames.flatMap { $0 }
    }

    func testOneTileEqualsUntiledDecode() {
        let vae = VideoAutoencoder(config: .standard, seed: 1)
        var rng = RandomGenerator(seed: 2)
        let latent = Tensor<Float>(randomNormal: [1, 3, 4, 5, 16], rng: &rng)
        let tiled = decodeTiled(vae, latent, DecodeTiling(frames: 8, size: 16, overlap: 4))
        XCTAssertEqual(tiled, vae.decode(latent).scalars)
    }

    /// Streaming over time carries each causal conv's history: chunks of 1, 2 or 3 latent frames give
    /// the whole-clip decode (up to float rounding of differently blocked GEMMs).
    func testTemporalStreamingIsExact() {
        let vae = VideoAutoencoder(config: .standard, seed: 3)
        var rng = RandomGenerator(seed: 4)
        let latent = Tensor<Float>(randomNormal: [1, 7, 4, 6, 16], scale: 0.5, rng: &rng)
        let full = vae.decode(latent).scalars
        for chunk in [1, 2, 3] {
            let tiled = decodeTiled(vae, latent, DecodeTiling(frames: chunk, size: 16, overlap: 4))
            XCTAssertEqual(tiled.count, full.count)
            XCTAssertLessThanOrEqual(toleranceRatio(tiled, full, atol: 1e-4, rtol: 1e-4), 1, "chunk \(chunk)")
        }
    }

    /// Spatial tiles (with their own streams) cover every pixel and stay close to the whole decode
    /// even for an untrained network; the trained-weights seam test is in AutoencoderQualityTests.
    func testSpatialTilesCoverAndStayClose() {
        let vae = VideoAutoencoder(config: .standard, seed: 3)
        var rng = RandomGenerator(seed: 5)
        let latent = Tensor<Float>(randomNormal: [1, 3, 10, 12, 16], scale: 0.5, rng: &rng)
        let full = vae.decode(latent).scalars
        let tiled = decodeTiled(vae, latent, DecodeTiling(frames: 2, size: 8, overlap: 4))
        XCTAssertEqual(tiled.count, full.count)
        var se = 0.0, power = 0.0
        for i in 0..<full.count { se += Double((tiled[i] - full[i]) * (tiled[i] - full[i])); power += Double(full[i] * full[i]) }
        XCTAssertLessThan(se / power, 0.01, "relative squared error of spatial tiling")
    }

    func testTileStartsCoverEverything() {
        for length in [1, 5, 32, 33, 100] {
            let starts = VideoAutoencoder.tileStarts(length: length, size: 32, overlap: 8)
            XCTAssertEqual(starts.first, 0)
            XCTAssertEqual(min(length, starts.last! + 32), length)
            for (a, b) in zip(starts, starts.dropFirst()) { XCTAssertLessThanOrEqual(b - a, 24) }
        }
    }
}
