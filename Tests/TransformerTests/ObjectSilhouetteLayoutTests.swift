import XCTest
import TesseraEngine
import TesseraTestSupport
import TesseraTransformer
import TesseraWorld

/// The silhouette features of the object layout (ObjectLayout.swift, models with `object_silhouette`).
final class ObjectSilhouetteLayoutTests: XCTestCase {
    /// Two overlapping objects: a spinning star in front of a growing ring, and a ball moving away.
    static let scene = Scene(background: .studio, objects: [
        SceneObject(color: .yellow, shape: .star, size: .large, motion: .spin, placement: .middle),
        SceneObject(color: .blue, shape: .ring, size: .large, motion: .grow, placement: .middle),
        SceneObject(color: .red, shape: .ball, size: .small, motion: .right(.fast), placement: .right),
    ])
    static let presence = ObjectLayout.width(presence: true)

    /// The naive reference: every cell of every token, every object front to back, no culling; a
    /// cell's coverage by counting an 8x8 grid of points inside the outline.
    /// `time(k)` is the instant drawn on latent frame k (default: its own, 4k/12 s).
    static func naive(scene: Scene, layout: TokenLayout, patch: (h: Int, w: Int), time: (Int) -> Double = { Double($0) * 4 / 12 }) -> [Double] {
        let g = 4, n = ObjectLayout.silhouetteFeatureCount
        let height = Double(layout.latentHeight), width = Double(layout.latentWidth ?? layout.columns * patch.w)
        var out = [Double](repeating: 0, count: layout.tokens * n)
        for f in 0..<layout.frames {
            let outlines = scene.objects.map { Kinematics.silhouette(of: $0, background: scene.background, aspect: width / height, at: time(f)) }
            for i in 0..<layout.rows { for j in 0..<layout.columns { for a in 0..<g { for b in 0..<g {
                var remaining = 1.0
                for (s, o) in outlines.enumerated() {
                    var inside = 0
                    for u in 0..<8 { for v in 0..<8 {
                        let y = (Double(i * patch.h) + (Double(a) + (Double(u) + 0.5) / 8) * Double(patch.h) / 4) / height
                        let x = (Double(j * patch.w) + (Double(b) + (Double(v) + 0.5) / 8) * Double(patch.w) / 4) / width
                        if x < 1, y < 1, o.coverage(x: x, y: y, cell: 1e-9) > 0.5 { inside += 1 }
                    }}
                    let cover = Double(inside) / 64
                    out[((f * layout.rows + i) * layout.columns + j) * n + s * 16 + a * 4 + b] = cover * remaining
                    remaining *= 1 - cover
                }
            }}}}
        }
        return out
    }

    func testSilhouettesMatchANaiveReference() {
        for layout in [TokenLayout(frames: 4, rows: 9, columns: 16, latentHeight: 18, latentWidth: 32),
                       TokenLayout(frames: 3, rows: 5, columns: 8, latentHeight: 9, latentWidth: 16),   // a padded row
                       TokenLayout(frames: 2, rows: 8, columns: 6, latentHeight: 16, latentWidth: 12)] {
            let f: Tensor<Double> = ObjectLayout.features(scene: Self.scene, layout: layout, patch: (2, 2), presence: true, silhouette: true)
            let n = ObjectLayout.width(presence: true, silhouette: true)
            XCTAssertEqual(n, 15 + 48)
            XCTAssertEqual(f.shape, [1, layout.tokens, n])
            let plain: Tensor<Double> = ObjectLayout.features(scene: Self.scene, layout: layout, patch: (2, 2), presence: true)
            let reference = Self.naive(scene: Self.scene, layout: layout, patch: (2, 2))
            var totalError = 0.0, totalCover = 0.0
            for token in 0..<layout.tokens {
                let row = Array(f.scalars[(token * n)..<((token + 1) * n)])
                XCTAssertEqual(Array(row[..<Self.presence]), Array(plain.scalars[(token * Self.presence)..<((token + 1) * Self.presence)]))
                for k in 0..<48 {
                    let (a, b) = (row[Self.presence + k], reference[token * 48 + k])
                    // Anti-aliased coverage against counted points: equal inside and outside, close on the outline.
                    XCTAssertEqual(a, b, accuracy: 0.45, "token \(token) value \(k)")
                    if b == 0 || b == 1 { XCTAssertEqual(a, b, accuracy: 0.3, "token \(token) value \(k)") }
                    totalError += abs(a - b); totalCover += b
                }
                // A cell is covered once in all: the front object hides what is behind it.
                for cell in 0..<16 {
                    XCTAssertLessThanOrEqual((0..<3).map { row[Self.presence + $0 * 16 + cell] }.reduce(0, +), 1 + 1e-12)
                }
            }
            XCTAssertLessThan(totalError / totalCover, 0.08, "\(layout): mean error per covered cell")
            XCTAssertGreaterThan(totalCover, 10)
        }
    }

    /// Objects that leave the frame on each side (fast, from the third they move towards): their
    /// outlines are in the plan while they are in frame and gone, with no box near any token, after.
    func testObjectsThatLeaveTheFrameOnEverySide() {
        let motions: [(Motion, Placement)] = [(.left(.fast), .left), (.right(.fast), .right), (.up(.fast), .middle), (.down(.fast), .middle)]
        for (motion, placement) in motions {
            let scene = Scene(background: .studio, objects: [SceneObject(color: .red, shape: .square, size: .large, motion: motion, placement: placement)])
            for layout in [TokenLayout(frames: 13, rows: 5, columns: 8, latentHeight: 9, latentWidth: 16),
                           TokenLayout(frames: 13, rows: 8, columns: 5, latentHeight: 16, latentWidth: 9)] {
                let f: Tensor<Double> = ObjectLayout.features(scene: scene, layout: layout, patch: (2, 2), presence: true, silhouette: true)
                let n = ObjectLayout.width(presence: true, silhouette: true)
                func covered(_ frame: Int) -> Double {
                    var total = 0.0
                    for t in (frame * layout.tokensPerFrame)..<((frame + 1) * layout.tokensPerFrame) {
                        for k in 0..<16 { total += f.scalars[t * n + Self.presence + k] }
                    }
                    return total
                }
                XCTAssertGreaterThan(covered(0), 10, "\(motion): in frame at first")
                let box = Kinematics.boxes(of: scene, aspect: Double(layout.latentWidth!) / Double(layout.latentHeight), at: 4)[0]
                XCTAssertTrue(box.right < 0 || box.left > 1 || box.bottom < 0 || box.top > 1, "\(motion): gone by 4 s (\(box))")
                XCTAssertEqual(covered(12), 0, "\(motion): no outline once it has left")
            }
        }
    }

    /// The plan is the same outline in a preview and a full render: its covered area and centre agree.
    func testAPreviewAndAFullRenderGetTheSameOutline() {
        func summary(_ layout: TokenLayout, frame: Int, slot: Int) -> (area: Double, x: Double, y: Double) {
            let f: Tensor<Double> = ObjectLayout.features(scene: Self.scene, layout: layout, patch: (2, 2), presence: true, silhouette: true)
            let n = ObjectLayout.width(presence: true, silhouette: true)
            let cellArea = 1 / Double(layout.latentHeight * 2) * 1 / Double(layout.latentWidth! * 2)
            var area = 0.0, x = 0.0, y = 0.0
            for i in 0..<layout.rows { for j in 0..<layout.columns { for a in 0..<4 { for b in 0..<4 {
                let c = f.scalars[((frame * layout.rows + i) * layout.columns + j) * n + Self.presence + slot * 16 + a * 4 + b]
                area += c * cellArea
                x += c * cellArea * (Double(j * 2) + (Double(b) + 0.5) / 2) / Double(layout.latentWidth!)
                y += c * cellArea * (Double(i * 2) + (Double(a) + 0.5) / 2) / Double(layout.latentHeight)
            }}}}
            return (area, x / area, y / area)
        }
        let preview = TokenLayout(frames: 4, rows: 5, columns: 8, latentHeight: 9, latentWidth: 16)
        let full = TokenLayout(frames: 4, rows: 18, columns: 32, latentHeight: 36, latentWidth: 64)
        for frame in 0..<4 {
            // The small ball is a few preview cells across: compare the large star, which nothing hides.
            let a = summary(preview, frame: frame, slot: 0), b = summary(full, frame: frame, slot: 0)
            let truth = ShapeGeometry.areaFactor(.star) * pow(Self.scene.objects[0].height, 2) * 9 / 16   // frame fractions
            XCTAssertEqual(b.area, truth, accuracy: 0.05 * truth, "full frame \(frame)")
            XCTAssertEqual(a.area, truth, accuracy: 0.15 * truth, "preview frame \(frame)")
            XCTAssertEqual(a.x, b.x, accuracy: 0.02); XCTAssertEqual(a.y, b.y, accuracy: 0.03)
        }
    }

    func testAddingSilhouettesKeepsTheFunctionUntilTrained() {
        let probe = LayoutUpgradeProbe(parts: [\.objectLayout, \.objectPresence])
        let config = probe.model.config
        let (upgraded, outlined, plan, before) = probe.addAtZero(\.objectSilhouette, features: ObjectLayout.silhouetteFeatureCount, scene: Self.scene)
        XCTAssertEqual(plan.shape, [1, LayoutUpgradeProbe.layout.tokens, 63])
        XCTAssertTrue(plan.scalars.enumerated().contains { $0.offset % 63 >= 15 && $0.element > 0 }, "the plan has outlines")
        let entry = upgraded.store.entry(named: "layout_embedder.weight")!
        // The silhouette columns, differently per output (a constant over outputs is what layer norm removes).
        for r in 0..<config.width { for k in 15..<63 { upgraded.store.values[entry.offset + r * 63 + k] = Float(r % 5) / 10 } }
        XCTAssertGreaterThan(zip(probe.output(of: upgraded, plan: plan), before).map { abs($0 - $1) }.max()!, 1e-3)
        // Silhouettes build on presence, and the key is written only when on.
        var invalid = config
        invalid.objectPresence = false
        invalid.objectSilhouette = true
        XCTAssertNotNil(invalid.validate())
        XCTAssertFalse(config.json.contains("object_silhouette"))
        XCTAssertTrue(outlined.json.contains("\"object_silhouette\":true"))
        XCTAssertEqual(try JSONDecoder().decode(DiTConfig.self, from: Data(outlined.json.utf8)), outlined)
    }
}
