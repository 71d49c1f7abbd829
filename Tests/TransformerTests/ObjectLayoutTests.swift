import XCTest
import TesseraEngine
import TesseraTestSupport
import TesseraTransformer
import TesseraWorld

final class ObjectLayoutTests: XCTestCase {
    static let scene = Scene(background: .studio, objects: [
        SceneObject(color: .red, shape: .ball, size: .medium, motion: .left(.fast), placement: .right),
        SceneObject(color: .blue, shape: .triangle, size: .large, motion: .grow, placement: .left),
    ])

    /// The naive reference: coverage by counting a 64x64 grid of points in each token, the offsets by
    /// their formula, box by box.
    func naive(scene: Scene, layout: TokenLayout, patch: (h: Int, w: Int)) -> [Double] {
        let n = ObjectLayout.featureCount, height = Double(layout.latentHeight), width = Double(layout.latentWidth ?? layout.columns * patch.w)
        var out = [Double](repeating: 0, count: layout.tokens * n)
        for f in 0..<layout.frames {
            let boxes = Kinematics.boxes(of: scene, aspect: width / height, at: Double(f) * 4 / 12)
            for i in 0..<layout.rows {
                for j in 0..<layout.columns {
                    for (s, box) in boxes.enumerated() {
                        var inside = 0
                        for a in 0..<64 {
                            for b in 0..<64 {
                                let y = (Double(i * patch.h) + (Double(a) + 0.5) / 64 * Double(patch.h)) / height
                                let x = (Double(j * patch.w) + (Double(b) + 0.5) / 64 * Double(patch.w)) / width
                                if x >= box.left && x <= box.right && y >= box.top && y <= box.bottom && x <= 1 && y <= 1 { inside += 1 }
                            }
                        }
                        let c = Double(inside) / 4096
                        let cx = (Double(j) + 0.5) * Double(patch.w) / width, cy = (Double(i) + 0.5) * Double(patch.h) / height
                        let dx = max(-1, min(1, (cx - box.centerX) / ((box.right - box.left) / 2)))
                        let dy = max(-1, min(1, (cy - box.centerY) / ((box.bottom - box.top) / 2)))
                        let k = ((f * layout.rows + i) * layout.columns + j) * n + s * 3
                        out[k] = c; out[k + 1] = c * dx; out[k + 2] = c * dy
                    }
                }
            }
        }
        return out
    }

    func testFeaturesMatchANaiveReference() {
        // A 128x72 preview of 3 latent frames (one padded row) and a square grid.
        for (layout, aspectName) in [(TokenLayout(frames: 3, rows: 5, columns: 8, latentHeight: 9, latentWidth: 16), "16:9"),
                                     (TokenLayout(frames: 2, rows: 6, columns: 6, latentHeight: 12, latentWidth: 12), "1:1")] {
            let features: Tensor<Double> = ObjectLayout.features(scene: Self.scene, layout: layout, patch: (2, 2))
            XCTAssertEqual(features.shape, [1, layout.tokens, 9])
            let reference = naive(scene: Self.scene, layout: layout, patch: (2, 2))
            for (k, (a, b)) in zip(features.scalars, reference).enumerated() {
                XCTAssertEqual(a, b, accuracy: 0.02, "\(aspectName): value \(k)")
            }
            // Both objects show up, and the third slot (no third object) is empty.
            XCTAssertGreaterThan(stride(from: 0, to: features.count, by: 9).map { features.scalars[$0] }.reduce(0, +), 0)
            XCTAssertGreaterThan(stride(from: 3, to: features.count, by: 9).map { features.scalars[$0] }.reduce(0, +), 0)
            XCTAssertTrue(stride(from: 6, to: features.count, by: 9).allSatisfy { features.scalars[$0] == 0 && features.scalars[$0 + 1] == 0 })
        }
    }

    func testAPreviewAndAFullRenderGetTheSamePlan() {
        // The in-frame box area a grid's coverage adds up to, and its coverage-weighted centre, agree
        // between the 128x72 preview and the 512x288 render of one scene (the full grid is 4x finer).
        let preview: Tensor<Double> = ObjectLayout.features(scene: Self.scene, layout: TokenLayout(frames: 4, rows: 5, columns: 8, latentHeight: 9, latentWidth: 16), patch: (2, 2))
        let full: Tensor<Double> = ObjectLayout.features(scene: Self.scene, layout: TokenLayout(frames: 4, rows: 18, columns: 32, latentHeight: 36, latentWidth: 64), patch: (2, 2))
        func summary(_ f: Tensor<Double>, rows: Int, columns: Int, latentHeight: Double, frame: Int, slot: Int) -> (area: Double, x: Double, y: Double) {
            var area = 0.0, x = 0.0, y = 0.0
            let tokenArea = 2 / latentHeight * 2 / (latentHeight * 16 / 9)
            for i in 0..<rows { for j in 0..<columns {
                let c = f.scalars[((frame * rows + i) * columns + j) * 9 + slot * 3]
                area += c * tokenArea
                x += c * (Double(j) + 0.5) / Double(columns); y += c * (Double(i) + 0.5) * 2 / latentHeight
            }}
            return (area, x / max(1e-12, area / tokenArea), y / max(1e-12, area / tokenArea))
        }
        for frame in 0..<4 {
            for slot in 0..<2 {
                let a = summary(preview, rows: 5, columns: 8, latentHeight: 9, frame: frame, slot: slot)
                let b = summary(full, rows: 18, columns: 32, latentHeight: 36, frame: frame, slot: slot)
                let box = Kinematics.boxes(of: Self.scene, aspect: 16.0 / 9, at: Double(frame) / 3)[slot]
                let inFrame = max(0, min(1, box.right) - max(0, box.left)) * max(0, min(1, box.bottom) - max(0, box.top))
                XCTAssertEqual(a.area, inFrame, accuracy: 1e-9, "preview frame \(frame) slot \(slot)")
                XCTAssertEqual(b.area, inFrame, accuracy: 1e-9, "full frame \(frame) slot \(slot)")
                XCTAssertEqual(a.x, b.x, accuracy: 0.12); XCTAssertEqual(a.y, b.y, accuracy: 0.12)
            }
        }
        // The ball moves left: its plan's centre moves left from frame to frame.
        let xs = (0..<4).map { summary(full, rows: 18, columns: 32, latentHeight: 36, frame: $0, slot: 0).x }
        XCTAssertEqual(xs, xs.sorted(by: >))
    }

    /// Presence: every object of the scene, on every token of a frame, with its box's in-frame share;
    /// an object that has left the frame keeps `exists` and has no box features.
    func testPresenceMarksObjectsThatLeftTheFrame() {
        let scene = Scene(background: .studio, objects: [SceneObject(color: .red, shape: .ball, size: .medium, motion: .left(.fast), placement: .left)])
        let layout = TokenLayout(frames: 13, rows: 5, columns: 8, latentHeight: 9, latentWidth: 16)
        let f: Tensor<Double> = ObjectLayout.features(scene: scene, layout: layout, patch: (2, 2), presence: true)
        let n = ObjectLayout.width(presence: true)
        XCTAssertEqual(n, 15)
        XCTAssertEqual(f.shape, [1, layout.tokens, n])
        let plain: Tensor<Double> = ObjectLayout.features(scene: scene, layout: layout, patch: (2, 2))
        var visible: [Double] = []
        for frame in 0..<13 {
            let box = Kinematics.boxes(of: scene, aspect: 16.0 / 9, at: Double(frame) / 3)[0]
            let share = max(0, min(1, box.right) - max(0, box.left)) * max(0, min(1, box.bottom) - max(0, box.top))
                / ((box.right - box.left) * (box.bottom - box.top))
            for token in (frame * 40)..<((frame + 1) * 40) {
                let row = Array(f.scalars[(token * n)..<((token + 1) * n)])
                XCTAssertEqual(Array(row[0..<9]), Array(plain.scalars[(token * 9)..<((token + 1) * 9)]), "box features as without presence")
                XCTAssertEqual(row[9], 1); XCTAssertEqual(row[10], share, accuracy: 1e-12)
                XCTAssertEqual(Array(row[11...]), [0, 0, 0, 0], "no second or third object")
            }
            visible.append(share)
        }
        XCTAssertEqual(visible.first, 1)
        XCTAssertEqual(visible.last, 0, "a fast ball from the left third leaves the frame within 4 s")
        let gone = visible.firstIndex(of: 0)!
        XCTAssertTrue(stride(from: 0, to: 9 * 40, by: 1).allSatisfy { plain.scalars[gone * 40 * 9 + $0] == 0 }, "no box features once it has left")
        XCTAssertTrue((ObjectLayout.features(scene: nil, layout: layout, patch: (2, 2), presence: true) as Tensor<Double>).scalars.allSatisfy { $0 == 0 })
    }

    func testAddingPresenceKeepsTheFunctionUntilTrained() {
        let probe = LayoutUpgradeProbe(parts: [\.objectLayout])
        let config = probe.model.config
        let (upgraded, _, withPresence, before) = probe.addAtZero(\.objectPresence, features: ObjectLayout.presenceFeatureCount, scene: Self.scene)
        XCTAssertEqual(withPresence.shape, [1, LayoutUpgradeProbe.layout.tokens, 15])
        let entry = upgraded.store.entry(named: "layout_embedder.weight")!
        upgraded.store.values[entry.offset + 12] = 0.5   // a presence column of the first row
        XCTAssertNotEqual(probe.output(of: upgraded, plan: withPresence), before)
        var invalid = config
        invalid.objectLayout = false
        invalid.objectPresence = true
        XCTAssertNotNil(invalid.validate())
    }

    func testNoSceneIsNoPlan() {
        let layout = TokenLayout(frames: 2, rows: 2, columns: 3, latentHeight: 3, latentWidth: 5)
        let none: Tensor<Float> = ObjectLayout.features(scene: nil, layout: layout, patch: (2, 2))
        XCTAssertEqual(none.shape, [1, 12, 9])
        XCTAssertTrue(none.scalars.allSatisfy { $0 == 0 })
        let stacked: Tensor<Float> = ObjectLayout.features(scenes: [nil, Self.scene], layout: layout, patch: (2, 2))
        XCTAssertEqual(stacked.shape, [2, 12, 9])
        XCTAssertTrue(stacked.scalars[..<(12 * 9)].allSatisfy { $0 == 0 })
        XCTAssertEqual(Array(stacked.scalars[(12 * 9)...]), (ObjectLayout.features(scene: Self.scene, layout: layout, patch: (2, 2)) as Tensor<Float>).scalars)
    }

    func testAddingTheLayoutKeepsTheFunctionUntilTrained() throws {
        var config = DiTConfig.tiny
        config.vocabularySize = 11
        config.frameContext = true
        let model = DiffusionTransformer<Float>(config: config, seed: 7)
        offsetAsIfTrained(model.store)
        var planned = config
        planned.objectLayout = true
        let upgraded = model.upgraded(to: planned)
        XCTAssertEqual(upgraded.parameterCount, model.parameterCount + (ObjectLayout.featureCount + 1) * config.width)
        let layout = TokenLayout(frames: 3, rows: 2, columns: 3, latentHeight: 3, latentWidth: 5)
        let x = Tensor<Float>(shape: [2, layout.tokens, config.tokenWidth], values: randomValues(2 * layout.tokens * config.tokenWidth, seed: 4).map { Float($0) })
        let ids = [[3, 5, 1, 0, 0, 0, 0, 0], [2, 0, 0, 0, 0, 0, 0, 0]]
        let plan: Tensor<Float> = ObjectLayout.features(scenes: [Self.scene, Self.scene], layout: layout, patch: (2, 2))
        let before = model.forward(x, layout: layout, t: [0.3, 0.8], text: ids, contextFrames: 1).scalars
        // The same function; the added zero product may be summed in another order (BLAS kernels differ by CPU), so to rounding.
        for (a, b) in zip(upgraded.forward(x, layout: layout, t: [0.3, 0.8], text: ids, contextFrames: 1, objects: plan).scalars, before) {
            XCTAssertEqual(a, b, accuracy: 1e-5)
        }
        let entry = upgraded.store.entry(named: "layout_embedder.weight")!, bias = upgraded.store.entry(named: "layout_embedder.bias")!
        for i in 0..<entry.count { upgraded.store.values[entry.offset + i] = Float(i % 5) / 10 }
        for i in 0..<bias.count { upgraded.store.values[bias.offset + i] = Float(i % 3) / 10 }
        let trained = upgraded.forward(x, layout: layout, t: [0.3, 0.8], text: ids, contextFrames: 1, objects: plan).scalars
        XCTAssertNotEqual(trained, before)
        // No plan is the same as an all-zero plan, and one plan shared by the batch is the same as it repeated.
        XCTAssertEqual(upgraded.forward(x, layout: layout, t: [0.3, 0.8], text: ids, contextFrames: 1).scalars,
                       upgraded.forward(x, layout: layout, t: [0.3, 0.8], text: ids, contextFrames: 1,
                                        objects: ObjectLayout.features(scenes: [nil, nil], layout: layout, patch: (2, 2))).scalars)
        let shared = upgraded.forward(x, layout: layout, t: [0.3, 0.8], text: ids, contextFrames: 1,
                                      objects: ObjectLayout.features(scene: Self.scene, layout: layout, patch: (2, 2))).scalars
        XCTAssertLessThanOrEqual(toleranceRatio(shared, trained, atol: 1e-5, rtol: 0), 1, "to rounding: one product or two, summed by BLAS")
        // The key is written only when on, so older files keep their exact config text.
        XCTAssertFalse(config.json.contains("object_layout"))
        XCTAssertTrue(planned.json.contains("\"object_layout\":true"))
        XCTAssertEqual(try JSONDecoder().decode(DiTConfig.self, from: Data(planned.json.utf8)), planned)
    }
}
