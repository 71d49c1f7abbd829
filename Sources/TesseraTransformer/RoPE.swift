// 3D rotary position embedding (RoFormer, Su et al. 2021) over (time, y, x), with coordinates in the
// world's units so that every resolution and aspect ratio shares one layout:
//   t in seconds (latent frame k is at k * secondsPerLatentFrame = 4k/12 s),
//   y in frame heights (0 at the top, 1 at the bottom), x in frame heights too (0 ... aspect).
// A preview (quarter size) and a full render differ only in how densely they sample these.
//
// The head dimension Dh is cut into Dh/2 rotation pairs (2i, 2i+1): the first `pairs.t` rotate by
// t * omega_t[i], the next `pairs.y` by y * omega_y[i], the last `pairs.x` by x * omega_x[i].
// Frequencies are geometric between a low and a high angular rate per axis (radians per unit).
//
//   table: cos, sin (T, Dh/2) for the T tokens of one grid (shared by every batch element)
//   x: (B, T, H, Dh) rows `ld` apart (q or k inside a packed (B, T, 3D) projection), rotated in place.

import TesseraEngine

public struct RoPEPairs: Codable, Equatable, Sendable {
    public var t: Int, y: Int, x: Int
    public init(t: Int, y: Int, x: Int) { self.t = t; self.y = y; self.x = x }

    /// Roughly 1/4 of the pairs for time and the rest split evenly between y and x (16/24/24 of 64).
    public init(headDim: Int) {
        precondition(headDim % 2 == 0 && headDim >= 6, "RoPE needs an even head dimension of at least 6, got \(headDim)")
        let p = headDim / 2
        t = max(1, p / 4)
        y = (p - t) / 2
        x = p - t - y
    }
    public var total: Int { t + y + x }
}

/// Where each token sits in world units, and the resulting rotation table.
public struct RoPETable<T: TensorScalar> {
    public let tokens: Int, pairs: Int
    public let cos: [T], sin: [T]   // (T, Dh/2)

    /// Seconds between latent frames (the autoencoder compresses 4 frames at 12 fps into one).
    public static var secondsPerLatentFrame: Double { 4.0 / 12.0 }
    /// Angular rates (radians per second / per frame height), geometric from low to high.
    public static var timeRates: ClosedRange<Double> { 0.5...24 }
    public static var spaceRates: ClosedRange<Double> { 1...96 }

    public static func rates(_ n: Int, _ range: ClosedRange<Double>) -> [Double] {
        if n == 1 { return [range.lowerBound] }
        return (0..<n).map { range.lowerBound * Double.pow(range.upperBound / range.lowerBound, Double($0) / Double(n - 1)) }
    }

    /// Table for explicit coordinates `(t, y, x)` per token.
    public init(coordinates: [(t: Double, y: Double, x: Double)], pairs p: RoPEPairs) {
        tokens = coordinates.count
        pairs = p.total
        let wt = RoPETable.rates(p.t, RoPETable.timeRates), wy = RoPETable.rates(p.y, RoPETable.spaceRates)
        let wx = RoPETable.rates(p.x, RoPETable.spaceRates)
        var c = [T](), s = [T]()
        c.reserveCapacity(tokens * pairs); s.reserveCapacity(tokens * pairs)
        for pos in coordinates {
            let angles = wt.map { $0 * pos.t } + wy.map { $0 * pos.y } + wx.map { $0 * pos.x }
            for a in angles { c.append(T(Double.cos(a))); s.append(T(Double.sin(a))) }
        }
        cos = c; sin = s
    }

    /// Coordinates of the tokens of a latent grid, frame-major: token (f, i, j) covers latent rows
    /// [ph i, ph (i+1)) and columns [pw j, pw (j+1)) of a latent `latentHeight` rows high (the
    /// unpadded height: padding lies below the frame and does not stretch it).
    public static func gridCoordinates(frames: Int, rows: Int, columns: Int, patch: (h: Int, w: Int),
                                       latentHeight: Int) -> [(t: Double, y: Double, x: Double)] {
        var out: [(t: Double, y: Double, x: Double)] = []
        out.reserveCapacity(frames * rows * columns)
        let unit = 1 / Double(latentHeight)
        for f in 0..<frames {
            for i in 0..<rows {
                for j in 0..<columns {
                    out.append((Double(f) * secondsPerLatentFrame, (Double(i) + 0.5) * Double(patch.h) * unit,
                                (Double(j) + 0.5) * Double(patch.w) * unit))
                }
            }
        }
        return out
    }
}

public enum RoPEOp {
    /// Rotates pairs in place: (a, b) -> (a c - b s, a s + b c). `inverse` rotates by -angle, which
    /// is also the backward pass (a rotation's transpose is its inverse).
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func rotate<T: TensorScalar>(_ x: UnsafeMutablePointer<T>, ld: Int, batch: Int, heads: Int, headDim: Int,
                                               cos: UnsafePointer<T>, sin: UnsafePointer<T>, tokens: Int, inverse: Bool = false) {
        let half = headDim / 2
        Parallel.forRange(batch * tokens, minimumChunk: max(1, 2048 / max(1, heads * headDim))) { rows in
            for row in rows {
                let t = row % tokens
                let c = cos + t * half, s = sin + t * half
                for h in 0..<heads {
                    let v = x + row * ld + h * headDim
                    for i in 0..<half {
                        let a = v[2 * i], b = v[2 * i + 1]
                        let si = inverse ? -s[i] : s[i]
                        v[2 * i] = a * c[i] - b * si
                        v[2 * i + 1] = a * si + b * c[i]
                    }
                }
            }
        }
    }

    /// Naive reference for tests: builds each token's full Dh x Dh rotation matrix and multiplies.
    public static func reference(_ x: [Double], tokens: Int, heads: Int, headDim: Int,
                                 coordinates: [(t: Double, y: Double, x: Double)], pairs: RoPEPairs) -> [Double] {
        let wt = RoPETable<Double>.rates(pairs.t, RoPETable<Double>.timeRates)
        let wy = RoPETable<Double>.rates(pairs.y, RoPETable<Double>.spaceRates)
        let wx = RoPETable<Double>.rates(pairs.x, RoPETable<Double>.spaceRates)
        var out = x
        let batch = x.count / (tokens * heads * headDim)
        for b in 0..<batch {
            for tok in 0..<tokens {
                let p = coordinates[tok]
                var matrix = [[Double]](repeating: [Double](repeating: 0, count: headDim), count: headDim)
                for i in 0..<(headDim / 2) {
                    let angle: Double
                    if i < pairs.t { angle = wt[i] * p.t } else if i < pairs.t + pairs.y { angle = wy[i - pairs.t] * p.y } else { angle = wx[i - pairs.t - pairs.y] * p.x }
                    matrix[2 * i][2 * i] = Double.cos(angle); matrix[2 * i][2 * i + 1] = -Double.sin(angle)
                    matrix[2 * i + 1][2 * i] = Double.sin(angle); matrix[2 * i + 1][2 * i + 1] = Double.cos(angle)
                }
                for h in 0..<heads {
                    let base = ((b * tokens + tok) * heads + h) * headDim
                    for r in 0..<headDim {
                        var acc = 0.0
                        for k in 0..<headDim { acc += matrix[r][k] * x[base + k] }
                        out[base + r] = acc
                    }
                }
            }
        }
        return out
    }
}
