// Where an object's outline is at one instant, as coverage of small cells of the frame: the
// silhouette half of the layout plan (docs/architecture.md, "Object silhouettes").
//
// Coverage is the renderer's own analytic anti-aliasing, clamp(0.5 - d / cell, 0, 1) with d the
// signed distance from the cell centre to the outline, taken at a coarser cell: with a cell of one
// pixel it is the share of that pixel the renderer paints in the object's colour.
import Foundation

/// One object's outline at one instant, in frame fractions (x of the width, y of the height, y down).
public struct ObjectSilhouette: Sendable {
    public var shape: Shape
    public var centerX: Double, centerY: Double
    /// Drawn height, in frame heights (0: nothing is drawn).
    public var size: Double
    /// Clockwise turn, radians.
    public var angle: Double
    /// Frame width over height.
    public var aspect: Double

    public init(shape: Shape, centerX: Double, centerY: Double, size: Double, angle: Double, aspect: Double) {
        self.shape = shape; self.centerX = centerX; self.centerY = centerY; self.size = size; self.angle = angle; self.aspect = aspect
    }

    /// Coverage (0...1) of the square cell centred at (x, y) whose side is `cell` frame heights.
    @inline(__always)
    public func coverage(x: Double, y: Double, cell: Double) -> Double {
        guard size > 0 else { return 0 }
        let dx = (x - centerX) * aspect / size, dy = (y - centerY) / size
        // Undo the clockwise turn to find the point in the upright shape, as the renderer does.
        let c = cos(angle), s = sin(angle)
        let d = ShapeGeometry.signedDistance(shape, c * dx + s * dy, -s * dx + c * dy) * size
        return min(1, max(0, 0.5 - d / cell))
    }
}

extension Kinematics {
    /// The outline of `object` at time `t` (seconds) in a frame of the given aspect (width / height).
    public static func silhouette(of object: SceneObject, background: Background, aspect: Double, at t: Double) -> ObjectSilhouette {
        let pose = pose(of: object, background: background, aspect: aspect, at: t)
        return ObjectSilhouette(shape: object.shape, centerX: pose.x, centerY: pose.y, size: object.height * pose.scale,
                                angle: pose.angle, aspect: aspect)
    }
}
