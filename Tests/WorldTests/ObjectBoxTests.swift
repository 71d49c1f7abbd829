import XCTest
import TesseraWorld
import TesseraMedia

/// The layout plan's boxes against the renderer's own pixels: every pixel an object changes lies in
/// its box, and the drawn object reaches each edge of an upright box.
final class ObjectBoxTests: XCTestCase {
    /// Pixels of `video` frame `f` that differ from the background-only render.
    func objectPixels(_ video: Video, _ empty: Video, frame f: Int) -> [(x: Int, y: Int)] {
        var out: [(Int, Int)] = []
        let frameBytes = video.width * video.height * 3
        for y in 0..<video.height {
            for x in 0..<video.width {
                let i = f * frameBytes + (y * video.width + x) * 3
                if (0..<3).contains(where: { video.pixels[i + $0] != empty.pixels[i + $0] }) { out.append((x, y)) }
            }
        }
        return out
    }

    func check(_ object: SceneObject, background: Background, width: Int, height: Int, frames: Int, upright: Bool,
               file: StaticString = #filePath, line: UInt = #line) {
        let scene = Scene(background: background, objects: [object], seed: 3)
        let video = Renderer.render(scene, width: width, height: height, frames: frames)
        let empty = Renderer.render(Scene(background: background, objects: [object], seed: 3).withoutObjects, width: width, height: height, frames: frames)
        let aspect = Double(width) / Double(height)
        for f in stride(from: 0, to: frames, by: 6) {
            let box = Kinematics.box(of: object, background: background, aspect: aspect, at: Double(f) / Double(Renderer.nativeFPS))
            let pixels = objectPixels(video, empty, frame: f)
            XCTAssertFalse(pixels.isEmpty, "frame \(f): the object is drawn", file: file, line: line)
            let (l, r) = (box.left * Double(width), box.right * Double(width)), (t, b) = (box.top * Double(height), box.bottom * Double(height))
            for p in pixels {   // pixel centres inside the box, give or take the anti-aliased edge
                XCTAssertTrue(Double(p.x) + 0.5 >= l - 1 && Double(p.x) + 0.5 <= r + 1 && Double(p.y) + 0.5 >= t - 1 && Double(p.y) + 0.5 <= b + 1,
                              "frame \(f): pixel \(p) outside box \(box)", file: file, line: line)
            }
            guard upright else { continue }
            let xs = pixels.map { Double($0.x) + 0.5 }, ys = pixels.map { Double($0.y) + 0.5 }
            for (drawn, edge, name) in [(xs.min()!, max(0, l), "left"), (xs.max()!, min(Double(width), r), "right"),
                                        (ys.min()!, max(0, t), "top"), (ys.max()!, min(Double(height), b), "bottom")] {
                XCTAssertEqual(drawn, edge, accuracy: 2, "frame \(f): the object reaches the box's \(name) edge", file: file, line: line)
            }
        }
    }

    func testBoxesHoldTheDrawnObjects() {
        check(SceneObject(color: .red, shape: .ball, size: .medium, motion: .left(.fast)), background: .studio, width: 192, height: 108, frames: 25, upright: true)
        check(SceneObject(color: .blue, shape: .triangle, size: .large, motion: .up(.normal)), background: .sky, width: 96, height: 160, frames: 25, upright: true)
        check(SceneObject(color: .yellow, shape: .star, size: .large, motion: .grow), background: .studio, width: 160, height: 160, frames: 25, upright: true)
        check(SceneObject(color: .green, shape: .ring, size: .small, motion: .bounce(.left)), background: .meadow, width: 192, height: 108, frames: 25, upright: true)
        check(SceneObject(color: .white, shape: .diamond, size: .medium, motion: .shrink), background: .night, width: 144, height: 108, frames: 25, upright: true)
        // A spinning square's box is the square of its reach: it holds every angle.
        check(SceneObject(color: .orange, shape: .square, size: .large, motion: .spin), background: .desert, width: 192, height: 108, frames: 25, upright: false)
    }

    func testBoxesFollowTheSceneOrder() {
        let scene = Scene(background: .studio, objects: [
            SceneObject(color: .red, shape: .ball, size: .small, motion: .still, placement: .left),
            SceneObject(color: .blue, shape: .square, size: .large, motion: .right(.slow), placement: .right),
        ])
        let boxes = Kinematics.boxes(of: scene, aspect: 16.0 / 9, at: 1)
        XCTAssertEqual(boxes.count, 2)
        XCTAssertLessThan(boxes[0].centerX, 1.0 / 3 + 0.01)
        XCTAssertGreaterThan(boxes[1].centerX, 2.0 / 3)
        XCTAssertGreaterThan(boxes[1].bottom - boxes[1].top, boxes[0].bottom - boxes[0].top)
    }
}

private extension Scene {
    var withoutObjects: Scene { var s = self; s.objects = []; return s }
}
