import XCTest
import TesseraWorld
import TesseraMedia

/// The judge must get every attribute right on clean renders, and nearly all of them on renders
/// with blur and noise (what generated video looks like).
final class SceneJudgeTests: XCTestCase {
    let judge = SceneJudge()

    /// One object per scene, cycling the other attributes so each value is seen in several contexts.
    static func singleAttributeScenes() -> [Scene] {
        var scenes: [Scene] = []
        let shapes = Shape.allCases, colors = ObjectColor.allCases, backgrounds = Background.allCases
        var i = 0
        func add(color: ObjectColor? = nil, shape: Shape? = nil, size: SizeClass? = nil, motion: Motion? = nil, background: Background? = nil) {
            var s = shape ?? shapes[i % shapes.count]
            let m = motion ?? .still
            if m.kind == .spin && !s.canSpin { s = .star }
            // Keep clear of pairs no judge can see: white on snow ground, black on night sky.
            var b = background ?? backgrounds[(i * 3) % backgrounds.count]
            let c = color ?? colors[(i * 7 + 1) % colors.count]
            if (c == .white && b == .snow) || (c == .black && b == .night) { b = .studio }
            scenes.append(Scene(background: b, objects: [SceneObject(color: c, shape: s, size: size ?? .medium, motion: m,
                                                                     layoutU: Double(i % 5) / 4, layoutV: Double(i % 3) / 2)], seed: UInt64(i)))
            i += 1
        }
        for c in colors { add(color: c, background: .studio); add(color: c) }
        for s in shapes { add(shape: s); add(shape: s, size: .small) }
        for z in SizeClass.allCases { add(size: z); add(shape: .ball, size: z) }
        for m in Motion.all { add(motion: m); add(size: .small, motion: m) }
        for b in backgrounds { add(background: b) }
        return scenes
    }

    func testEveryAttributeIsRightOnCleanRenders() {
        for (n, scene) in Self.singleAttributeScenes().enumerated() {
            let (w, h) = n % 4 == 3 ? (144, 256) : (256, 144)
            let video = Renderer.render(scene, width: w, height: h, frames: 31)
            let verdict = judge.judge(video, intended: scene)
            XCTAssertTrue(verdict.allCorrect, "\(Captions.detailed(scene)) \(w)x\(h): \(verdict.results.filter { !$0.correct })")
        }
    }

    func testEveryAttributeSurvivesBlurAndNoise() {
        var wrong: [AttributeResult] = []
        var total = 0
        for scene in Self.singleAttributeScenes() {
            let video = degraded(Renderer.render(scene, width: 256, height: 144, frames: 31), sigma: 8, blurPasses: 2)
            let verdict = judge.judge(video, intended: scene)
            total += verdict.results.count
            wrong += verdict.results.filter { !$0.correct }
        }
        let accuracy = 1 - Double(wrong.count) / Double(total)
        print("judge, single objects, blur x2 + noise 8: \(total - wrong.count)/\(total) = \(accuracy)")
        XCTAssertGreaterThanOrEqual(accuracy, 0.98, "\(wrong)")
    }

    func testSampledScenesCleanAndNoisy() {
        let sampler = SceneSampler(seed: 11)
        for noisy in [false, true] {
            var correct = 0, total = 0
            for i in 0..<60 {
                let scene = sampler.sample(index: i)
                var video = Renderer.render(scene, width: 256, height: 144, frames: 31)
                if noisy { video = degraded(video, sigma: 8, blurPasses: 1) }
                let verdict = judge.judge(video, intended: scene)
                correct += verdict.correctCount
                total += verdict.results.count
            }
            let accuracy = Double(correct) / Double(total)
            print("judge, sampled 1-3 object scenes, \(noisy ? "blur + noise 8" : "clean"): \(correct)/\(total) = \(accuracy)")
            XCTAssertGreaterThanOrEqual(accuracy, 0.97)
        }
    }

    func testWrongIntentIsCaught() {
        // The judge must be able to say no: render one scene, judge it against another.
        let shown = Scene(background: .meadow, objects: [SceneObject(color: .red, shape: .ball, size: .large, motion: .right())])
        let claimed = Scene(background: .desert, objects: [SceneObject(color: .blue, shape: .square, size: .small, motion: .left())])
        let verdict = judge.judge(Renderer.render(shown, width: 256, height: 144, frames: 31), intended: claimed)
        XCTAssertEqual(verdict.result("background")?.measured, "meadow")
        XCTAssertEqual(verdict.result("color", object: 0)?.measured, "red")
        XCTAssertEqual(verdict.result("shape", object: 0)?.measured, "ball")
        XCTAssertEqual(verdict.result("size", object: 0)?.measured, "large")
        XCTAssertEqual(verdict.result("motion", object: 0)?.measured, "right")
        XCTAssertEqual(verdict.correctCount, 1)   // only the speed (normal) agrees
        XCTAssertTrue(verdict.description.contains("object 1 color: expected blue, measured red  <- wrong"), verdict.description)
        XCTAssertTrue(verdict.description.hasSuffix("1/6 attributes right"), verdict.description)
    }

    func testEmptyTinyAndBlankVideosDoNotCrash() {
        let scene = PixelMeasurementTests.one()
        for video in [Video(width: 4, height: 4, fps: 12, frameCount: 0), Video(width: 1, height: 1, fps: 12, frameCount: 3),
                      Video(width: 64, height: 36, fps: 24, frameCount: 40)] {
            let verdict = judge.judge(video, intended: scene)
            XCTAssertFalse(verdict.allCorrect)
            // A black frame can read as a black object over the night sky; only check the small ones.
            if video.width < 10 { XCTAssertEqual(verdict.result("color", object: 0)?.measured, "none") }
        }
    }

    func testSingleImageSkipsMotion() {
        let scene = PixelMeasurementTests.one(.triangle, .orange, size: .small, motion: .up(), background: .sky)
        let verdict = judge.judge(Renderer.render(scene, width: 256, height: 144, frames: 1), intended: scene)
        XCTAssertNil(verdict.result("motion", object: 0))
        XCTAssertTrue(verdict.allCorrect, "\(verdict.results)")
    }
}
