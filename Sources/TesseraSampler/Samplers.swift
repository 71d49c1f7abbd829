// ODE samplers for rectified flow, as small pure functions that take the model as a closure
// (stable-diffusion.cpp's sample_euler / sample_heun). `velocity(x, sigma, step)` returns v = dx/dsigma.
// `sigmas` runs from the starting noise level down to 0 (RectifiedFlow.sigmas).
import Foundation
import TesseraEngine

/// Progress of a sampling run, reported after each step.
public struct SamplingProgress: Sendable {
    public var step: Int, total: Int
    public var elapsed: Double
    /// Seconds left at the current pace.
    public var eta: Double { step == 0 ? .infinity : elapsed / Double(step) * Double(total - step) }
}

public struct SamplingCancelled: Error, Equatable {
    public init() {}
}

/// Cooperative cancellation and progress for one generation. `cancel()` may be called from any
/// thread; the sampler stops before its next model evaluation and throws `SamplingCancelled`.
public final class SamplingMonitor: @unchecked Sendable {
    private var cancelled = false
    private let lock = NSLock()
    public let clock: () -> Double
    /// Called after every step with the progress and the current latent estimate x.
    public var onStep: ((SamplingProgress, Tensor<Float>?) -> Void)?
    var start: Double = 0

    public init(clock: @escaping () -> Double = Benchmark.now, onStep: ((SamplingProgress, Tensor<Float>?) -> Void)? = nil) {
        self.clock = clock
        self.onStep = onStep
    }

    public func cancel() { lock.withLock { cancelled = true } }
    public var isCancelled: Bool { lock.withLock { cancelled } }

    func begin() { start = clock() }

    func check() throws { if isCancelled { throw SamplingCancelled() } }

    func report<T: TensorScalar>(step: Int, total: Int, x: Tensor<T>) {
        guard let onStep else { return }
        onStep(SamplingProgress(step: step, total: total, elapsed: clock() - start), T.self == Float.self ? (x as! Tensor<Float>) : nil)
    }
}

/// x + a * v.
func axpy<T: TensorScalar>(_ x: Tensor<T>, _ a: Double, _ v: Tensor<T>) -> Tensor<T> {
    precondition(x.shape == v.shape, "sampler: velocity \(v.shape) for x \(x.shape)")
    var out = Tensor<T>(uninitialized: x.shape)
    let s = T(a)
    out.withUnsafeMutablePointer { o in x.withUnsafePointer { xp in v.withUnsafePointer { vp in
        for i in 0..<x.count { o[i] = xp[i] + s * vp[i] }
    }}}
    return out
}

/// Euler: x <- x + (sigma_{i+1} - sigma_i) v(x, sigma_i). First order.
public func sampleEuler<T: TensorScalar>(x: Tensor<T>, sigmas: [Double], monitor: SamplingMonitor? = nil,
                                         velocity: (Tensor<T>, Double, Int) throws -> Tensor<T>) throws -> Tensor<T> {
    var x = x
    let steps = sigmas.count - 1
    monitor?.begin()
    for i in 0..<steps {
        try monitor?.check()
        x = axpy(x, sigmas[i + 1] - sigmas[i], try velocity(x, sigmas[i], i))
        monitor?.report(step: i + 1, total: steps, x: x)
    }
    return x
}

/// Euler with fresh noise: each step splits x into its clean estimate x0 = x - sigma v and noise
/// estimate eps = x + (1 - sigma) v, replaces a share `stochasticity` of the noise's variance by a
/// fresh draw `freshNoise(i)`, and re-mixes at the next level:
///   x <- (1 - sigma_{i+1}) x0 + sigma_{i+1} (sqrt(1 - e) eps + sqrt(e) z_i).
/// e = 0 is exactly `sampleEuler`; e = 1 re-noises the clean estimate with new noise every step.
/// Why: with the deterministic ODE a blob that one frame's start noise suggests persists, since that
/// noise stays in x to the end; fresh noise makes such accidents transient, while what the model
/// predicts consistently accumulates in x0.
public func sampleEulerStochastic<T: TensorScalar>(x: Tensor<T>, sigmas: [Double], stochasticity e: Double, monitor: SamplingMonitor? = nil,
                                                   freshNoise: (Int) -> Tensor<T>,
                                                   velocity: (Tensor<T>, Double, Int) throws -> Tensor<T>) throws -> Tensor<T> {
    precondition(e >= 0 && e <= 1, "stochasticity must lie in [0, 1]")
    var x = x
    let steps = sigmas.count - 1
    monitor?.begin()
    for i in 0..<steps {
        try monitor?.check()
        let s = sigmas[i], next = sigmas[i + 1]
        let v = try velocity(x, s, i)
        if e == 0 || next == 0 {
            x = axpy(x, next - s, v)
        } else {
            let z = freshNoise(i)
            precondition(z.shape == x.shape, "sampler: fresh noise \(z.shape) for x \(x.shape)")
            let keep = T((1 - e).squareRoot()), fresh = T(e.squareRoot())
            let a = T(1 - next), b = T(next), st = T(s)
            var out = Tensor<T>(uninitialized: x.shape)
            out.withUnsafeMutablePointer { o in x.withUnsafePointer { xp in v.withUnsafePointer { vp in z.withUnsafePointer { zp in
                for k in 0..<x.count {
                    let x0 = xp[k] - st * vp[k], eps = xp[k] + (1 - st) * vp[k]
                    o[k] = a * x0 + b * (keep * eps + fresh * zp[k])
                }
            }}}}
            x = out
        }
        monitor?.report(step: i + 1, total: steps, x: x)
    }
    return x
}

/// Heun (trapezoidal predictor-corrector): second order; two evaluations per step except the
/// last step to sigma 0, which is an Euler step (as in k-diffusion and stable-diffusion.cpp).
public func sampleHeun<T: TensorScalar>(x: Tensor<T>, sigmas: [Double], monitor: SamplingMonitor? = nil,
                                        velocity: (Tensor<T>, Double, Int) throws -> Tensor<T>) throws -> Tensor<T> {
    var x = x
    let steps = sigmas.count - 1
    monitor?.begin()
    for i in 0..<steps {
        try monitor?.check()
        let dt = sigmas[i + 1] - sigmas[i]
        let v1 = try velocity(x, sigmas[i], i)
        let predicted = axpy(x, dt, v1)
        if sigmas[i + 1] == 0 {
            x = predicted
        } else {
            try monitor?.check()
            let v2 = try velocity(predicted, sigmas[i + 1], i)
            x = axpy(axpy(x, dt / 2, v1), dt / 2, v2)
        }
        monitor?.report(step: i + 1, total: steps, x: x)
    }
    return x
}
