import XCTest
import TesseraTestSupport
import Foundation
import TesseraWorld
import TesseraMedia

final class SceneSamplerTests: XCTestCase {
    func testNeverHeldOutAndCoversTheVocabulary() {
        let sampler = SceneSampler(seed: 2026)
        var colors = Set<ObjectColor>(), shapes = Set<Shape>(), sizes = Set<SizeClass>(), motions = Set<Motion>()
        var backgrounds = Set<Background>(), counts = Set<Int>(), pairs = Set<String>()
        for i in 0..<6000 {
            let scene = sampler.sample(index: i)
            XCTAssertFalse(scene.isHeldOut, Captions.detailed(scene))
            counts.insert(scene.objects.count)
            backgrounds.insert(scene.background)
            for o in scene.objects {
                XCTAssertFalse(HeldOut.isHeldOut(o.color, o.shape))
                XCTAssertFalse(HeldOut.isHeldOut(o.color, o.motion.kind))
                XCTAssertFalse(HeldOut.isHeldOut(scene.background, o.motion.kind))
                XCTAssertFalse(o.motion.kind == .spin && !o.shape.canSpin)
                colors.insert(o.color); shapes.insert(o.shape); sizes.insert(o.size); motions.insert(o.motion)
                pairs.insert("\(o.color.rawValue) \(o.shape.rawValue)")
            }
        }
        XCTAssertEqual(colors.count, ObjectColor.allCases.count)
        XCTAssertEqual(shapes.count, Shape.allCases.count)
        XCTAssertEqual(sizes.count, SizeClass.allCases.count)
        XCTAssertEqual(motions, Set(Motion.all))
        XCTAssertEqual(backgrounds.count, Background.allCases.count)
        XCTAssertEqual(counts, [1, 2, 3])
        XCTAssertEqual(pairs.count, ObjectColor.allCases.count * Shape.allCases.count - HeldOut.colorShape.count)
    }

    func testScenesAreDeterministicPerIndexAndCaptioned() {
        let a = SceneSampler(seed: 5), b = SceneSampler(seed: 5)
        for i in [0, 17, 123_456] {
            XCTAssertEqual(a.sample(index: i), b.sample(index: i))
            let c = a.captioned(index: i)
            XCTAssertEqual(try PromptParser.parse(c.detailed).scene, c.scene.captionFields)
            XCTAssertFalse(c.short.isEmpty)
        }
        XCTAssertNotEqual(a.sample(index: 1), a.sample(index: 2))
        XCTAssertNotEqual(SceneSampler(seed: 6).sample(index: 1), a.sample(index: 1))
    }

    func testObjectsStayInFrameForTwoAndAHalfSeconds() {
        // Wherever the frame leaves room for the whole path, a lone object is fully inside for
        // t <= 2.5 s at every aspect ratio; where it does not, it at least starts fully inside.
        let sampler = SceneSampler(seed: 8)
        var checked = 0, roomy = 0
        for i in 0..<3000 {
            let scene = sampler.sample(index: i)
            guard scene.objects.count == 1, let o = scene.objects.first, o.motion.kind != .bounce else { continue }
            for aspect in [16.0 / 9, 1, 9.0 / 16] {
                let grown = max(1, Kinematics.scale(o.motion.kind, at: 2.5))
                let e = ShapeGeometry.extents(o.shape)
                let spinReach = ShapeGeometry.circumradius(o.shape)
                let width = 2 * (o.motion.kind == .spin ? spinReach : e.halfWidth) * o.height * grown / aspect
                let height = (o.motion.kind == .spin ? 2 * spinReach : e.top + e.bottom) * o.height * grown
                let (vx, vy) = Kinematics.velocity(o.motion)
                let fits = width + abs(vx) * 2.5 <= 1 && height + abs(vy) * 2.5 <= 1
                if fits { roomy += 1 }
                for step in 0...(fits ? 25 : 0) {
                    let t = Double(step) / 10
                    let pose = Kinematics.pose(of: o, background: scene.background, aspect: aspect, at: t)
                    let r = (o.motion.kind == .spin ? ShapeGeometry.circumradius(o.shape) : 0.5) * o.height * pose.scale
                    let e = ShapeGeometry.extents(o.shape)
                    let top = o.motion.kind == .spin ? r : e.top * o.height * pose.scale
                    let bottom = o.motion.kind == .spin ? r : e.bottom * o.height * pose.scale
                    let half = (o.motion.kind == .spin ? r : e.halfWidth * o.height * pose.scale) / aspect
                    XCTAssertGreaterThanOrEqual(pose.x - half, -1e-9, "\(Captions.detailed(scene)) aspect \(aspect) t \(t)")
                    XCTAssertLessThanOrEqual(pose.x + half, 1 + 1e-9, "\(Captions.detailed(scene)) aspect \(aspect) t \(t)")
                    XCTAssertGreaterThanOrEqual(pose.y - top, -1e-9, "\(Captions.detailed(scene)) aspect \(aspect) t \(t)")
                    XCTAssertLessThanOrEqual(pose.y + bottom, 1 + 1e-9, "\(Captions.detailed(scene)) aspect \(aspect) t \(t)")
                }
            }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 200)
        XCTAssertGreaterThan(roomy, 300)
    }

    func testSceneJSONRoundTrips() throws {
        let scene = SceneSampler(seed: 1).sample(index: 3)
        let data = try JSONEncoder().encode(scene)
        XCTAssertEqual(try JSONDecoder().decode(Scene.self, from: data), scene)
        let none = #"{"background":"sky","objects":[],"seed":1}"#
        XCTAssertThrowsError(try JSONDecoder().decode(Scene.self, from: Data(none.utf8)))
        let wild = #"{"background":"sky","objects":[{"color":"red","shape":"ball","size":"small","motion":{"kind":"spin","speed":"fast"},"sizeJitter":7}]}"#
        let object = try JSONDecoder().decode(Scene.self, from: Data(wild.utf8)).objects[0]
        XCTAssertEqual(object.sizeJitter, 1.1)
        XCTAssertEqual(object.motion, .spin)
    }
}

/// Scenes stored in a dataset manifest (through JSONSerialization) come back exactly.
final class DatasetSceneTests: XCTestCase {
    func testScenesSurviveTheDatasetManifest() throws {
        let dir = temporaryFolder("scenes")
        let writer = try DatasetWriter(directory: dir)
        let sampler = SceneSampler(seed: 4)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var scenes: [Scene] = []
        for i in 0..<20 {
            let sample = sampler.captioned(index: i)
            scenes.append(sample.scene)
            try writer.append(video: Renderer.render(sample.scene, width: 32, height: 18, frames: 1), detailed: sample.detailed,
                              short: sample.short, source: "world",
                              sceneJSON: String(decoding: try encoder.encode(sample.scene), as: UTF8.self))
        }
        let entries = try DatasetReader(directory: dir).entries
        XCTAssertEqual(entries.count, 20)
        for (entry, scene) in zip(entries, scenes) {
            let decoded = try JSONDecoder().decode(Scene.self, from: Data(entry.sceneJSON!.utf8))
            XCTAssertEqual(decoded, scene)
            XCTAssertEqual(entry.detailed, Captions.detailed(decoded))
        }
    }
}
