import XCTest
import TesseraEngine
import TesseraTestSupport
import TesseraTransformer
import TesseraWorld

/// The in-between silhouettes of the object layout (ObjectLayout.swift, models with `object_subframes`).
final class ObjectSubframeLayoutTests: XCTestCase {
    /// A bouncing ball in front of a spinning star, and a square moving away fast.
    static let scene = Scene(background: .meadow, objects: [
        SceneObject(color: .red, shape: .ball, size: .medium, motion: .bounce(.right), placement: .left),
        SceneObject(color: .yellow, shape: .star, size: .large, motion: .spin, placement: .middle),
        SceneObject(color: .blue, shape: .square, size: .small, motion: .up(.fast), placement: .right),
    ])
    static let silhouettes = ObjectLayout.width(presence: true, silhouette: true)
    static let width = ObjectLayout.width(presence: true, silhouette: true, subframes: true)

    func testInBetweenSilhouettesMatchANaiveReference() {
        XCTAssertEqual(Self.width, 63 + 3 * 48)
        for layout in [TokenLayout(frames: 4, rows: 9, columns: 16, latentHeight: 18, latentWidth: 32),
                       TokenLayout(frames: 3, rows: 5, columns: 8, latentHeight: 9, latentWidth: 16)] {   // a padded row
            let f: Tensor<Double> = ObjectLayout.features(scene: Self.scene, layout: layout, patch: (2, 2), presence: true, silhouette: true, subframes: true)
            XCTAssertEqual(f.shape, [1, layout.tokens, Self.width])
            let outlines: Tensor<Double> = ObjectLayout.features(scene: Self.scene, layout: layout, patch: (2, 2), presence: true, silhouette: true)
            // Latent frame k >= 1 stands for video frames 4k-3 ... 4k; sub-frame m is video frame 4k-3+m.
            let references = (0..<3).map { m in
                ObjectSilhouetteLayoutTests.naive(scene: Self.scene, layout: layout, patch: (2, 2), time: { Double(4 * $0 - 3 + m) / 12 })
            }
            var totalError = 0.0, totalCover = 0.0
            let (values, outlineValues) = (f.scalars, outlines.scalars)   // `scalars` copies: read once
            for token in 0..<layout.tokens {
                let row = Array(values[(token * Self.width)..<((token + 1) * Self.width)])
                XCTAssertEqual(Array(row[..<Self.silhouettes]), Array(outlineValues[(token * Self.silhouettes)..<((token + 1) * Self.silhouettes)]),
                               "the features before the in-between ones are unchanged")
                if token < layout.tokensPerFrame {
                    XCTAssertTrue(row[Self.silhouettes...].allSatisfy { $0 == 0 }, "latent frame 0 is one video frame: nothing in between")
                    continue
                }
                for m in 0..<3 {
                    for k in 0..<48 {
                        let (a, b) = (row[Self.silhouettes + m * 48 + k], references[m][token * 48 + k])
                        XCTAssertEqual(a, b, accuracy: 0.45, "token \(token) sub-frame \(m) value \(k)")
                        if b == 0 || b == 1 { XCTAssertEqual(a, b, accuracy: 0.3, "token \(token) sub-frame \(m) value \(k)") }
                        totalError += abs(a - b); totalCover += b
                    }
                    for cell in 0..<16 {
                        XCTAssertLessThanOrEqual((0..<3).map { row[Self.silhouettes + m * 48 + $0 * 16 + cell] }.reduce(0, +), 1 + 1e-12)
                    }
                }
            }
            XCTAssertLessThan(totalError / totalCover, 0.08, "\(layout): mean error per covered cell")
            XCTAssertGreaterThan(totalCover, 10)
        }
    }

    /// A bounce is not a straight line between two latent frames: the in-between outlines follow
    /// the ball down to the floor and back, where the two planned instants alone would put it midway.
    func testABounceIsPlannedBetweenTheLatentFrames() {
        let scene = Scene(background: .studio, objects: [SceneObject(color: .red, shape: .ball, size: .medium, motion: .bounce(.right), placement: .left)])
        let layout = TokenLayout(frames: 13, rows: 18, columns: 32, latentHeight: 36, latentWidth: 64)
        let f: [Double] = (ObjectLayout.features(scene: scene, layout: layout, patch: (2, 2), presence: true, silhouette: true, subframes: true) as Tensor<Double>).scalars
        /// Covered area (frame fractions) and centre height of the outline in block `block` (0: the latent frame's own instant).
        func outline(frame: Int, block: Int) -> (area: Double, y: Double) {
            let cellArea = 1 / Double(layout.latentHeight * 2) * 1 / Double(layout.latentWidth! * 2)
            var area = 0.0, y = 0.0
            for i in 0..<layout.rows { for j in 0..<layout.columns { for a in 0..<4 { for b in 0..<4 {
                let c = f[((frame * layout.rows + i) * layout.columns + j) * Self.width + 15 + block * 48 + a * 4 + b]
                area += c * cellArea
                y += c * cellArea * (Double(i * 2) + (Double(a) + 0.5) / 2) / Double(layout.latentHeight)
            }}}}
            return (area, y / max(area, 1e-12))
        }
        let aspect = 64.0 / 36
        for k in 1..<13 {
            for m in 0..<3 {
                let t = Double(4 * k - 3 + m) / 12
                let truth = Kinematics.pose(of: scene.objects[0], background: .studio, aspect: aspect, at: t)
                let o = outline(frame: k, block: m + 1)
                XCTAssertEqual(o.y, truth.y, accuracy: 0.01, "latent frame \(k), video frame \(4 * k - 3 + m)")
                let box = Kinematics.boxes(of: scene, aspect: aspect, at: t)[0]
                if box.left > 0 && box.right < 1 {   // it leaves on the right near the end
                    XCTAssertEqual(o.area, ShapeGeometry.areaFactor(.ball) * pow(scene.objects[0].height, 2) / aspect, accuracy: 0.05 * o.area,
                                   "the whole ball, video frame \(4 * k - 3 + m)")
                }
            }
        }
        // Latent frame 3 (video frames 9-12, 0.75-1 s): the ball touches the floor at 0.9 s, between
        // the planned instants 0.67 s and 1 s, and is lower at 11/12 s than at either.
        let lowest = outline(frame: 3, block: 3).y, before = outline(frame: 2, block: 0).y, after = outline(frame: 3, block: 0).y
        XCTAssertGreaterThan(lowest, max(before, after) + 0.08)
    }

    func testAddingInBetweenSilhouettesKeepsTheFunctionUntilTrained() {
        let probe = LayoutUpgradeProbe(parts: [\.objectLayout, \.objectPresence, \.objectSilhouette])
        let config = probe.model.config
        let (upgraded, between, plan, before) = probe.addAtZero(\.objectSubframes, features: ObjectLayout.subframeFeatureCount, scene: Self.scene)
        XCTAssertEqual(plan.shape, [1, LayoutUpgradeProbe.layout.tokens, Self.width])
        XCTAssertTrue(plan.scalars.enumerated().contains { $0.offset % Self.width >= 63 && $0.element > 0 }, "the plan has in-between outlines")
        let entry = upgraded.store.entry(named: "layout_embedder.weight")!
        for r in 0..<config.width { for k in 63..<Self.width { upgraded.store.values[entry.offset + r * Self.width + k] = Float(r % 5) / 10 } }
        XCTAssertGreaterThan(zip(probe.output(of: upgraded, plan: plan), before).map { abs($0 - $1) }.max()!, 1e-3)
        // In-between silhouettes build on silhouettes, and the key is written only when on.
        var invalid = between
        invalid.objectSilhouette = false
        XCTAssertNotNil(invalid.validate())
        XCTAssertFalse(config.json.contains("object_subframes"))
        XCTAssertTrue(between.json.contains("\"object_subframes\":true"))
        XCTAssertEqual(try JSONDecoder().decode(DiTConfig.self, from: Data(between.json.utf8)), between)
    }
}
