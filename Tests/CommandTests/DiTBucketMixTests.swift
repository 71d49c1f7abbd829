// The DiT's training mix: `--large-image-share` and `--medium-clip-share` decide which kinds of
// bucket a training step draws; `--single-object-share` how many scenes have one object;
// `--long-clip-share` how many preview-size batches are 4 s clips.
import XCTest
import TesseraCommands
import TesseraEngine
import TesseraWorld

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

    func singleObjectScenes(share: Double?, draws: Int = 600) throws -> (single: Int, rngMoved: Bool) {
        var source = try DiTClipSource(seed: 1, dataDirectory: nil, tokenBudget: 1024, curriculumSteps: 0)
        source.singleObjectShare = share
        var rng = RandomGenerator(seed: 7)
        var single = 0
        for i in 0..<draws where source.worldScene(index: i, curriculum: false, rng: &rng).scene.objects.count == 1 { single += 1 }
        var untouched = RandomGenerator(seed: 7)
        return (single, rng.next() != untouched.next())
    }

    func testSingleObjectShareDecidesHowManyScenesHaveOneObject() throws {
        let world = try singleObjectScenes(share: nil)
        XCTAssertEqual(Double(world.single) / 600, 0.5, accuracy: 0.07, "the world's own mix: one object in half the scenes")
        XCTAssertFalse(world.rngMoved, "without the option, batches draw exactly as before")
        XCTAssertEqual(try singleObjectScenes(share: 1).single, 600)
        XCTAssertEqual(try singleObjectScenes(share: 0).single, 0)
        XCTAssertEqual(Double(try singleObjectScenes(share: 0.8).single) / 600, 0.8, accuracy: 0.06)
        // The curriculum (one object, straight motion) takes precedence.
        var source = try DiTClipSource(seed: 1, dataDirectory: nil, tokenBudget: 1024, curriculumSteps: 0)
        source.singleObjectShare = 0
        var rng = RandomGenerator(seed: 7)
        XCTAssertEqual(source.worldScene(index: 3, curriculum: true, rng: &rng).scene.objects.count, 1)
    }

    func previewFrames(longClipShare: Double?, draws: Int = 3000) throws -> [Int: Int] {
        var source = try DiTClipSource(seed: 1, dataDirectory: nil, tokenBudget: 1024, curriculumSteps: 0)
        source.largeImageShare = 0
        source.mediumClipShare = 0
        source.longClipShare = longClipShare
        var rng = RandomGenerator(seed: 11)
        var counts: [Int: Int] = [:]
        for _ in 0..<draws { counts[source.bucket(&rng).frames, default: 0] += 1 }
        return counts
    }

    func testLongClipShareDecidesHowManyPreviewBatchesAreFourSecondClips() throws {
        let world = try previewFrames(longClipShare: nil)
        XCTAssertEqual(Double(world[DiTClipSource.longClipFrames] ?? 0) / 3000, 0.20, accuracy: 0.025, "default: a fifth of preview batches")
        XCTAssertEqual(Double(world[1] ?? 0) / 3000, 0.20, accuracy: 0.025)
        let long = try previewFrames(longClipShare: 0.6)
        XCTAssertEqual(Double(long[DiTClipSource.longClipFrames] ?? 0) / 3000, 0.6, accuracy: 0.03)
        // The other durations keep their relative weights: images 0.2 / 0.8 of the remaining 0.4.
        XCTAssertEqual(Double(long[1] ?? 0) / 3000, 0.1, accuracy: 0.02)
        XCTAssertEqual(Double(long[9] ?? 0) / 3000, 0.125, accuracy: 0.02)
        XCTAssertEqual(try previewFrames(longClipShare: 1)[DiTClipSource.longClipFrames], 3000)
        XCTAssertNil(try previewFrames(longClipShare: 0)[DiTClipSource.longClipFrames], "no 4 s clips at all")
        var source = try DiTClipSource(seed: 1, dataDirectory: nil, tokenBudget: 1024, curriculumSteps: 0)
        for share in [nil, 0.35] as [Double?] {
            source.longClipShare = share
            XCTAssertEqual(source.durationWeights.map(\.weight).reduce(0, +), 1, accuracy: 1e-12, "the mix sums to 1")
        }
    }
}
