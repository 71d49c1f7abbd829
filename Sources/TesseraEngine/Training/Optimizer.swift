// AdamW (Loshchilov & Hutter) over a whole ParameterStore in one pass, global-norm gradient
// clipping, and EMA weights. Weight decay applies to matrices only (rank >= 2), not to biases,
// norms or embeddings of rank 1.

public final class AdamW<T: TensorScalar> {
    public let store: ParameterStore<T>
    public var beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double
    public private(set) var step = 0
    public private(set) var m: UnsafeMutablePointer<T>
    public private(set) var v: UnsafeMutablePointer<T>
    private let decayMask: [Bool]
    /// Learning-rate multiplier per store entry (default 1): a layer added to a trained model at zero
    /// can learn faster than the weights around it.
    public var rateScales: [Double]

    public init(_ store: ParameterStore<T>, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0.0) {
        self.store = store
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon; self.weightDecay = weightDecay
        m = .allocate(capacity: max(1, store.count)); m.initialize(repeating: 0, count: max(1, store.count))
        v = .allocate(capacity: max(1, store.count)); v.initialize(repeating: 0, count: max(1, store.count))
        decayMask = store.entries.map { $0.shape.count >= 2 }
        rateScales = [Double](repeating: 1, count: store.entries.count)
    }

    deinit { m.deallocate(); v.deallocate() }

    /// Sets `rateScales` from multipliers keyed by parameter-name prefix; the longest matching prefix
    /// wins (so "blocks=0.5,blocks.0=2" means the same on every run), other entries get 1.
    public func setRateScales(byPrefix scales: [String: Double]) {
        rateScales = store.entries.map { e in
            scales.filter { e.name.hasPrefix($0.key) }.max { $0.key.count < $1.key.count }?.value ?? 1
        }
    }

    /// One update with learning rate `lr` (times the entry's `rateScales`) from the gradients in the store.
    // Specialised here: called from other modules, the generic body would otherwise run through
    // witness tables (about 1 s per step for 13.6M parameters instead of a few tens of ms).
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func update(lr: Double) {
        step += 1
        let b1 = T(beta1), b2 = T(beta2), eps = T(epsilon)
        let c1 = T(1 - pow(beta1, Double(step))), c2 = T(1 - pow(beta2, Double(step)))
        let p = store.values, g = store.grads
        let m = self.m, v = self.v
        for (i, e) in store.entries.enumerated() {
            let decay = decayMask[i] ? T(1 - lr * weightDecay) : 1
            let rate = T(lr * rateScales[i])
            let range = e.offset..<(e.offset + e.count)
            Parallel.forRange(range.count, minimumChunk: 1 << 14) { r in
                for j in r {
                    let k = range.lowerBound + j
                    let gk = g[k]
                    m[k] = b1 * m[k] + (1 - b1) * gk
                    v[k] = b2 * v[k] + (1 - b2) * gk * gk
                    let mhat = m[k] / c1, vhat = v[k] / c2
                    p[k] = p[k] * decay - rate * mhat / (vhat.squareRoot() + eps)
                }
            }
        }
    }

    /// Restores optimizer state (from a checkpoint).
    public func restore(step: Int, m mValues: [Float], v vValues: [Float]) {
        precondition(mValues.count == store.count && vValues.count == store.count, "optimizer state size mismatch")
        self.step = step
        for i in 0..<store.count { m[i] = T(mValues[i]); v[i] = T(vValues[i]) }
    }
}

public enum GradientClipping {
    /// Scales all gradients so their global L2 norm is at most `maxNorm`; returns the norm before clipping.
    @discardableResult
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func clip<T: TensorScalar>(_ store: ParameterStore<T>, maxNorm: Double) -> Double {
        let norm = store.gradNorm()
        if norm > maxNorm && norm.isFinite {
            let s = T(maxNorm / norm)
            for i in 0..<store.count { store.grads[i] *= s }
        }
        return norm
    }
}

/// Exponential moving average of the parameters: ema = decay * ema + (1 - decay) * params.
public final class EMAWeights<T: TensorScalar> {
    public let store: ParameterStore<T>
    public var decay: Double
    public let values: UnsafeMutablePointer<T>

    public init(_ store: ParameterStore<T>, decay: Double = 0.999) {
        self.store = store
        self.decay = decay
        values = .allocate(capacity: max(1, store.count))
        values.update(from: store.values, count: store.count)
    }

    deinit { values.deallocate() }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func update() {
        let d = T(decay), p = store.values, e = values
        Parallel.forRange(store.count, minimumChunk: 1 << 14) { r in
            // e + (1 - d)(p - e), not d e + (1 - d) p: the same average, but a weight that does not
            // change (a frozen encoder) keeps its EMA bit for bit.
            for i in r { e[i] += (1 - d) * (p[i] - e[i]) }
        }
    }

    /// Copies the EMA weights into the store (for evaluation or shipping).
    public func copyToStore() { store.values.update(from: values, count: store.count) }
}

/// Linear warm-up to `peak`, then cosine decay to `floor` at `totalSteps`.
public struct LearningRateSchedule: Codable, Equatable, Sendable {
    public var peak: Double, floor: Double, warmupSteps: Int, totalSteps: Int
    public init(peak: Double, floor: Double = 0, warmupSteps: Int, totalSteps: Int) {
        self.peak = peak; self.floor = floor; self.warmupSteps = warmupSteps; self.totalSteps = totalSteps
    }

    /// Learning rate for 0-based step `step`.
    public func rate(at step: Int) -> Double {
        if step < warmupSteps { return peak * Double(step + 1) / Double(warmupSteps) }
        if step >= totalSteps { return floor }
        let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
        return floor + (peak - floor) * 0.5 * (1 + cos(Double.pi * progress))
    }
}

#if canImport(Glibc)
import Glibc
#endif
