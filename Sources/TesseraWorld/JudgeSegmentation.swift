// Pixel side of the scene judge: which background a clip shows, and which pixels belong to which
// coloured blob.
//
// Background: each row's median colour (over x and a few frames) is compared with every
// background's row colours; objects cover a minority of most rows, so the median sees through them.
// The observed row medians then serve as the reference background, falling back to the model's row
// colour where an object dominates a row.
//
// Foreground: an anti-aliased or blurred edge pixel is a mix p = b + a (c - b) of the background b and
// an object colour c. For each palette colour the best a in 0...1 and the residual of that fit are
// computed; the pixel takes the colour with the smallest residual and counts as that object when
// a >= 0.5 and it differs from b by more than noise. Edge pixels therefore join their object (not a
// neighbouring palette colour), and the blob boundary sits on the 50% coverage line like the
// true outline.
import TesseraMedia

/// A connected set of pixels of one palette colour in one frame.
struct Blob {
    var color: ObjectColor
    /// Pixel indices y * width + x.
    var pixels: [Int32]
    var centroidX: Double, centroidY: Double
    var minX: Int, maxX: Int, minY: Int, maxY: Int
    var touchesBorder: Bool
    var area: Int { pixels.count }
}

struct BackgroundEstimate {
    var background: Background
    /// Reference colour of each row: r, g, b interleaved.
    var rows: [Double]
}

enum JudgeSegmentation {
    static let palette = ObjectColor.allCases

    /// 3x3 box blur of one frame into `out` (r, g, b floats); softens noise before any decision.
    static func blurred(_ video: Video, frame: Int, into out: inout [Float]) {
        let w = video.width, h = video.height
        if out.count != w * h * 3 { out = [Float](repeating: 0, count: w * h * 3) }
        let base = frame * video.frameByteCount
        video.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let y0 = max(0, y - 1), y1 = min(h - 1, y + 1)
                    for x in 0..<w {
                        let x0 = max(0, x - 1), x1 = min(w - 1, x + 1)
                        var r: Float = 0, g: Float = 0, b: Float = 0
                        for yy in y0...y1 {
                            var p = base + (yy * w + x0) * 3
                            for _ in x0...x1 {
                                r += Float(src[p]); g += Float(src[p + 1]); b += Float(src[p + 2])
                                p += 3
                            }
                        }
                        let n = Float((y1 - y0 + 1) * (x1 - x0 + 1))
                        let o = (y * w + x) * 3
                        dst[o] = r / n; dst[o + 1] = g / n; dst[o + 2] = b / n
                    }
                }
            }
        }
    }

    /// Classifies the background from per-row medians of the given frames.
    static func estimateBackground(_ video: Video, frames: [Int]) -> BackgroundEstimate {
        let w = video.width, h = video.height
        var medians = [Double](repeating: 0, count: h * 3)
        var histogram = [Int](repeating: 0, count: 256 * 3)
        let sampleFrames = frames.count <= 8 ? frames : (0..<8).map { frames[$0 * (frames.count - 1) / 7] }
        for y in 0..<h {
            for i in histogram.indices { histogram[i] = 0 }
            for f in sampleFrames {
                let rowStart = f * video.frameByteCount + y * w * 3
                for x in 0..<w {
                    for c in 0..<3 { histogram[c * 256 + Int(video.pixels[rowStart + x * 3 + c])] += 1 }
                }
            }
            let half = (w * sampleFrames.count + 1) / 2
            for c in 0..<3 {
                var seen = 0
                for v in 0..<256 {
                    seen += histogram[c * 256 + v]
                    if seen >= half { medians[y * 3 + c] = Double(v); break }
                }
            }
        }
        var best = Background.studio, bestCost = Double.infinity
        for background in Background.allCases {
            var cost = 0.0
            for y in 0..<h {
                let m = BackgroundPainter.rowColor(background, row: y, height: h)
                let d = distance(medians[y * 3], medians[y * 3 + 1], medians[y * 3 + 2], m)
                cost += min(d, 100)
            }
            if cost < bestCost { bestCost = cost; best = background }
        }
        var rows = medians
        for y in 0..<h {
            let m = BackgroundPainter.rowColor(best, row: y, height: h)
            if distance(medians[y * 3], medians[y * 3 + 1], medians[y * 3 + 2], m) > 40 {
                rows[y * 3] = m.r; rows[y * 3 + 1] = m.g; rows[y * 3 + 2] = m.b
            }
        }
        return BackgroundEstimate(background: best, rows: rows)
    }

    @inline(__always)
    static func distance(_ r: Double, _ g: Double, _ b: Double, _ m: RGB) -> Double {
        let dr = r - m.r, dg = g - m.g, db = b - m.b
        return (dr * dr + dg * dg + db * db).squareRoot()
    }

    /// Labels each pixel of a blurred frame: 0 for background, 1 + palette index for an object colour.
    static func label(_ frame: [Float], width: Int, height: Int, background: BackgroundEstimate, into labels: inout [UInt8]) {
        if labels.count != width * height { labels = [UInt8](repeating: 0, count: width * height) }
        let colors: [(Float, Float, Float)] = palette.map { c in (Float(c.rgb.0), Float(c.rgb.1), Float(c.rgb.2)) }
        for y in 0..<height {
            let br = Float(background.rows[y * 3]), bg = Float(background.rows[y * 3 + 1]), bb = Float(background.rows[y * 3 + 2])
            for x in 0..<width {
                let o = (y * width + x) * 3
                let pr = frame[o] - br, pg = frame[o + 1] - bg, pb = frame[o + 2] - bb
                let offset = pr * pr + pg * pg + pb * pb
                var result: UInt8 = 0
                if offset > 64 {   // more than 8 levels from the background: not just noise
                    var bestResidual = Float.infinity, bestAlpha: Float = 0, bestIndex = 0
                    for (i, c) in colors.enumerated() {
                        let vr = c.0 - br, vg = c.1 - bg, vb = c.2 - bb
                        let vv = vr * vr + vg * vg + vb * vb
                        if vv < 1 { continue }
                        let alpha = min(1, max(0, (pr * vr + pg * vg + pb * vb) / vv))
                        let er = pr - alpha * vr, eg = pg - alpha * vg, eb = pb - alpha * vb
                        let residual = er * er + eg * eg + eb * eb
                        if residual < bestResidual { bestResidual = residual; bestAlpha = alpha; bestIndex = i }
                    }
                    if bestAlpha >= 0.5 { result = UInt8(bestIndex + 1) }
                }
                labels[y * width + x] = result
            }
        }
    }

    /// 4-connected components of equal non-zero labels with at least `minimumArea` pixels.
    static func blobs(_ labels: [UInt8], width: Int, height: Int, minimumArea: Int) -> [Blob] {
        var visited = [Bool](repeating: false, count: labels.count)
        var stack: [Int32] = []
        var found: [Blob] = []
        for start in 0..<labels.count where labels[start] != 0 && !visited[start] {
            let label = labels[start]
            var pixels: [Int32] = []
            visited[start] = true
            stack.append(Int32(start))
            while let p = stack.popLast() {
                pixels.append(p)
                let i = Int(p), x = i % width, y = i / width
                if x > 0 && !visited[i - 1] && labels[i - 1] == label { visited[i - 1] = true; stack.append(Int32(i - 1)) }
                if x + 1 < width && !visited[i + 1] && labels[i + 1] == label { visited[i + 1] = true; stack.append(Int32(i + 1)) }
                if y > 0 && !visited[i - width] && labels[i - width] == label { visited[i - width] = true; stack.append(Int32(i - width)) }
                if y + 1 < height && !visited[i + width] && labels[i + width] == label { visited[i + width] = true; stack.append(Int32(i + width)) }
            }
            guard pixels.count >= minimumArea else { continue }
            var sx = 0.0, sy = 0.0
            var minX = width, maxX = 0, minY = height, maxY = 0
            for p in pixels {
                let x = Int(p) % width, y = Int(p) / width
                sx += Double(x) + 0.5; sy += Double(y) + 0.5
                minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
            }
            let n = Double(pixels.count)
            found.append(Blob(color: palette[Int(label) - 1], pixels: pixels, centroidX: sx / n, centroidY: sy / n,
                              minX: minX, maxX: maxX, minY: minY, maxY: maxY,
                              touchesBorder: minX == 0 || minY == 0 || maxX == width - 1 || maxY == height - 1))
        }
        return found.sorted { $0.area > $1.area }
    }
}
