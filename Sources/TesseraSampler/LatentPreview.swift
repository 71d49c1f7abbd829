// A cheap preview of a latent without the decoder: each latent pixel's C channels map to RGB by a
// linear projection (C x 3 matrix + bias), fitted by least squares against decoded frames
// (stable-diffusion.cpp's latent-preview tables). One latent pixel stands for an 8x8 block.
//   latent frame: (H, W, C) raw (not normalised)  ->  RGB bytes (H, W, 3)
import TesseraEngine

public struct LatentPreview: Codable, Equatable, Sendable {
    public var channels: Int
    public var matrix: [Float]   // (C, 3) row-major: rgb[k] = sum_c z[c] * matrix[c * 3 + k] + bias[k]
    public var bias: [Float]     // (3), in [-1, 1] video units

    public init(channels: Int, matrix: [Float], bias: [Float]) {
        precondition(matrix.count == channels * 3 && bias.count == 3, "preview needs a \(channels)x3 matrix and 3 biases")
        self.channels = channels; self.matrix = matrix; self.bias = bias
    }

    /// Least squares fit of rgb ~ z M + b over pairs (latent pixel, mean colour of its block in
    /// [-1, 1]), through the normal equations in Double with a small ridge for stability.
    public static func fit(latents: [Float], colors: [Float], channels c: Int, ridge: Double = 1e-6) -> LatentPreview {
        let n = latents.count / c
        precondition(colors.count == n * 3 && n > 0, "need one RGB triple per latent pixel")
        let k = c + 1
        var ata = [Double](repeating: 0, count: k * k), atb = [Double](repeating: 0, count: k * 3)
        var row = [Double](repeating: 1, count: k)
        for i in 0..<n {
            for j in 0..<c { row[j] = Double(latents[i * c + j]) }
            row[c] = 1
            for a in 0..<k {
                for b in 0..<k { ata[a * k + b] += row[a] * row[b] }
                for ch in 0..<3 { atb[a * 3 + ch] += row[a] * Double(colors[i * 3 + ch]) }
            }
        }
        for a in 0..<k { ata[a * k + a] += ridge * Double(n) }
        let solution = solve(ata, atb, n: k, rhs: 3)
        return LatentPreview(channels: c, matrix: (0..<(c * 3)).map { Float(solution[$0]) },
                             bias: (0..<3).map { Float(solution[c * 3 + $0]) })
    }

    /// Gaussian elimination with partial pivoting: A (n x n) X = B (n x rhs).
    static func solve(_ a: [Double], _ b: [Double], n: Int, rhs: Int) -> [Double] {
        var a = a, b = b
        for col in 0..<n {
            let pivot = (col..<n).max { abs(a[$0 * n + col]) < abs(a[$1 * n + col]) }!
            if pivot != col {
                for j in 0..<n { a.swapAt(col * n + j, pivot * n + j) }
                for j in 0..<rhs { b.swapAt(col * rhs + j, pivot * rhs + j) }
            }
            let p = a[col * n + col]
            guard abs(p) > 1e-300 else { continue }
            for r in 0..<n where r != col {
                let f = a[r * n + col] / p
                if f == 0 { continue }
                for j in col..<n { a[r * n + j] -= f * a[col * n + j] }
                for j in 0..<rhs { b[r * rhs + j] -= f * b[col * rhs + j] }
            }
        }
        var x = [Double](repeating: 0, count: n * rhs)
        for r in 0..<n { for j in 0..<rhs { x[r * rhs + j] = a[r * n + r] == 0 ? 0 : b[r * rhs + j] / a[r * n + r] } }
        return x
    }

    /// RGB in [-1, 1] of every latent pixel of one frame (H * W * C values) -> (H * W * 3).
    public func rgb(_ frame: UnsafePointer<Float>, pixels: Int) -> [Float] {
        var out = [Float](repeating: 0, count: pixels * 3)
        for i in 0..<pixels {
            for k in 0..<3 {
                var s = bias[k]
                for j in 0..<channels { s += frame[i * channels + j] * matrix[j * 3 + k] }
                out[i * 3 + k] = s
            }
        }
        return out
    }

    /// Bytes (H * W * 3) of latent frame `f` of a (1, F, H, W, C) latent.
    public func image(_ latent: Tensor<Float>, frame f: Int) -> [UInt8] {
        let (_, _, h, w, c) = latent.shape5
        precondition(c == channels, "preview fitted for \(channels) channels, latent has \(c)")
        let values = latent.withUnsafePointer { rgb($0 + f * h * w * c, pixels: h * w) }
        return values.map { UInt8(max(0, min(255, (($0 + 1) * 127.5).rounded()))) }
    }
}
