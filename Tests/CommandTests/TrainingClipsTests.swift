// The autoencoder's training clips: the preview share renders whole frames at the preview's pixel
// count, and a source without it keeps its data order.
import XCTest
import TesseraCommands
import TesseraEngine
import TesseraMedia

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
}
