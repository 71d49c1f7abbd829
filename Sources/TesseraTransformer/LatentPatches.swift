// Latent <-> video tokens. One latent frame per token (patch 1 x ph x pw, LESSONS.md): motion is a
// change of position between tokens, never folded inside one.
//
//   latent z: (B, Fz, Hz, Wz, C) raw, as the autoencoder encodes it
//   normalised: (z - mean) / std per channel, zero-padded below and to the right up to a multiple
//   of (ph, pw) (a 128x72 preview has Hz = 9 rows; the pad row is cropped again on the way back)
//   tokens: (B, Fz * Hp * Wp, ph * pw * C), frame-major, then row, then column
import TesseraEngine

public struct LatentPatches: Sendable, Equatable {
    public let batch: Int, frames: Int, height: Int, width: Int, channels: Int
    public let patchHeight: Int, patchWidth: Int

    public init(latentShape s: [Int], patch: (h: Int, w: Int)) {
        precondition(s.count == 5, "latent must be (B, F, H, W, C), got \(s)")
        batch = s[0]; frames = s[1]; height = s[2]; width = s[3]; channels = s[4]
        patchHeight = patch.h; patchWidth = patch.w
    }

    public var paddedHeight: Int { (height + patchHeight - 1) / patchHeight * patchHeight }
    public var paddedWidth: Int { (width + patchWidth - 1) / patchWidth * patchWidth }
    public var rows: Int { paddedHeight / patchHeight }
    public var columns: Int { paddedWidth / patchWidth }
    public var tokens: Int { frames * rows * columns }
    public var tokensPerFrame: Int { rows * columns }
    public var tokenWidth: Int { patchHeight * patchWidth * channels }
    public var tokenShape: [Int] { [batch, tokens, tokenWidth] }
    public var latentShape: [Int] { [batch, frames, height, width, channels] }
    var grid: PatchGrid {
        PatchGrid(batch: batch, frames: frames, height: paddedHeight, width: paddedWidth, channels: channels,
                  patch: [1, patchHeight, patchWidth])
    }

    /// Normalises, pads and patchifies: (B, Fz, Hz, Wz, C) -> (B, T, ph pw C).
    public func tokens<T: TensorScalar>(from latent: Tensor<T>, mean: [Float], std: [Float]) -> Tensor<T> {
        precondition(latent.shape == latentShape, "latent \(latent.shape) does not match \(latentShape)")
        precondition(mean.count == channels && std.count == channels, "need \(channels) latent statistics")
        var padded = Tensor<T>(zeros: [batch, frames, paddedHeight, paddedWidth, channels])
        let c = channels
        padded.withUnsafeMutablePointer { p in
            latent.withUnsafePointer { z in
                for bf in 0..<(batch * frames) {
                    for y in 0..<height {
                        for x in 0..<width {
                            let src = z + ((bf * height + y) * width + x) * c
                            let dst = p + ((bf * paddedHeight + y) * paddedWidth + x) * c
                            for k in 0..<c { dst[k] = (src[k] - T(mean[k])) / T(std[k]) }
                        }
                    }
                }
            }
        }
        var out = Tensor<T>(uninitialized: tokenShape)
        out.withUnsafeMutablePointer { o in padded.withUnsafePointer { grid.patchify($0, into: o) } }
        return out
    }

    /// Inverse of `tokens(from:)`: unpatchifies, crops the padding and de-normalises.
    public func latent<T: TensorScalar>(from tokens: Tensor<T>, mean: [Float], std: [Float]) -> Tensor<T> {
        precondition(tokens.shape == tokenShape, "tokens \(tokens.shape) do not match \(tokenShape)")
        var padded = Tensor<T>(uninitialized: [batch, frames, paddedHeight, paddedWidth, channels])
        padded.withUnsafeMutablePointer { p in tokens.withUnsafePointer { grid.unpatchify($0, into: p) } }
        var out = Tensor<T>(uninitialized: latentShape)
        let c = channels
        out.withUnsafeMutablePointer { z in
            padded.withUnsafePointer { p in
                for bf in 0..<(batch * frames) {
                    for y in 0..<height {
                        for x in 0..<width {
                            let src = p + ((bf * paddedHeight + y) * paddedWidth + x) * c
                            let dst = z + ((bf * height + y) * width + x) * c
                            for k in 0..<c { dst[k] = src[k] * T(std[k]) + T(mean[k]) }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Loss weights laid out like the tokens: one weight per latent pixel (B, Fz, Hz, Wz), repeated
    /// over the channels and patchified, 0 on padding. (B, T, ph pw C).
    public func tokenWeights(_ weights: [Float]) -> Tensor<Float> {
        precondition(weights.count == batch * frames * height * width, "\(weights.count) weights for latent \(latentShape)")
        var perValue = Tensor<Float>(uninitialized: latentShape)
        let c = channels
        perValue.withUnsafeMutablePointer { p in
            for (i, w) in weights.enumerated() { for k in 0..<c { p[i * c + k] = w } }
        }
        return tokens(from: perValue, mean: [Float](repeating: 0, count: c), std: [Float](repeating: 1, count: c))
    }

    /// A (B, T) mask of tokens' share of real (unpadded) latent pixels, 0...1, for the loss.
    public var validFraction: [Double] {
        var m: [Double] = []
        for _ in 0..<frames {
            for i in 0..<rows {
                for j in 0..<columns {
                    let h = min(height, (i + 1) * patchHeight) - i * patchHeight
                    let w = min(width, (j + 1) * patchWidth) - j * patchWidth
                    m.append(Double(h * w) / Double(patchHeight * patchWidth))
                }
            }
        }
        return m
    }

    /// RoPE coordinates of these tokens (see RoPE.swift).
    public var coordinates: [(t: Double, y: Double, x: Double)] {
        RoPETable<Double>.gridCoordinates(frames: frames, rows: rows, columns: columns,
                                          patch: (patchHeight, patchWidth), latentHeight: height)
    }
}
