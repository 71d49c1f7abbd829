// Absolute frame positions: the same normalised place gets the same features at every size and
// aspect, padding does not stretch the frame, and adding the zero-initialised layer to a trained
// model leaves its outputs exactly as they were.
import XCTest
import TesseraEngine
import TesseraTestSupport
import TesseraTransformer

final class AbsolutePositionTests: XCTestCase {
    func testCoordinatesAreFractionsOfTheUnpaddedFrame() {
        // A 128x72 preview: latent 16x9, patch 2x2 -> 8 columns, 5 rows (the last row half padding).
        let preview = LatentPatches(latentShape: [1, 1, 9, 16, 4], patch: (2, 2)).layout
        let c = AbsolutePosition.coordinates(layout: preview, patch: (2, 2))
        XCTAssertEqual(c.count, 40)
        XCTAssertEqual(c[0].x, 1.0 / 16, accuracy: 1e-12)
        XCTAssertEqual(c[7].x, 15.0 / 16, accuracy: 1e-12)   // columns symmetric about the centre
        XCTAssertEqual(c[0].y, 1.0 / 9, accuracy: 1e-12)
        XCTAssertEqual(c[39].y, 9.0 / 9, accuracy: 1e-12)   // centre of the padded row lies on the bottom edge
        // A 9:16 frame padded on the right: latent 16 high, 9 wide -> 5 columns.
        let tall = LatentPatches(latentShape: [1, 1, 16, 9, 4], patch: (2, 2)).layout
        let t = AbsolutePosition.coordinates(layout: tall, patch: (2, 2))
        XCTAssertEqual(t[4].x, 9.0 / 9, accuracy: 1e-12)
        XCTAssertEqual(t[0].x, 1.0 / 9, accuracy: 1e-12)
    }

    func testSamePlaceSameFeaturesAtEverySize() {
        let n = AbsolutePosition.featureCount
        let small: Tensor<Double> = AbsolutePosition.features(layout: TokenLayout(frames: 2, rows: 1, columns: 2, latentHeight: 2), patch: (2, 2))
        let large: Tensor<Double> = AbsolutePosition.features(layout: TokenLayout(frames: 1, rows: 3, columns: 6, latentHeight: 6), patch: (2, 2))
        XCTAssertEqual(small.shape, [1, 4, n])
        let s = small.scalars, l = large.scalars
        // Frame-independent: frame 1 repeats frame 0.
        XCTAssertEqual(Array(s[0..<(2 * n)]), Array(s[(2 * n)..<(4 * n)]))
        // Column 0 of 2 and column 1 of 6 are both centred at x = 1/4; row 0 of 1 and row 1 of 3 at y = 1/2.
        XCTAssertEqual(Array(s[0..<n]), Array(l[((1 * 6) + 1) * n..<((1 * 6) + 2) * n]))
        // The features are the documented formula: x - 1/2, then sin and cos of pi f x.
        XCTAssertEqual(s[0], 0.25 - 0.5, accuracy: 1e-12)
        for (k, f) in AbsolutePosition.frequencies.enumerated() {
            XCTAssertEqual(s[1 + 2 * k], Double.sin(Double.pi * f * 0.25), accuracy: 1e-12)
            XCTAssertEqual(s[2 + 2 * k], Double.cos(Double.pi * f * 0.25), accuracy: 1e-12)
        }
        // Mirrored columns: opposite x - 1/2.
        XCTAssertEqual(s[0], -s[n], accuracy: 1e-12)
    }

    func testUpgradedModelComputesTheSameFunction() {
        assertUpgradeKeepsTheFunctionUntilTrained(adding: \.absolutePosition, layer: "pos_embedder", features: AbsolutePosition.featureCount)
    }

    /// A trained-looking model upgraded with `part` (a zero-initialised linear `layer` of `features`
    /// inputs) has that layer's parameters more and computes exactly the same function; once the
    /// layer is non-zero the output changes.
    func assertUpgradeKeepsTheFunctionUntilTrained(adding part: WritableKeyPath<DiTConfig, Bool>, layer: String, features: Int,
                                                   base: (inout DiTConfig) -> Void = { _ in }, frames: Int = 2, contextFrames: Int = 0,
                                                   file: StaticString = #filePath, line: UInt = #line) {
        var config = DiTConfig.tiny
        config.vocabularySize = 11
        base(&config)
        let model = DiffusionTransformer<Float>(config: config, seed: 7)
        offsetAsIfTrained(model.store)
        var upgradedConfig = config
        upgradedConfig[keyPath: part] = true
        let upgraded = model.upgraded(to: upgradedConfig)
        XCTAssertEqual(upgraded.parameterCount, model.parameterCount + (features + 1) * config.width, file: file, line: line)
        let layout = TokenLayout(frames: frames, rows: 2, columns: 3, latentHeight: 3, latentWidth: 5)
        let x = Tensor<Float>(shape: [2, layout.tokens, config.tokenWidth], values: randomValues(2 * layout.tokens * config.tokenWidth, seed: 4).map { Float($0) })
        let ids = [[3, 5, 1, 0, 0, 0, 0, 0], [2, 0, 0, 0, 0, 0, 0, 0]]
        let before = model.forward(x, layout: layout, t: [0.3, 0.8], text: ids, contextFrames: contextFrames).scalars
        XCTAssertEqual(upgraded.forward(x, layout: layout, t: [0.3, 0.8], text: ids, contextFrames: contextFrames).scalars, before, file: file, line: line)
        // Once the new layer is trained (non-zero), the output changes.
        let entry = upgraded.store.entry(named: layer + ".weight")!
        for i in 0..<entry.count { upgraded.store.values[entry.offset + i] = Float(i % 5) / 10 }
        XCTAssertNotEqual(upgraded.forward(x, layout: layout, t: [0.3, 0.8], text: ids, contextFrames: contextFrames).scalars, before,
                          file: file, line: line)
    }

    func testConfigWithoutTheKeyDecodesAsOff() throws {
        var config = DiTConfig.compact
        config.vocabularySize = 50
        XCTAssertFalse(config.json.contains("absolute_position"))   // old files keep their exact config text
        let decoded = try JSONDecoder().decode(DiTConfig.self, from: Data(config.json.utf8))
        XCTAssertEqual(decoded, config)
        XCTAssertFalse(decoded.absolutePosition)
        config.absolutePosition = true
        XCTAssertTrue(config.json.contains("\"absolute_position\":true"))
        XCTAssertEqual(try JSONDecoder().decode(DiTConfig.self, from: Data(config.json.utf8)), config)
    }

    func testTimeFeaturesAreTheFrameTimeAtEverySize() {
        let n = AbsolutePosition.timeFeatureCount
        XCTAssertEqual(n, 9)
        let preview: Tensor<Double> = AbsolutePosition.timeFeatures(layout: TokenLayout(frames: 13, rows: 5, columns: 8, latentHeight: 9))
        let full: Tensor<Double> = AbsolutePosition.timeFeatures(layout: TokenLayout(frames: 13, rows: 18, columns: 32, latentHeight: 36))
        XCTAssertEqual(preview.shape, [1, 13 * 40, n])
        let p = preview.scalars, f = full.scalars
        for frame in [0, 1, 6, 12] {
            let s = Double(frame) / 3 / 4   // latent frame k at k/3 s; 4 s is s = 1
            let expected = [s] + AbsolutePosition.timeFrequencies.flatMap { [Double.sin(Double.pi * $0 * s), Double.cos(Double.pi * $0 * s)] }
            for token in [0, 17, 39] {   // every token of a frame, at both sizes
                for k in 0..<n { XCTAssertEqual(p[((frame * 40) + token) * n + k], expected[k], accuracy: 1e-12) }
            }
            XCTAssertEqual(Array(f[((frame * 576) + 300) * n..<((frame * 576) + 301) * n]), Array(p[(frame * 40) * n..<(frame * 40 + 1) * n]))
        }
        // An image is a clip's first frame.
        let image: Tensor<Double> = AbsolutePosition.timeFeatures(layout: TokenLayout(frames: 1, rows: 3, columns: 3, latentHeight: 6))
        XCTAssertEqual(Array(image.scalars[0..<n]), Array(p[0..<n]))
    }

    func testAddingAbsoluteTimeKeepsTheFunctionUntilTrained() throws {
        assertUpgradeKeepsTheFunctionUntilTrained(adding: \.absoluteTime, layer: "time_embedder", features: AbsolutePosition.timeFeatureCount,
                                                  base: { $0.absolutePosition = true; $0.frameContext = true }, frames: 3, contextFrames: 1)
        var config = DiTConfig.tiny
        config.vocabularySize = 11
        config.absolutePosition = true
        config.frameContext = true
        var timed = config
        timed.absoluteTime = true
        // The key is written only when on, so older files keep their exact config text.
        XCTAssertFalse(config.json.contains("absolute_time"))
        XCTAssertTrue(timed.json.contains("\"absolute_time\":true"))
        XCTAssertEqual(try JSONDecoder().decode(DiTConfig.self, from: Data(timed.json.utf8)), timed)
        XCTAssertFalse(try JSONDecoder().decode(DiTConfig.self, from: Data(config.json.utf8)).absoluteTime)
    }
}
