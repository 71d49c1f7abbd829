import XCTest
import TesseraWorld
import TesseraMedia

/// Every colour, shape, size, motion and background of WORLD.md, measured straight from pixels.
/// Objects are drawn on the uniform studio backdrop, where each pixel's coverage can be read back
/// exactly as the fraction of the way from the backdrop colour to the object colour.
final class PixelMeasurementTests: XCTestCase {
    static let studio = (120.0, 120.0, 125.0)

    /// Per-pixel coverage of `color` over the studio backdrop in frame `f`.
    static func coverage(_ v: Video, frame f: Int, color: ObjectColor) -> [Double] {
        let c = color.rgb
        let d = (Double(c.0) - studio.0, Double(c.1) - studio.1, Double(c.2) - studio.2)
        let dd = d.0 * d.0 + d.1 * d.1 + d.2 * d.2
        let bytes = Array(v.frame(f))
        return (0..<(v.width * v.height)).map { i in
            let p = (Double(bytes[i * 3]) - studio.0, Double(bytes[i * 3 + 1]) - studio.1, Double(bytes[i * 3 + 2]) - studio.2)
            return min(1, max(0, (p.0 * d.0 + p.1 * d.1 + p.2 * d.2) / dd))
        }
    }

    struct Moments { var area = 0.0, x = 0.0, y = 0.0, top = Int.max, bottom = Int.min }

    /// Area (pixels), centroid (normalized) and the rows of the 50%-coverage outline.
    static func moments(_ v: Video, frame f: Int, color: ObjectColor) -> Moments {
        let cov = coverage(v, frame: f, color: color)
        var m = Moments()
        for y in 0..<v.height { for x in 0..<v.width {
            let a = cov[y * v.width + x]
            m.area += a; m.x += a * (Double(x) + 0.5); m.y += a * (Double(y) + 0.5)
            if a >= 0.5 { m.top = min(m.top, y); m.bottom = max(m.bottom, y) }
        } }
        m.x /= m.area * Double(v.width); m.y /= m.area * Double(v.height)
        return m
    }

    static func one(_ shape: Shape = .square, _ color: ObjectColor = .red, size: SizeClass = .large, motion: Motion = .still,
                    background: Background = .studio) -> Scene {
        Scene(background: background, objects: [SceneObject(color: color, shape: shape, size: size, motion: motion)], seed: 1)
    }

    func testEveryColourIsDrawnFlatAndExact() {
        for color in ObjectColor.allCases {
            let v = Renderer.render(Self.one(.square, color), width: 128, height: 72, frames: 1)
            let m = Self.moments(v, frame: 0, color: color)
            let cx = Int(m.x * 128), cy = Int(m.y * 72)
            // A 9x9 patch in the middle is exactly the palette colour: flat fill, no shading.
            for y in cy - 4...cy + 4 { for x in cx - 4...cx + 4 {
                let o = (y * 128 + x) * 3
                XCTAssertEqual([v.pixels[o], v.pixels[o + 1], v.pixels[o + 2]], [color.rgb.0, color.rgb.1, color.rgb.2], "\(color)")
            } }
        }
    }

    func testEveryShapeHasItsAreaAndHeight() {
        let h = 180.0
        for shape in Shape.allCases {
            let v = Renderer.render(Self.one(shape), width: 320, height: 180, frames: 1)
            let m = Self.moments(v, frame: 0, color: .red)
            let side = 0.32 * h
            XCTAssertEqual(m.area / (side * side), ShapeGeometry.areaFactor(shape), accuracy: 0.01, "\(shape) area")
            // Sharp tips (star, diamond) fall under 50% coverage for up to a pixel at each end.
            let tips = shape == .star || shape == .diamond ? 2.5 : 1.5
            XCTAssertEqual(Double(m.bottom - m.top + 1), side, accuracy: tips, "\(shape) height")
        }
        // The defining fill ratios: a ring's hole, the star's thin points, the triangle's half box.
        XCTAssertEqual(ShapeGeometry.areaFactor(.ring) / ShapeGeometry.areaFactor(.ball), 1 - 0.55 * 0.55, accuracy: 1e-9)
        XCTAssertLessThan(ShapeGeometry.areaFactor(.star), ShapeGeometry.areaFactor(.diamond))
        XCTAssertEqual(ShapeGeometry.areaFactor(.triangle), 1 / 3.0.squareRoot(), accuracy: 1e-12)
    }

    func testEverySizeClassHasItsHeight() {
        for size in SizeClass.allCases {
            for (w, h) in [(256, 144), (144, 256)] {
                let v = Renderer.render(Self.one(.ball, .blue, size: size), width: w, height: h, frames: 1)
                let m = Self.moments(v, frame: 0, color: .blue)
                XCTAssertEqual(Double(m.bottom - m.top + 1) / Double(h), size.height, accuracy: 1.5 / Double(h), "\(size) \(w)x\(h)")
            }
        }
    }

    func testLinearMotionsMoveAtTheirStatedSpeed() {
        for kind in [MotionKind.left, .right, .up, .down] {
            for speed in Speed.allCases {
                let scene = Self.one(.ball, .yellow, size: .small, motion: Motion(kind, speed: speed))
                let v = Renderer.render(scene, width: 320, height: 180, frames: 13)
                let a = Self.moments(v, frame: 0, color: .yellow), b = Self.moments(v, frame: 12, color: .yellow)
                let (dx, dy) = (b.x - a.x, b.y - a.y)   // one second apart
                let expected: (Double, Double) = kind == .left ? (-speed.value, 0) : kind == .right ? (speed.value, 0)
                    : kind == .up ? (0, -speed.value) : (0, speed.value)
                XCTAssertEqual(dx, expected.0, accuracy: 0.003, "\(kind) \(speed)")
                XCTAssertEqual(dy, expected.1, accuracy: 0.003, "\(kind) \(speed)")
            }
        }
    }

    func testBounceFollowsTheFloorAndMovesSideways() {
        for side in Side.allCases {
            let v = Renderer.render(Self.one(.ball, .green, size: .medium, motion: .bounce(side)), width: 320, height: 180, frames: 25)
            let start = Self.moments(v, frame: 0, color: .green)
            for f in [0, 3, 5, 9, 14, 24] {
                let t = Double(f) / 12
                let m = Self.moments(v, frame: f, color: .green)
                let floor = Background.studio.floor - 0.35 * abs(sin(Double.pi * t / 0.9))
                XCTAssertEqual(Double(m.bottom + 1) / 180, floor, accuracy: 1.5 / 180, "bottom at t=\(t)")
                XCTAssertEqual(m.x - start.x, side.sign * 0.2 * t, accuracy: 0.003, "sideways at t=\(t)")
            }
        }
    }

    func testSpinTurnsHalfATurnPerSecondAboutItsCentre() {
        // A star repeats every 72 degrees = 0.4 s at 180 degrees a second; at 36 degrees it is upside down.
        let v = Renderer.render(Self.one(.star, .purple, motion: .spin), width: 320, height: 180, frames: 5, fps: 10)
        let c0 = Self.coverage(v, frame: 0, color: .purple), c2 = Self.coverage(v, frame: 2, color: .purple)
        let c4 = Self.coverage(v, frame: 4, color: .purple)
        func iou(_ a: [Double], _ b: [Double]) -> Double {
            zip(a, b).map { min($0, $1) }.reduce(0, +) / zip(a, b).map { max($0, $1) }.reduce(0, +)
        }
        XCTAssertGreaterThan(iou(c0, c4), 0.97)
        XCTAssertLessThan(iou(c0, c2), 0.75)
        let m0 = Self.moments(v, frame: 0, color: .purple), m2 = Self.moments(v, frame: 2, color: .purple)
        XCTAssertEqual(m0.x, m2.x, accuracy: 0.002)
        XCTAssertEqual(m0.y, m2.y, accuracy: 0.002)
    }

    func testGrowAndShrinkScaleTheArea() {
        for (motion, checks) in [(Motion.grow, [(12, 1.4), (48, 2.2)]), (.shrink, [(12, 0.75), (48, 0.4)])] {
            let v = Renderer.render(Self.one(.square, .cyan, size: .small, motion: motion), width: 320, height: 180, frames: 49)
            let a0 = Self.moments(v, frame: 0, color: .cyan).area
            for (f, scale) in checks {
                XCTAssertEqual(Self.moments(v, frame: f, color: .cyan).area / a0, scale * scale, accuracy: 0.03, "\(motion) frame \(f)")
            }
        }
    }

    func testEveryBackgroundHasItsLook() {
        // (background, y, expected colour) read in the column at the far left, away from the object.
        let looks: [(Background, Double, (Double, Double, Double))] = [
            (.sky, 0, (90, 150, 230)), (.sky, 1, (180, 215, 245)),
            (.sunset, 0, (70, 50, 120)), (.sunset, 1, (250, 150, 70)),
            (.night, 0, (8, 10, 35)), (.night, 1, (25, 30, 70)),
            (.meadow, 0, (90, 150, 230)), (.meadow, 0.8, (70, 160, 70)),
            (.ocean, 0, (90, 150, 230)), (.ocean, 0.56, (30, 90, 170)),
            (.desert, 0.3, (200, 220, 240)), (.desert, 0.8, (225, 195, 130)),
            (.snow, 0.3, (200, 205, 215)), (.snow, 0.8, (235, 240, 248)),
            (.studio, 0.5, (120, 120, 125)),
        ]
        let h = 360
        for (background, y, rgb) in looks {
            let v = Renderer.render(Self.one(.ball, .red, size: .small, background: background), width: 640, height: h, frames: 1)
            let row = min(h - 1, Int(y * Double(h)))
            // Median over the row's pixels, so a night star or a wave line does not decide it.
            for (c, want) in [rgb.0, rgb.1, rgb.2].enumerated() {
                let values = (0..<640).map { Double(v.pixels[(row * 640 + $0) * 3 + c]) }.sorted()
                XCTAssertEqual(values[320], want, accuracy: 1.5, "\(background) y=\(y) channel \(c)")
            }
        }
        // Night: sparse white stars that stay put. Ocean: faint lighter lines that drift.
        let night = Renderer.render(Self.one(.ball, .red, size: .small, background: .night), width: 640, height: h, frames: 13)
        let bright = (0..<(640 * h)).filter { night.pixels[$0 * 3] > 150 && night.pixels[$0 * 3 + 2] > 150 && night.pixels[$0 * 3 + 1] > 150 }
        XCTAssertGreaterThan(bright.count, 50)
        XCTAssertLessThan(bright.count, 640 * h / 100)
        for i in bright { XCTAssertEqual(night.pixels[12 * 640 * h * 3 + i * 3], night.pixels[i * 3]) }
        let ocean = Renderer.render(Self.one(.ball, .red, size: .small, background: .ocean), width: 640, height: h, frames: 13)
        let seaRows = Int(0.56 * Double(h))..<h
        var lighter = 0, changed = 0
        for y in seaRows { for x in 0..<640 {
            let i = (y * 640 + x) * 3
            let p = (Int(ocean.pixels[i]), Int(ocean.pixels[i + 1]), Int(ocean.pixels[i + 2]))
            if p.0 > 30 && p.0 <= 42 && p.2 > 170 && p.2 <= 182 { lighter += 1 }
            if ocean.pixels[i] != ocean.pixels[12 * 640 * h * 3 + i] { changed += 1 }
        } }
        XCTAssertGreaterThan(lighter, 500)
        XCTAssertGreaterThan(changed, 200)
    }
}
