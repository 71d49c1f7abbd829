// The DiT's size-bucket mix: `--large-image-share` and `--medium-clip-share` decide which kinds of
// bucket a training step draws.
import XCTest
import TesseraCommands
import TesseraEngine

final class DiTBucketMixTests: XCTestCase {
    func kinds(large: Double, medium: Double, draws: Int = 2000) throws -> (large: Int, medium: Int, preview: Int) {
        var source = try DiTClipSource(seed: 1, dataDirectory: nil, tokenBudget: 1024, curriculumSteps: 0)
        source.largeImageShare = large
        source.mediumClipShare = medium
        var rng = RandomGenerator(seed: 7)
        var counts = (large: 0, medium: 0, preview: 0)
        for _ in 0..<draws {
            let b = source.bucket(&rng)
            if DiTClipSource.sizes.contains(where: { $0 == (b.width, b.height) }) { counts.preview += 1 }
            else if b.frames == 1 { counts.large += 1 }
            else { counts.medium += 1 }
        }
        return counts
    }

    func testSharesDecideTheBucketKinds() throws {
        let defaults = try kinds(large: DiTClipSource.defaultLargeImageShare, medium: DiTClipSource.defaultMediumClipShare)
        XCTAssertEqual(Double(defaults.large) / 2000, 0.30, accuracy: 0.04)
        XCTAssertEqual(Double(defaults.medium) / 2000, 0.20, accuracy: 0.04)
        let images = try kinds(large: 1, medium: 0)
        XCTAssertEqual(images.large, 2000, "every batch a single image larger than a preview")
        let previews = try kinds(large: 0, medium: 0)
        XCTAssertEqual(previews.preview, 2000)
        let mix = try kinds(large: 0.6, medium: 0.15)
        XCTAssertEqual(Double(mix.large) / 2000, 0.6, accuracy: 0.04)
        XCTAssertEqual(Double(mix.medium) / 2000, 0.15, accuracy: 0.04)
    }
}
