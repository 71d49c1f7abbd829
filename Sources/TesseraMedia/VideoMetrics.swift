// Quality numbers for comparing two clips (tests, benchmarks, import reports).
#if canImport(Glibc)
import Glibc
#endif

extension Video {
    /// Peak signal-to-noise ratio in dB over all frames and channels (infinity when identical).
    /// Both clips must have the same size and frame count.
    public func psnr(against other: Video) -> Double {
        precondition(width == other.width && height == other.height && frameCount == other.frameCount,
                     "PSNR needs equal shapes: \(width)x\(height)x\(frameCount) vs \(other.width)x\(other.height)x\(other.frameCount)")
        var sum = 0
        pixels.withUnsafeBufferPointer { a in
            other.pixels.withUnsafeBufferPointer { b in
                for i in 0..<a.count {
                    let d = Int(a[i]) - Int(b[i])
                    sum += d * d
                }
            }
        }
        if sum == 0 { return .infinity }
        let mse = Double(sum) / Double(pixels.count)
        return 10 * log10(255 * 255 / mse)
    }
}

extension Video {
    /// Mean structural similarity (Wang et al. 2004) of the BT.601 luma, over 8x8 windows with a
    /// stride of 4, averaged over frames. 1 means identical.
    public func ssim(against other: Video) -> Double {
        precondition(width == other.width && height == other.height && frameCount == other.frameCount,
                     "SSIM needs equal shapes: \(width)x\(height)x\(frameCount) vs \(other.width)x\(other.height)x\(other.frameCount)")
        let c1 = (0.01 * 255.0) * (0.01 * 255.0), c2 = (0.03 * 255.0) * (0.03 * 255.0)
        let win = Swift.min(8, width, height), step = Swift.max(1, win / 2)
        func luma(_ v: Video, _ f: Int) -> [Double] {
            var y = [Double](repeating: 0, count: width * height)
            let base = f * width * height * 3
            for p in 0..<(width * height) {
                let r = Double(v.pixels[base + 3 * p]), g = Double(v.pixels[base + 3 * p + 1]), b = Double(v.pixels[base + 3 * p + 2])
                y[p] = 0.299 * r + 0.587 * g + 0.114 * b
            }
            return y
        }
        var total = 0.0, windows = 0
        for f in 0..<frameCount {
            let a = luma(self, f), b = luma(other, f)
            var y0 = 0
            while y0 + win <= height {
                var x0 = 0
                while x0 + win <= width {
                    var ma = 0.0, mb = 0.0
                    for y in y0..<(y0 + win) { for x in x0..<(x0 + win) { ma += a[y * width + x]; mb += b[y * width + x] } }
                    let n = Double(win * win)
                    ma /= n; mb /= n
                    var va = 0.0, vb = 0.0, cov = 0.0
                    for y in y0..<(y0 + win) { for x in x0..<(x0 + win) {
                        let da = a[y * width + x] - ma, db = b[y * width + x] - mb
                        va += da * da; vb += db * db; cov += da * db
                    }}
                    va /= n - 1; vb /= n - 1; cov /= n - 1
                    total += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2))
                    windows += 1
                    x0 += step
                }
                y0 += step
            }
        }
        return windows == 0 ? 1 : total / Double(windows)
    }
}

extension Video {
    /// Box-filter downscale by whole factors (width / newWidth and height / newHeight must be
    /// integers): each output pixel is the rounded mean of its block. Used to compare a full render
    /// with its preview.
    public func boxDownscaled(width w: Int, height h: Int) -> Video? {
        guard w > 0, h > 0, width % w == 0, height % h == 0 else { return nil }
        let fx = width / w, fy = height / h, n = fx * fy
        var out = [UInt8](repeating: 0, count: frameCount * w * h * 3)
        for f in 0..<frameCount {
            for y in 0..<h {
                for x in 0..<w {
                    for c in 0..<3 {
                        var sum = 0
                        for dy in 0..<fy { for dx in 0..<fx { sum += Int(pixels[((f * height + y * fy + dy) * width + x * fx + dx) * 3 + c]) } }
                        out[((f * h + y) * w + x) * 3 + c] = UInt8((sum + n / 2) / n)
                    }
                }
            }
        }
        return Video(width: w, height: h, fps: fps, pixels: out)
    }
}
