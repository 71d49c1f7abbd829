// Turns a video frame into terminal cells of two pixels each: the upper half block '▀' with the
// upper pixel as foreground and the lower pixel as background. A terminal cell is about twice as
// tall as wide, so each half is close to square and the picture keeps its aspect ratio when it is
// fitted as cols x (2 * rows) pixels.
//
// Downscaling is an exact area average (a box filter with fractional edge weights): each target
// pixel is the mean of the source area it covers, so thin lines fade instead of flickering.
import TesseraMedia

/// One cell of a half-block picture. `bottom` is nil when the picture's height in pixels is odd and
/// this is its last row: the lower half then shows the pane's background.
public struct HalfBlockCell: Equatable, Sendable {
    public var top: RGB
    public var bottom: RGB?
}

/// A frame fitted into a pane: `columns` x `rows` cells placed at (`x`, `y`) inside the pane.
public struct HalfBlockImage: Equatable, Sendable {
    public var x: Int
    public var y: Int
    public var columns: Int
    public var rows: Int
    /// Picture size in pixels (columns x pixelHeight, pixelHeight <= 2 * rows).
    public var pixelHeight: Int
    public var cells: [HalfBlockCell]
    public subscript(column: Int, row: Int) -> HalfBlockCell { cells[row * columns + column] }
}

public enum HalfBlockRenderer {
    /// The largest picture size, in pixels, with the source's aspect ratio that fits a pane of
    /// `columns` x `rows` cells (2 pixels per cell vertically). Both sides are at least 1.
    public static func fittedSize(sourceWidth: Int, sourceHeight: Int, columns: Int, rows: Int) -> (width: Int, height: Int) {
        let maxW = max(1, columns), maxH = max(1, 2 * rows)
        let aspect = Double(sourceWidth) / Double(sourceHeight)
        var w = maxW
        var h = Int((Double(w) / aspect).rounded())
        if h > maxH {
            h = maxH
            w = min(maxW, Int((Double(h) * aspect).rounded()))
        }
        return (max(1, w), max(1, h))
    }

    /// Renders frame `index` of `video` fitted and centred in a pane of `columns` x `rows` cells.
    public static func render(_ video: Video, frame index: Int, columns: Int, rows: Int) -> HalfBlockImage {
        let (w, h) = fittedSize(sourceWidth: video.width, sourceHeight: video.height, columns: columns, rows: rows)
        let pixels = video.pixels.withUnsafeBufferPointer { all in
            resample(UnsafeBufferPointer(rebasing: all[(index * video.frameByteCount)..<((index + 1) * video.frameByteCount)]),
                     width: video.width, height: video.height, toWidth: w, toHeight: h)
        }
        let cellRows = (h + 1) / 2
        var cells = [HalfBlockCell]()
        cells.reserveCapacity(w * cellRows)
        for row in 0..<cellRows {
            for x in 0..<w {
                let t = (2 * row * w + x) * 3
                let top = RGB(pixels[t], pixels[t + 1], pixels[t + 2])
                var bottom: RGB?
                if 2 * row + 1 < h {
                    let b = ((2 * row + 1) * w + x) * 3
                    bottom = RGB(pixels[b], pixels[b + 1], pixels[b + 2])
                }
                cells.append(HalfBlockCell(top: top, bottom: bottom))
            }
        }
        return HalfBlockImage(x: (columns - w) / 2, y: (rows - cellRows) / 2, columns: w, rows: cellRows,
                              pixelHeight: h, cells: cells)
    }

    /// Area-average resampling of an RGB8 image (any scale factor, up or down), rounded to nearest.
    public static func resample(_ source: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
                                toWidth: Int, toHeight: Int) -> [UInt8] {
        let xs = spans(from: width, to: toWidth), ys = spans(from: height, to: toHeight)
        // Horizontal pass into Double rows, then vertical pass.
        var horizontal = [Double](repeating: 0, count: height * toWidth * 3)
        for y in 0..<height {
            let row = y * width * 3
            for (tx, span) in xs.enumerated() {
                var r = 0.0, g = 0.0, b = 0.0
                for (sx, weight) in span {
                    let p = row + sx * 3
                    r += weight * Double(source[p]); g += weight * Double(source[p + 1]); b += weight * Double(source[p + 2])
                }
                let o = (y * toWidth + tx) * 3
                horizontal[o] = r; horizontal[o + 1] = g; horizontal[o + 2] = b
            }
        }
        var out = [UInt8](repeating: 0, count: toWidth * toHeight * 3)
        for (ty, span) in ys.enumerated() {
            for tx in 0..<toWidth {
                var r = 0.0, g = 0.0, b = 0.0
                for (sy, weight) in span {
                    let p = (sy * toWidth + tx) * 3
                    r += weight * horizontal[p]; g += weight * horizontal[p + 1]; b += weight * horizontal[p + 2]
                }
                let o = (ty * toWidth + tx) * 3
                out[o] = clampByte(r); out[o + 1] = clampByte(g); out[o + 2] = clampByte(b)
            }
        }
        return out
    }

    /// For each target index, the source indices it covers with weights summing to 1. Target pixel
    /// t covers source interval [t * n / m, (t + 1) * n / m).
    static func spans(from n: Int, to m: Int) -> [[(Int, Double)]] {
        let scale = Double(n) / Double(m)
        return (0..<m).map { t in
            let lo = Double(t) * scale, hi = Double(t + 1) * scale
            var span: [(Int, Double)] = []
            var s = Int(lo.rounded(.down))
            while Double(s) < hi && s < n {
                let overlap = min(hi, Double(s + 1)) - max(lo, Double(s))
                if overlap > 1e-12 { span.append((s, overlap / scale)) }
                s += 1
            }
            return span
        }
    }

    @inline(__always) static func clampByte(_ v: Double) -> UInt8 { UInt8(max(0, min(255, v.rounded()))) }
}
