// Where each object of a scene is, as an upright bounding box per instant: the layout plan that a
// generation follows (docs/architecture.md, "Object layout").
//
// The box is the drawn outline's extent around the pose (Kinematics.pose): above, below and to
// the sides of the centroid by `Kinematics.reach` (the shape's extents; a spinning object's
// circumradius), times the drawn height. Coordinates are fractions of the
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
    public var area: Double { (right - left) * (bottom - top) }

    /// Area of this box's overlap with the rectangle [left, right] x [top, bottom] (0 when apart).
    public func overlap(left l: Double, top t: Double, right r: Double, bottom b: Double) -> Double {
        max(0, min(r, right) - max(l, left)) * max(0, min(b, bottom) - max(t, top))
    }
}

extension Kinematics {
    /// The box of `object` at time `t` (seconds) in a frame of the given aspect (width / height).
    public static func box(of object: SceneObject, background: Background, aspect: Double, at t: Double) -> ObjectBox {
        let pose = pose(of: object, background: background, aspect: aspect, at: t)
        let size = object.height * pose.scale   // drawn height, in frame heights
        let (top, bottom, halfWidth) = reach(of: object)
        let hw = halfWidth * size / aspect
        return ObjectBox(left: pose.x - hw, top: pose.y - top * size, right: pose.x + hw, bottom: pose.y + bottom * size)
    }

    /// The boxes of every object of `scene` at time `t`, in the scene's (the caption's) order.
    public static func boxes(of scene: Scene, aspect: Double, at t: Double) -> [ObjectBox] {
        scene.objects.map { box(of: $0, background: scene.background, aspect: aspect, at: t) }
    }
}
