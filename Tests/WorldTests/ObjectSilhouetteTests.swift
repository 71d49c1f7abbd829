import XCTest
import TesseraWorld
import TesseraMedia

/// The layout plan's silhouettes against the renderer's own pixels and the shapes' areas.
final class ObjectSilhouetteTests: XCTestCase {
    /// With a one-pixel cell, coverage is the share of each pixel the renderer paints in the object's
    /// colour: the studio background (120,120,125) mixed by it gives every rendered byte.
    func testOnePixelCoverageIsTheRenderersMix() {
        let objects = [SceneObject(color: .red, shape: .ball, size: .medium, motion: .left(.fast)),
                       SceneObject(color: .blue, shape: .star, size: .large, motion: .spin),
                       SceneObject(color: .yellow, shape: .triangle, size: .small, motion: .grow),
                       SceneObject(color: .green, shape: .ring, size: .large, motion: .bounce(.right)),
                       SceneObject(color: .white, shape: .diamond, size: .medium, motion: .spin)]
        let (width, height) = (120, 90)
        for object in objects {
            let scene = Scene(background: .studio, objects: [object], seed: 5)
            let video = Renderer.render(scene, width: width, height: height, frames: 8)
            for f in [0, 7] {
                let outline = Kinematics.silhouette(of: object, background: .studio, aspect: Double(width) / Double(height), at: Double(f) / 12)
                let (r, g, b) = object.color.rgb
                var covered = 0
                for y in 0..<height {
                    for x in 0..<width {
                        let c = outline.coverage(x: (Double(x) + 0.5) / Double(width), y: (Double(y) + 0.5) / Double(height), cell: 1 / Double(height))
                        if c > 0 { covered += 1 }
                        let i = ((f * height + y) * width + x) * 3
                        for (k, (bg, fg)) in [(120.0, Double(r)), (120, Double(g)), (125, Double(b))].enumerated() {
                            XCTAssertEqual(Double(video.pixels[i + k]), bg + (fg - bg) * c, accuracy: 1, "\(object.shape) frame \(f) pixel \(x),\(y)")
                        }
                    }
                }
                XCTAssertGreaterThan(covered, 20, "\(object.shape) is drawn")
            }
        }
    }

    /// Coverage summed over fine cells is the shape's area (ShapeGeometry.areaFactor x size^2), in
    /// a wide frame, for each shape, upright and turned.
    func testCoverageAddsUpToTheShapeArea() {
        for shape in Shape.allCases {
            for angle in [0.0, 0.7] {
                let outline = ObjectSilhouette(shape: shape, centerX: 0.4, centerY: 0.55, size: 0.3, angle: angle, aspect: 16.0 / 9)
                let cell = 1.0 / 400   // frame heights; (16/9) * 400 cells across
                var area = 0.0
                for y in 0..<400 {
                    for x in 0..<711 {
                        area += outline.coverage(x: (Double(x) + 0.5) / 711, y: (Double(y) + 0.5) / 400, cell: cell) * cell * cell
                    }
                }
                XCTAssertEqual(area, ShapeGeometry.areaFactor(shape) * 0.09, accuracy: 0.01 * ShapeGeometry.areaFactor(shape) * 0.09, "\(shape) at \(angle)")
            }
        }
        XCTAssertEqual(ObjectSilhouette(shape: .ball, centerX: 0.5, centerY: 0.5, size: 0, angle: 0, aspect: 1).coverage(x: 0.5, y: 0.5, cell: 0.1), 0)
    }
}
