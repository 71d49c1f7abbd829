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
