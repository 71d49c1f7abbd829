// Shape geometry in "unit" coordinates: the upright bounding box is 1 tall, the origin is the
// shape's centroid (its "own centre", which spin turns about and the judge measures), x to the
// right and y DOWN like image rows. Signed distances are negative inside.
//
// Distance functions follow Inigo Quilez's 2D SDF catalogue (iquilezles.org/articles/distfunctions2d),
// rewritten for y-down and for WORLD.md's proportions.
import Foundation

public enum ShapeGeometry {
    /// Star: outer radius R with top-to-bottom extent R(1 + cos 36°) = 1, inner radius 0.45 R.
    static let starOuter = 1 / (1 + cos(Double.pi / 5))
    static let starInnerRatio = 0.45
    /// Ring: outer radius 0.5, inner 0.55 of it.
    static let ringInner = 0.5 * 0.55
    /// Equilateral triangle of height 1: side 2/sqrt(3); its centroid is 2/3 below the apex.
    static let triangleHalfSide = 1 / 3.0.squareRoot()

    /// Extent of the upright shape above, below and to each side of its centroid.
    public static func extents(_ shape: Shape) -> (top: Double, bottom: Double, halfWidth: Double) {
        switch shape {
        case .ball, .square, .diamond, .ring: return (0.5, 0.5, 0.5)
        case .triangle: return (2.0 / 3, 1.0 / 3, triangleHalfSide)
        case .star: return (starOuter, starOuter * cos(Double.pi / 5), starOuter * sin(2 * Double.pi / 5))
        }
    }

    /// Largest distance from the centroid to the outline: the reach of a spinning shape.
    public static func circumradius(_ shape: Shape) -> Double {
        switch shape {
        case .ball, .diamond, .ring: return 0.5
        case .square: return 0.5 * 2.0.squareRoot()
        case .triangle: return 2.0 / 3
        case .star: return starOuter
        }
    }

    /// Area of the shape divided by its height squared.
    public static func areaFactor(_ shape: Shape) -> Double {
        switch shape {
        case .ball: return Double.pi / 4
        case .square: return 1
        case .triangle: return 1 / 3.0.squareRoot()
        case .diamond: return 0.5
        case .ring: return Double.pi * (0.25 - ringInner * ringInner)
        case .star: return 5 * starOuter * starOuter * starInnerRatio * sin(Double.pi / 5)
        }
    }

    /// Signed distance from (x, y) to the outline, in unit coordinates. Allocation-free: runs per pixel.
    @inline(__always)
    public static func signedDistance(_ shape: Shape, _ x: Double, _ y: Double) -> Double {
        switch shape {
        case .ball:
            return (x * x + y * y).squareRoot() - 0.5
        case .square:
            return box(x, y, 0.5)
        case .diamond:
            // A square of half-side 0.5/sqrt(2) turned 45 degrees.
            let s = 0.5.squareRoot()
            return box((x + y) * s, (x - y) * s, 0.5 * s)
        case .ring:
            let mid = (0.5 + ringInner) / 2, half = (0.5 - ringInner) / 2
            return abs((x * x + y * y).squareRoot() - mid) - half
        case .triangle:
            return triangle(x, -y)
        case .star:
            return star(x, -y)
        }
    }

    @inline(__always)
    static func box(_ x: Double, _ y: Double, _ half: Double) -> Double {
        let qx = abs(x) - half, qy = abs(y) - half
        let ox = max(qx, 0), oy = max(qy, 0)
        return (ox * ox + oy * oy).squareRoot() + min(max(qx, qy), 0)
    }

    /// Equilateral triangle, apex up in y-UP coordinates, centroid at the origin, height 1.
    @inline(__always)
    static func triangle(_ x0: Double, _ y0: Double) -> Double {
        let r = triangleHalfSide, k = 3.0.squareRoot()
        var px = abs(x0) - r
        var py = y0 + r / k
        if px + k * py > 0 {
            let nx = (px - k * py) / 2, ny = (-k * px - py) / 2
            px = nx; py = ny
        }
        px -= min(max(px, -2 * r), 0)
        let d = (px * px + py * py).squareRoot()
        return py < 0 ? d : -d
    }

    /// Five-pointed star, top point up in y-UP coordinates, centre at the origin.
    @inline(__always)
    static func star(_ x0: Double, _ y0: Double) -> Double {
        let r = starOuter, rf = starInnerRatio
        let k1x = 0.809016994374947, k1y = -0.587785252292473
        let k2x = -k1x, k2y = k1y
        var px = abs(x0), py = y0
        var d1 = max(k1x * px + k1y * py, 0)
        px -= 2 * d1 * k1x; py -= 2 * d1 * k1y
        d1 = max(k2x * px + k2y * py, 0)
        px -= 2 * d1 * k2x; py -= 2 * d1 * k2y
        px = abs(px)
        py -= r
        let bax = rf * -k1y, bay = rf * k1x - 1
        let h = min(max((px * bax + py * bay) / (bax * bax + bay * bay), 0), r)
        let dx = px - bax * h, dy = py - bay * h
        let d = (dx * dx + dy * dy).squareRoot()
        return (py * bax - px * bay) < 0 ? -d : d
    }
}
