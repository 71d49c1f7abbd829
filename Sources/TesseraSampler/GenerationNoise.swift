// Deterministic starting noise: latent frame f of a generation with seed s is drawn from the
// Philox stream (s, mix("NOISE" ^ f)), so a generation is bit-for-bit reproducible, independent of
// thread count, and a longer video shares its first frames' noise with a shorter one.
//   noise: (B, F, H, W, C) standard normal; batch element b uses seed + b.
import TesseraEngine

public enum GenerationNoise {
    public static let streamTag: UInt64 = 0x4E4F_4953_45   // "NOISE"

    public static func latent<T: TensorScalar>(shape: [Int], seed: UInt64) -> Tensor<T> {
        precondition(shape.count == 5, "noise shape must be (B, F, H, W, C), got \(shape)")
        let frameCount = shape[2] * shape[3] * shape[4]
        var out = Tensor<T>(uninitialized: shape)
        out.withUnsafeMutablePointer { p in
            for b in 0..<shape[0] {
                for f in 0..<shape[1] {
                    var rng = RandomGenerator(seed: seed &+ UInt64(b), stream: RandomGenerator.mix(streamTag ^ UInt64(f)))
                    rng.fillNormal(p + (b * shape[1] + f) * frameCount, count: frameCount)
                }
            }
        }
        return out
    }
}
