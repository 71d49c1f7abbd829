// Where each object of a scene is, as an upright bounding box per instant: the layout plan that a
// generation follows (docs/architecture.md, "Object layout").
//
// The box is the drawn outline's extent around the pose (Kinematics.pose): above, below and to
// the sides of the centroid by ShapeGeometry.extents, times the drawn height; a spinning object's
// box is the square of its circumradius (its reach at any angle). Coordinates are fractions of the
// frame (x of its width, y of its height, y down), like the rest of the world, and may lie outside
// 0...1 when the object leaves the frame.

/// An upright box in frame fractions.
public struct ObjectBox: Equatable, Sendable {
    public var left: Double, top: Double, right: Double, bottom: Double
    public init(left: Double, top: Double, right: Double, bottom: Double) {
        self.left = left; self.top = top; self.right = right; self.bottom = bottom
    }
    public var centerX: Double { (left + right) / 2 }
    public var centerY: Double { (top + bottom) / 2 }
}

extension Kinematics {
    /// The box of `object` at time `t` (seconds) in a frame of the given aspect (width / height).
    public static func box(of object: SceneObject, background: Background, aspect: Double, at t: Double) -> ObjectBox {
        let pose = pose(of: object, background: background, aspect: aspect, at: t)
        let size = object.height * pose.scale   // drawn height, in frame heights
        var (top, bottom, halfWidth) = ShapeGeometry.extents(object.shape)
        if object.motion.kind == .spin {
            let r = ShapeGeometry.circumradius(object.shape)
            (top, bottom, halfWidth) = (r, r, r)
        }
        let hw = halfWidth * size / aspect
        return ObjectBox(left: pose.x - hw, top: pose.y - top * size, right: pose.x + hw, bottom: pose.y + bottom * size)
    }

    /// The boxes of every object of `scene` at time `t`, in the scene's (the caption's) order.
    public static func boxes(of scene: Scene, aspect: Double, at t: Double) -> [ObjectBox] {
        scene.objects.map { box(of: $0, background: scene.background, aspect: aspect, at: t) }
    }
}
