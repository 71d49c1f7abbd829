// Rectified flow (Liu et al. 2022; SD3, Esser et al. 2024): a straight path from data to noise.
//   x_t = (1 - t) x0 + t eps,   t in [0, 1] (t = 1 is pure noise), the model predicts v = eps - x0,
//   so dx/dt = v and sampling integrates from t = 1 down to t = 0.
// Training times are logit-normal (SD3) and then shifted towards noise for larger token counts:
//   t' = s t / (1 + (s - 1) t),   s = sqrt(tokens / 256) clamped to [1, 6]
// (more tokens carry the same image at higher redundancy, so they need more noise to be destroyed).
// Never below 1: a preview image (40 tokens) at s = 0.5 drew only 0.75% of its training times above
// t = 0.85, where the composition (where the object goes, how many there are) is decided.
import TesseraEngine

public enum RectifiedFlow {
    /// SD3's time shift; maps 0 -> 0 and 1 -> 1, monotonic for s > 0.
    public static func shift(_ t: Double, by s: Double) -> Double {
        s * t / (1 + (s - 1) * t)
    }

    /// Resolution-dependent shift: sqrt(tokens / baseTokens), clamped to [1, 6].
    public static func shiftFactor(tokens: Int, baseTokens: Int = 256) -> Double {
        min(6, max(1, (Double(tokens) / Double(baseTokens)).squareRoot()))
    }

    /// A training time: sigmoid(mean + std * n), n ~ N(0, 1), then shifted by `shift`.
    public static func sampleTime(_ rng: inout RandomGenerator, shift s: Double, mean: Double = 0, std: Double = 1) -> Double {
        let u = mean + std * rng.normal()
        return shift(1 / (1 + Double.exp(-u)), by: s)
    }

    /// A training time: with probability `highNoiseShare` uniform in [`highNoiseFloor`, 1), otherwise
    /// `sampleTime`. Why: probed on training images, the step-83247 model's x0 estimates at t = 0.3
    /// and 0.6 kept every shape, while at t = 0.9 it drew a blob wherever the noise hinted at an
    /// object; sampling from pure noise then condensed several blobs. The composition is made at
    /// high noise, which logit-normal times visit rarely. A share of 0 draws exactly `sampleTime`.
    public static func sampleTrainingTime(_ rng: inout RandomGenerator, shift s: Double, highNoiseShare: Double,
                                          highNoiseFloor: Double = 0.6) -> Double {
        if highNoiseShare > 0 && rng.uniform() < highNoiseShare { return highNoiseFloor + (1 - highNoiseFloor) * rng.uniform() }
        return sampleTime(&rng, shift: s)
    }

    /// x_t = (1 - t) x0 + t eps and the target v = eps - x0, per sample b (t has B entries).
    public static func noised<T: TensorScalar>(_ x0: Tensor<T>, noise: Tensor<T>, t: [Double]) -> (xt: Tensor<T>, velocity: Tensor<T>) {
        precondition(x0.shape == noise.shape && x0.shape[0] == t.count, "x0 \(x0.shape), noise \(noise.shape), \(t.count) times")
        let per = x0.count / t.count
        var xt = Tensor<T>(uninitialized: x0.shape), v = Tensor<T>(uninitialized: x0.shape)
        xt.withUnsafeMutablePointer { xp in v.withUnsafeMutablePointer { vp in x0.withUnsafePointer { a in noise.withUnsafePointer { e in
            for b in 0..<t.count {
                let tb = T(t[b])
                for i in (b * per)..<((b + 1) * per) {
                    xp[i] = (1 - tb) * a[i] + tb * e[i]
                    vp[i] = e[i] - a[i]
                }
            }
        }}}}
        return (xt, v)
    }

    /// A refinement's path: x_t = (1 - t) start + t eps, where `start` is a degraded version of x0 (a
    /// preview latent upscaled to x0's grid), and the target v = (x_t - x0) / t, so that the clean
    /// estimate x_t - t v is the sharp x0. With start = x0 this is `noised(_:noise:t:)`. t > 0.
    public static func noised<T: TensorScalar>(_ x0: Tensor<T>, from start: Tensor<T>, noise: Tensor<T>, t: [Double]) -> (xt: Tensor<T>, velocity: Tensor<T>) {
        precondition(x0.shape == noise.shape && x0.shape == start.shape && x0.shape[0] == t.count && t.allSatisfy { $0 > 0 },
                     "x0 \(x0.shape), start \(start.shape), noise \(noise.shape), times \(t)")
        let per = x0.count / t.count
        var xt = Tensor<T>(uninitialized: x0.shape), v = Tensor<T>(uninitialized: x0.shape)
        xt.withUnsafeMutablePointer { xp in v.withUnsafeMutablePointer { vp in
            x0.withUnsafePointer { a in start.withUnsafePointer { s in noise.withUnsafePointer { e in
                for b in 0..<t.count {
                    let tb = T(t[b])
                    for i in (b * per)..<((b + 1) * per) {
                        xp[i] = (1 - tb) * s[i] + tb * e[i]
                        vp[i] = (xp[i] - a[i]) / tb
                    }
                }
            }}}
        }}
        return (xt, v)
    }

    /// The clean estimate implied by velocity `v` at time `t`: x0 = x_t - t v.
    public static func cleanEstimate<T: TensorScalar>(_ xt: Tensor<T>, t: Double, velocity v: Tensor<T>) -> Tensor<T> {
        axpy(xt, -t, v)
    }

    /// Noise levels for sampling with `steps` steps: uniform in t from 1 to 0, shifted by `shift`.
    /// steps + 1 values, first 1, last 0, strictly decreasing.
    public static func sigmas(steps: Int, shift s: Double = 1) -> [Double] {
        precondition(steps >= 1, "need at least one step")
        return (0...steps).map { shift(1 - Double($0) / Double(steps), by: s) }
    }
}

/// Classifier-free guidance: v = v_u + g (v_c - v_u).
public func classifierFreeGuidance<T: TensorScalar>(unconditional vu: Tensor<T>, conditional vc: Tensor<T>, scale g: Double) -> Tensor<T> {
    precondition(vu.shape == vc.shape, "guidance shapes \(vu.shape) vs \(vc.shape)")
    var out = Tensor<T>(uninitialized: vu.shape)
    let gs = T(g)
    out.withUnsafeMutablePointer { o in vu.withUnsafePointer { u in vc.withUnsafePointer { c in
        for i in 0..<vu.count { o[i] = u[i] + gs * (c[i] - u[i]) }
    }}}
    return out
}
