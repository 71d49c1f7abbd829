// Absolute token positions in the world's normalised frame coordinates (WORLD.md: x is a fraction of
// the frame's width, y of its height), as Fourier features that a zero-initialised linear layer
// ("pos_embedder") adds to the token embeddings.
//
// Why beside RoPE: RoPE tells attention only the offset between two tokens, and the world is laid
// out in absolute terms (a sunset's purple top and orange bottom, a ground line at y = 0.62, objects
// "on the left"). With RoPE alone the shipped step-83247 model drew sunsets upside down and ground
// lines at the wrong height (docs/architecture.md). The features depend only on where a token sits
// in the frame, so a preview and a full render of any aspect ratio share them.
//
//   per token (frame-independent), u in (x, y):  u - 1/2,  sin(pi f u), cos(pi f u) for f in 1, 2, 4, 8
//
// Absolute time (models with `absolute_time`, a second zero-initialised layer "time_embedder"):
// RoPE gives attention only the offset between two frames, and a token's value carries no time at
// all, so a far frame could not tell how far the object has moved since the clean first frame and
// hedged along the path (autoregressive previews smeared objects into streaks along the caption's
// direction, session 11). Each token gets its frame's time since the clip start, in units of the
// default 4 s clip:
//
//   per frame, s = seconds / 4:  s,  sin(pi f s), cos(pi f s) for f in 1, 2, 4, 8
import TesseraEngine

public enum AbsolutePosition {
    /// Multiples of pi; the lowest separates the two halves of the frame, the highest about a 16th.
    public static let frequencies: [Double] = [1, 2, 4, 8]
    /// Features per token.
    public static var featureCount: Int { 2 * (1 + 2 * frequencies.count) }

    /// Multiples of pi over the 4 s clip: the lowest spans it, the highest has a 1 s period (3 latent frames).
    public static let timeFrequencies: [Double] = [1, 2, 4, 8]
    /// Time features per token.
    public static var timeFeatureCount: Int { 1 + 2 * timeFrequencies.count }
    /// Seconds that map to s = 1.
    public static let timeUnit = 4.0

    /// (1, T, timeFeatureCount) features of each token's frame time (latent frame k at
    /// k * RoPETable.secondsPerLatentFrame), the same at every size and aspect ratio.
    public static func timeFeatures<T: TensorScalar>(layout: TokenLayout) -> Tensor<T> {
        var values: [T] = []
        values.reserveCapacity(layout.tokens * timeFeatureCount)
        for f in 0..<layout.frames {
            let s = Double(f) * RoPETable<T>.secondsPerLatentFrame / timeUnit
            var row = [T(s)]
            for k in timeFrequencies { row.append(T(Double.sin(Double.pi * k * s))); row.append(T(Double.cos(Double.pi * k * s))) }
            for _ in 0..<layout.tokensPerFrame { values.append(contentsOf: row) }
        }
        return Tensor(shape: [1, layout.tokens, timeFeatureCount], values: values)
    }

    /// Token centres as fractions of the unpadded frame: (x, y) per token, frame-major like the tokens.
    public static func coordinates(layout: TokenLayout, patch: (h: Int, w: Int)) -> [(x: Double, y: Double)] {
        let width = Double(layout.latentWidth ?? layout.columns * patch.w), height = Double(layout.latentHeight)
        var out: [(x: Double, y: Double)] = []
        out.reserveCapacity(layout.tokens)
        for _ in 0..<layout.frames {
            for i in 0..<layout.rows {
                for j in 0..<layout.columns {
                    out.append(((Double(j) + 0.5) * Double(patch.w) / width, (Double(i) + 0.5) * Double(patch.h) / height))
                }
            }
        }
        return out
    }

    /// (1, T, featureCount) features of a token grid.
    public static func features<T: TensorScalar>(layout: TokenLayout, patch: (h: Int, w: Int)) -> Tensor<T> {
        var values: [T] = []
        values.reserveCapacity(layout.tokens * featureCount)
        for p in coordinates(layout: layout, patch: patch) {
            for u in [p.x, p.y] {
                values.append(T(u - 0.5))
                for f in frequencies {
                    values.append(T(Double.sin(Double.pi * f * u)))
                    values.append(T(Double.cos(Double.pi * f * u)))
                }
            }
        }
        return Tensor(shape: [1, layout.tokens, featureCount], values: values)
    }
}
