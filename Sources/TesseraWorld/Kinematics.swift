// Where an object is at time t: start layout plus WORLD.md's kinematics.
//
// x is a fraction of frame width and y of frame height, so the start position depends on the
// frame's aspect ratio (an object's width in x units is height * H / W). The scene stores only
// layoutU/layoutV in 0...1 and the start is worked out here for the frame being rendered, so one
// scene renders correctly at every aspect ratio.
//
// Start rule (WORLD.md): keep the object fully in frame for the first 2.5 s. Where the frame is too
// small for that (a large object moving quickly, or a tall frame), the object starts at the
// trailing edge so it stays in as long as it can. A placement named by the caption wins over the
// 2.5 s rule. Bounce fixes y (the bottom follows the floor), so only x is laid out for it.
import Foundation

/// Centroid position, scale and rotation of an object at one instant.
public struct Pose: Equatable, Sendable {
    public var x: Double
    public var y: Double
    public var scale: Double
    /// Clockwise rotation in radians (y points down).
    public var angle: Double
}

public enum Kinematics {
    /// WORLD.md: objects stay fully in frame for at least this long.
    public static let inFrameSeconds = 2.5
    public static let bounceSideSpeed = 0.2
    public static let bounceHeight = 0.35
    public static let bouncePeriod = 0.9
    /// Spin: 180 degrees a second.
    public static let spinRate = Double.pi

    public static func scale(_ motion: MotionKind, at t: Double) -> Double {
        switch motion {
        case .grow: return min(2.2, 1 + 0.4 * t)
        case .shrink: return max(0.4, 1 - 0.25 * t)
        default: return 1
        }
    }

    /// Velocity in (x units, y units) per second; bounce's vertical part is not linear and is 0 here.
    public static func velocity(_ motion: Motion) -> (Double, Double) {
        let s = motion.speed?.value ?? 0
        switch motion.kind {
        case .left: return (-s, 0)
        case .right: return (s, 0)
        case .up: return (0, -s)
        case .down: return (0, s)
        case .bounce: return ((motion.side ?? .right).sign * bounceSideSpeed, 0)
        default: return (0, 0)
        }
    }

    /// Height of a bounce above the floor at time t (0 at t = 0).
    @inline(__always)
    public static func bounceLift(at t: Double) -> Double {
        bounceHeight * abs(sin(Double.pi * t / bouncePeriod))
    }

    /// The object's centroid at t = 0 in a frame of the given aspect (width / height).
    public static func start(of object: SceneObject, background: Background, aspect: Double) -> (x: Double, y: Double) {
        let h = object.height
        let reachScale = max(1, scale(object.motion.kind, at: inFrameSeconds))   // largest size in the first 2.5 s
        let (top, bottom, halfWidth) = reach(of: object)
        let hw = halfWidth * h * reachScale / aspect
        let (vx, vy) = velocity(object.motion)
        let travelX = vx * inFrameSeconds, travelY = vy * inFrameSeconds

        // x: the range that stays in frame, narrowed by placement or, for objects that do not move
        // sideways, by a central band so a lone object is not pushed against an edge.
        let fitX = (hw - min(0, travelX), 1 - hw - max(0, travelX))
        let x: Double
        if let placement = object.placement {
            let third = placement.range
            let lo = max(fitX.0, third.lowerBound), hi = min(fitX.1, third.upperBound)
            if lo <= hi {
                x = lo + (hi - lo) * object.layoutU
            } else {
                let nearest = fitX.1 < third.lowerBound ? third.lowerBound : third.upperBound
                x = hw < 0.5 ? min(max(nearest, hw), 1 - hw) : 0.5
            }
        } else {
            x = pick(fit: fitX, band: vx == 0 ? (0.3, 0.7) : nil, u: object.layoutU, velocity: vx, half: hw)
        }

        if object.motion.kind == .bounce {
            return (x, background.floor - bottom * h)
        }
        let topReach = top * h * reachScale, bottomReach = bottom * h * reachScale
        let fitY = (topReach - min(0, travelY), 1 - bottomReach - max(0, travelY))
        let band: (Double, Double)? = vy == 0 ? (0.25, background.floor - bottomReach) : nil
        let y = pick(fit: fitY, band: band, u: object.layoutV, velocity: vy, half: max(topReach, bottomReach))
        return (x, y)
    }

    /// Extent of the drawn object above, below and to each side of its centroid, in units of its
    /// drawn height: the upright shape's extents, or for a spinning object its circumradius (its reach
    /// at any angle) on every side.
    public static func reach(of object: SceneObject) -> (top: Double, bottom: Double, halfWidth: Double) {
        guard object.motion.kind == .spin else { return ShapeGeometry.extents(object.shape) }
        let r = ShapeGeometry.circumradius(object.shape)
        return (r, r, r)
    }

    /// A point of `fit` (narrowed to `band` where they overlap), or the trailing edge when `fit` is empty.
    static func pick(fit: (Double, Double), band: (Double, Double)?, u: Double, velocity: Double, half: Double) -> Double {
        guard fit.0 <= fit.1 else {
            if half >= 0.5 { return 0.5 }
            return velocity > 0 ? half : (velocity < 0 ? 1 - half : 0.5)
        }
        var lo = fit.0, hi = fit.1
        if let band, max(lo, band.0) <= min(hi, band.1) {
            lo = max(lo, band.0)
            hi = min(hi, band.1)
        }
        return lo + (hi - lo) * u
    }

    /// Pose of an object at time t (seconds).
    public static func pose(of object: SceneObject, background: Background, aspect: Double, at t: Double) -> Pose {
        let (x0, y0) = start(of: object, background: background, aspect: aspect)
        let (vx, vy) = velocity(object.motion)
        var y = y0 + vy * t
        if object.motion.kind == .bounce { y = y0 - bounceLift(at: t) }
        return Pose(x: x0 + vx * t, y: y, scale: scale(object.motion.kind, at: t),
                    angle: object.motion.kind == .spin ? spinRate * t : 0)
    }
}
