// The autoencoder's training clips: the preview share renders whole frames at the preview's pixel
// count, and a source without it keeps its data order.
import XCTest
import TesseraCommands
import TesseraEngine
import TesseraMedia
import TesseraAutoencoder
import TesseraWorld

final class TrainingClipsTests: XCTestCase {
    private func clips(previewShare: Double?, count: Int) throws -> [Video] {
        let source = previewShare.map {
            try? TrainingClipSource(seed: 5, dataDirectory: nil, pixelBudget: 9 * 96 * 96, multiple: 8, temporalFactor: 4, previewShare: $0)
        } ?? (try? TrainingClipSource(seed: 5, dataDirectory: nil, pixelBudget: 9 * 96 * 96, multiple: 8, temporalFactor: 4))
        var rng = RandomGenerator(seed: 5, stream: 1)
        return (0..<count).map { source!.clip(index: $0, rng: &rng) }
    }

    func testPreviewShareRendersWholePreviewSizedFrames() throws {
        let preview = try clips(previewShare: 1, count: 24)
        for v in preview {
            let pixels = Double(v.width * v.height)
            // Drawn in [0.7, 1.4] x 128x72, then both sides rounded down to multiples of 8.
            XCTAssertGreaterThan(pixels, 0.45 * Double(TrainingClipSource.previewPixels), "\(v.width)x\(v.height)")
            XCTAssertLessThanOrEqual(pixels, 1.4 * Double(TrainingClipSource.previewPixels), "\(v.width)x\(v.height)")
            XCTAssertTrue(v.width % 8 == 0 && v.height % 8 == 0)
            XCTAssertEqual((v.frameCount - 1) % 4, 0)
        }
        XCTAssertTrue(preview.contains { $0.frameCount > 1 } && preview.contains { $0.frameCount == 1 })
        // Without the share, the pixel budget makes most single images larger than a preview frame.
        let plain = try clips(previewShare: nil, count: 24)
        let images = plain.filter { $0.frameCount == 1 }
        XCTAssertGreaterThan(images.filter { Double($0.width * $0.height) > 1.4 * Double(TrainingClipSource.previewPixels) }.count * 2, images.count)
        XCTAssertEqual(try clips(previewShare: 0, count: 24), plain, "share 0 keeps the data order of earlier runs")
    }

    /// Object windows are cut around an object of a full-size render: more of their pixels lie on
    /// outlines than in whole frames of the same scenes at that size (mostly sky and ground).
    func testObjectCropsShowOutlines() throws {
        let source = try TrainingClipSource(seed: 8, dataDirectory: nil, pixelBudget: 9 * 96 * 96, multiple: 8, temporalFactor: 4,
                                            objectCropShare: 1)
        let sampler = SceneSampler(seed: 8)
        var rng = RandomGenerator(seed: 8, stream: 1)
        func edgeShare(_ v: Video) -> Double {
            let w = OutlineWeights.map(Tensor(video: v), strength: 1)
            return w.reduce(0) { $0 + Double($1 - 1) } / Double(w.count)
        }
        var windows = 0.0, frames = 0.0
        for i in 0..<40 {
            let v = source.clip(index: i, rng: &rng)
            XCTAssertTrue(v.width % 8 == 0 && v.height % 8 == 0 && (v.frameCount - 1) % 4 == 0)
            XCTAssertLessThanOrEqual(v.width * v.height * v.frameCount, 9 * 96 * 96)
            windows += edgeShare(v)
            frames += edgeShare(Renderer.render(sampler.sample(index: i), width: 384, height: 384, frames: 1))
        }
        XCTAssertGreaterThan(windows, 1.5 * frames, "object windows \(windows / 40), whole frames \(frames / 40)")
    }
}
