// A 256-colour palette for a whole clip: median cut over a 5-5-5 histogram, refined by a few
// weighted k-means (Lloyd) passes, then nearest-colour lookup through a lazily filled 7-7-7 table.
// Deterministic: no random seeding, ties broken by index.

struct ClipPalette {
    /// RGB triples, at most 256.
    private(set) var colors: [(r: Int, g: Int, b: Int)] = []
    /// 7 bits per channel -> palette index + 1 (0 = not computed yet).
    private var table = [UInt16](repeating: 0, count: 1 << 21)

    init(video: Video, size: Int = 256) {
        // Histogram with exact colour sums per bin, so refined centroids are not snapped to bins.
        var count = [Int](repeating: 0, count: 1 << 15)
        var sum = [Int](repeating: 0, count: 3 << 15)
        video.pixels.withUnsafeBufferPointer { p in
            var i = 0
            while i + 2 < p.count {
                let r = Int(p[i]), g = Int(p[i + 1]), b = Int(p[i + 2])
                let bin = (r >> 3) << 10 | (g >> 3) << 5 | (b >> 3)
                count[bin] += 1
                sum[3 * bin] += r; sum[3 * bin + 1] += g; sum[3 * bin + 2] += b
                i += 3
            }
        }
        // Each used bin as (mean colour, weight).
        var bins: [(c: (Double, Double, Double), w: Double)] = []
        for bin in 0..<(1 << 15) where count[bin] > 0 {
            let n = Double(count[bin])
            bins.append(((Double(sum[3 * bin]) / n, Double(sum[3 * bin + 1]) / n, Double(sum[3 * bin + 2]) / n), n))
        }
        var centroids = ClipPalette.medianCut(bins, size: size)
        ClipPalette.refine(&centroids, bins: bins, passes: 6)
        colors = centroids.map { (r: Int($0.0.rounded()), g: Int($0.1.rounded()), b: Int($0.2.rounded())) }
    }

    /// Palette index of the colour nearest to (r, g, b), quantized to 7 bits per channel.
    @inline(__always)
    mutating func index(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        let key = Int(r >> 1) << 14 | Int(g >> 1) << 7 | Int(b >> 1)
        let cached = table[key]
        if cached != 0 { return UInt8(cached - 1) }
        let best = nearest(Int(r) | 1, Int(g) | 1, Int(b) | 1)
        table[key] = UInt16(best + 1)
        return UInt8(best)
    }

    private func nearest(_ r: Int, _ g: Int, _ b: Int) -> Int {
        var best = 0, bestDistance = Int.max
        for (i, c) in colors.enumerated() {
            let dr = c.r - r, dg = c.g - g, db = c.b - b
            let d = dr * dr + dg * dg + db * db  // plain RGB distance: what PSNR measures
            if d < bestDistance { bestDistance = d; best = i }
        }
        return best
    }

    private typealias Bin = (c: (Double, Double, Double), w: Double)

    /// Splits the box with the largest weighted variance at its weighted median, until `size` boxes.
    private static func medianCut(_ bins: [Bin], size: Int) -> [(Double, Double, Double)] {
        guard !bins.isEmpty else { return [(0, 0, 0)] }
        var boxes: [[Bin]] = [bins]
        func channel(_ c: (Double, Double, Double), _ k: Int) -> Double { k == 0 ? c.0 : (k == 1 ? c.1 : c.2) }
        func spread(_ box: [Bin]) -> (score: Double, axis: Int) {
            var best = (score: 0.0, axis: 0)
            let total = box.reduce(0) { $0 + $1.w }
            for k in 0..<3 {
                let mean = box.reduce(0) { $0 + channel($1.c, k) * $1.w } / total
                let sse = box.reduce(0) { $0 + (channel($1.c, k) - mean) * (channel($1.c, k) - mean) * $1.w }
                if sse > best.score { best = (sse, k) }
            }
            return best
        }
        var spreads = boxes.map(spread)
        while boxes.count < size {
            guard let (i, s) = spreads.enumerated().max(by: { $0.element.score < $1.element.score }),
                  s.score > 0, boxes[i].count > 1 else { break }
            let sorted = boxes[i].sorted { channel($0.c, s.axis) < channel($1.c, s.axis) }
            let half = sorted.reduce(0) { $0 + $1.w } / 2
            var acc = 0.0, cut = 1
            for (j, bin) in sorted.enumerated() {
                acc += bin.w
                if acc >= half { cut = max(1, min(sorted.count - 1, j + 1)); break }
            }
            boxes[i] = Array(sorted[..<cut])
            boxes.append(Array(sorted[cut...]))
            spreads[i] = spread(boxes[i])
            spreads.append(spread(boxes[boxes.count - 1]))
        }
        return boxes.map { box in
            let w = box.reduce(0) { $0 + $1.w }
            return (box.reduce(0) { $0 + $1.c.0 * $1.w } / w, box.reduce(0) { $0 + $1.c.1 * $1.w } / w,
                    box.reduce(0) { $0 + $1.c.2 * $1.w } / w)
        }
    }

    /// Weighted Lloyd iterations over the histogram bins (plain squared RGB distance).
    private static func refine(_ centroids: inout [(Double, Double, Double)], bins: [Bin], passes: Int) {
        let k = centroids.count
        for _ in 0..<passes {
            var sums = [(Double, Double, Double, Double)](repeating: (0, 0, 0, 0), count: k)
            for bin in bins {
                var best = 0, bestDistance = Double.infinity
                for j in 0..<k {
                    let c = centroids[j]
                    let d0 = bin.c.0 - c.0, d1 = bin.c.1 - c.1, d2 = bin.c.2 - c.2
                    let d = d0 * d0 + d1 * d1 + d2 * d2
                    if d < bestDistance { bestDistance = d; best = j }
                }
                sums[best].0 += bin.c.0 * bin.w
                sums[best].1 += bin.c.1 * bin.w
                sums[best].2 += bin.c.2 * bin.w
                sums[best].3 += bin.w
            }
            for j in 0..<k where sums[j].3 > 0 {
                centroids[j] = (sums[j].0 / sums[j].3, sums[j].1 / sums[j].3, sums[j].2 / sums[j].3)
            }
        }
    }
}
