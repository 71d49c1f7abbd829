import XCTest
import TesseraEngine
import TesseraWorld

/// parse(canonical(scene)) == scene on the caption-level fields, over thousands of random scenes.
final class CaptionRoundTripTests: XCTestCase {
    /// Random scenes over the WHOLE vocabulary, held-out pairs included (the sampler avoids those;
    /// the caption language must not). Several objects always carry placements, as the expander
    /// gives them; a lone object may or may not.
    static func randomScene(_ rng: inout RandomGenerator) -> Scene {
        let count = 1 + rng.int(below: 3)
        let objects = (0..<count).map { _ -> SceneObject in
            SceneObject(color: rng.pick(ObjectColor.allCases), shape: rng.pick(Shape.allCases),
                        size: rng.pick(SizeClass.allCases), motion: rng.pick(Motion.all),
                        placement: count == 1 && rng.uniform() < 0.5 ? nil : rng.pick(Placement.allCases),
                        sizeJitter: rng.uniform(0.9, 1.1), layoutU: rng.uniform(), layoutV: rng.uniform())
        }
        return Scene(background: rng.pick(Background.allCases), objects: objects, seed: rng.next())
    }

    func testCanonicalCaptionRoundTripsOnFiveThousandScenes() throws {
        var rng = RandomGenerator(seed: 2024, stream: 1)
        for _ in 0..<5000 {
            let scene = Self.randomScene(&rng)
            let caption = Captions.detailed(scene)
            let parsed = try PromptParser.parse(caption)
            XCTAssertEqual(parsed.scene, scene.captionFields, caption)
            XCTAssertEqual(parsed.unknownWords, [], caption)
            XCTAssertEqual(parsed.notes, [], caption)
            // Expanding the parsed caption with any seed keeps every caption-level field.
            let expanded = PromptExpander.expand(parsed.scene, seed: rng.next())
            XCTAssertEqual(expanded.captionFields, scene.captionFields, caption)
            XCTAssertEqual(Captions.detailed(expanded), caption)
        }
    }

    func testWorldExamplesParse() throws {
        let a = try PromptParser.parse("A large red ball bounces to the right across a green meadow.").scene
        XCTAssertEqual(a, PartialScene(background: .meadow, objects: [
            PartialObject(color: .red, shape: .ball, size: .large, motion: .bounce(.right))]))
        let b = try PromptParser.parse("A small yellow star spins in place on the left, and a medium blue square moves slowly upward on the right, against a sunset sky.").scene
        XCTAssertEqual(b, PartialScene(background: .sunset, objects: [
            PartialObject(color: .yellow, shape: .star, size: .small, motion: .spin, placement: .left),
            PartialObject(color: .blue, shape: .square, size: .medium, motion: .up(.slow), placement: .right)]))
    }

    func testShortCaptionsRecoverWhatTheySay() throws {
        let sampler = SceneSampler(seed: 7)
        for index in 0..<2000 {
            let sample = sampler.captioned(index: index)
            let parsed = try PromptParser.parse(sample.short)
            XCTAssertEqual(parsed.unknownWords, [], sample.short)
            XCTAssertEqual(parsed.scene.objects.count, sample.scene.objects.count, sample.short)
            for (p, o) in zip(parsed.scene.objects, sample.scene.objects) {
                XCTAssertEqual(p.color, o.color, sample.short)
                XCTAssertEqual(p.shape, o.shape, sample.short)
                XCTAssertEqual(p.motion, o.motion, sample.short)
            }
            if let b = parsed.scene.background { XCTAssertEqual(b, sample.scene.background, sample.short) }
        }
        let parsed = try PromptParser.parse("blue square going up at sunset").scene
        XCTAssertEqual(parsed, PartialScene(background: .sunset, objects: [PartialObject(color: .blue, shape: .square, motion: .up())]))
    }
}
