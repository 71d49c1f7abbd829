// Spatial resizing of a latent (B, F, H, W, C) by bilinear interpolation with half-pixel centres
// (align_corners = false): the preview latent, upscaled to the full-size grid, is the starting
// composition that the full render refines.
import TesseraEngine

public enum LatentResize {
    public static func bilinear(_ z: Tensor<Float>, height: Int, width: Int) -> Tensor<Float> {
        let (b, f, h, w, c) = z.shape5
        precondition(height > 0 && width > 0, "resize to \(width)x\(height)")
        var out = Tensor<Float>(uninitialized: [b, f, height, width, c])
        // Source coordinate of each target row/column: index, next index and weight of the next.
        func taps(_ n: Int, _ source: Int) -> [(Int, Int, Float)] {
            (0..<n).map { i in
                let s = max(0, (Double(i) + 0.5) * Double(source) / Double(n) - 0.5)
                let i0 = min(source - 1, Int(s))
                return (i0, min(source - 1, i0 + 1), Float(s - Double(i0)))
            }
        }
        let rows = taps(height, h), cols = taps(width, w)
        out.withUnsafeMutablePointer { o in
            z.withUnsafePointer { p in
                for frame in 0..<(b * f) {
                    let src = p + frame * h * w * c, dst = o + frame * height * width * c
                    for (y, (y0, y1, wy)) in rows.enumerated() {
                        for (x, (x0, x1, wx)) in cols.enumerated() {
                            let a = src + (y0 * w + x0) * c, bb = src + (y0 * w + x1) * c
                            let cc = src + (y1 * w + x0) * c, d = src + (y1 * w + x1) * c
                            let target = dst + (y * width + x) * c
                            for k in 0..<c {
                                let top = a[k] + wx * (bb[k] - a[k]), bottom = cc[k] + wx * (d[k] - cc[k])
                                target[k] = top + wy * (bottom - top)
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
