// Renders a scene to a `Video`: background, then objects back to front (the first-named object is
// drawn last, in front).
//
// Anti-aliasing is analytic: a pixel's coverage is clamp(0.5 - d, 0, 1) where d is the signed
// distance from the pixel centre to the outline in pixels, so interiors are exactly the palette
// colour and only the 1-pixel band around an outline is mixed. Frames are independent and each is
// written by one thread, so the bytes do not depend on how frames are spread over cores.
import Foundation
import TesseraEngine
import TesseraMedia

public enum Renderer {
    /// WORLD.md native frame rate.
    public static let nativeFPS = 12

    /// Frames in a clip of `duration` seconds: the frame at t = 0 plus one per 1/fps (0 s = 1 image).
    public static func frameCount(duration: Double, fps: Int = nativeFPS) -> Int {
        1 + Int((max(0, duration) * Double(fps)).rounded())
    }

    /// Renders `frames` frames of `scene` at `fps`; frame k shows time k / fps.
    ///
    /// ```swift
    /// let video = Renderer.render(scene, width: 512, height: 288, frames: 49)
    /// ```
    public static func render(_ scene: Scene, width: Int, height: Int, frames: Int, fps: Int = nativeFPS) -> Video {
        render(scene, width: width, height: height, frameRange: 0..<frames, fps: fps)
    }

    /// Renders only frames `frameRange` of the clip (frame k still shows time k / fps), so a caller
    /// can render a clip piece by piece, report progress and stop early. The bytes of each frame are
    /// the same as in a whole-clip render.
    public static func render(_ scene: Scene, width: Int, height: Int, frameRange: Range<Int>, fps: Int = nativeFPS) -> Video {
        let frames = frameRange.count
        precondition(width > 0 && height > 0 && frames > 0 && fps > 0 && frameRange.lowerBound >= 0,
                     "render needs a positive size, frame count and fps")
        let frameBytes = width * height * 3
        var still = [UInt8](repeating: 0, count: frameBytes)
        still.withUnsafeMutableBufferPointer {
            BackgroundPainter.paintStill(scene.background, seed: scene.seed, width: width, height: height, into: $0.baseAddress!)
        }
        var pixels = [UInt8](repeating: 0, count: frameBytes * frames)
        let aspect = Double(width) / Double(height)
        pixels.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            still.withUnsafeBufferPointer { stillBytes in
                Parallel.forEach(frames) { f in
                    let frame = base + f * frameBytes
                    frame.update(from: stillBytes.baseAddress!, count: frameBytes)
                    let t = Double(frameRange.lowerBound + f) / Double(fps)
                    if scene.background == .ocean {
                        BackgroundPainter.paintWaves(seed: scene.seed, t: t, width: width, height: height, into: frame)
                    }
                    for object in scene.objects.reversed() {
                        let pose = Kinematics.pose(of: object, background: scene.background, aspect: aspect, at: t)
                        drawObject(object, pose: pose, width: width, height: height, into: frame)
                    }
                }
            }
        }
        return Video(width: width, height: height, fps: fps, pixels: pixels)
    }

    /// Draws one object with coverage anti-aliasing over the frame.
    static func drawObject(_ object: SceneObject, pose: Pose, width: Int, height: Int, into frame: UnsafeMutablePointer<UInt8>) {
        let h = Double(height)
        let sizePx = object.height * pose.scale * h
        guard sizePx > 0 else { return }
        let cx = pose.x * Double(width), cy = pose.y * h
        let reach = ShapeGeometry.circumradius(object.shape) * sizePx + 1
        let x0 = max(0, Int((cx - reach).rounded(.down))), x1 = min(width - 1, Int((cx + reach).rounded(.up)))
        let y0 = max(0, Int((cy - reach).rounded(.down))), y1 = min(height - 1, Int((cy + reach).rounded(.up)))
        if x0 > x1 || y0 > y1 { return }
        let (r, g, b) = object.color.rgb
        let cr = Double(r), cg = Double(g), cb = Double(b)
        let cosA = cos(pose.angle), sinA = sin(pose.angle)
        let inverseSize = 1 / sizePx
        let shape = object.shape
        for y in y0...y1 {
            let dy = (Double(y) + 0.5 - cy) * inverseSize
            var p = frame + (y * width + x0) * 3
            for x in x0...x1 {
                let dx = (Double(x) + 0.5 - cx) * inverseSize
                // Undo the clockwise turn to find the point in the upright shape.
                let lx = cosA * dx + sinA * dy, ly = -sinA * dx + cosA * dy
                let coverage = min(1, max(0, 0.5 - ShapeGeometry.signedDistance(shape, lx, ly) * sizePx))
                if coverage > 0 {
                    if coverage == 1 {
                        p[0] = r; p[1] = g; p[2] = b
                    } else {
                        p[0] = BackgroundPainter.byte(Double(p[0]) + (cr - Double(p[0])) * coverage)
                        p[1] = BackgroundPainter.byte(Double(p[1]) + (cg - Double(p[1])) * coverage)
                        p[2] = BackgroundPainter.byte(Double(p[2]) + (cb - Double(p[2])) * coverage)
                    }
                }
                p += 3
            }
        }
    }
}
