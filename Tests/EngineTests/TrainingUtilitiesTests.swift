// AdamW against a naive Double reference, convergence on a quadratic bowl, global-norm gradient
// clipping, EMA against its closed form, and the warm-up + cosine learning-rate schedule.
import Foundation
import XCTest
import TesseraEngine

/// Textbook AdamW (Loshchilov & Hutter; PyTorch's torch.optim.AdamW) in Double, one array per
/// parameter. Decoupled weight decay only on parameters of rank >= 2.
struct ReferenceAdamW {
    var beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weightDecay = 0.0
    var m: [[Double]], v: [[Double]]
    var t = 0

    init(shapes: [[Int]], weightDecay: Double) {
        m = shapes.map { [Double](repeating: 0, count: $0.reduce(1, *)) }
        v = m
        self.weightDecay = weightDecay
    }

    mutating func step(params: inout [[Double]], grads: [[Double]], ranks: [Int], lr: Double, scales: [Double]? = nil) {
        t += 1
        for i in params.indices {
            for j in params[i].indices {
                let g = grads[i][j]
                m[i][j] = beta1 * m[i][j] + (1 - beta1) * g
                v[i][j] = beta2 * v[i][j] + (1 - beta2) * g * g
                let mHat = m[i][j] / (1 - pow(beta1, Double(t)))
                let vHat = v[i][j] / (1 - pow(beta2, Double(t)))
                if ranks[i] >= 2 { params[i][j] -= lr * weightDecay * params[i][j] }
                params[i][j] -= lr * (scales?[i] ?? 1) * mHat / (vHat.squareRoot() + epsilon)
            }
        }
    }
}

final class TrainingUtilitiesTests: XCTestCase {
    static let shapes: [[Int]] = [[3, 4], [4], [], [2, 1, 3], [5]]

    /// Runs `steps` AdamW updates on a store of T and on the reference with the same gradients
    /// (which depend on the current parameters, so errors would compound); returns both.
    func runAdamW<T: TensorScalar>(_ type: T.Type, steps: Int, weightDecay: Double, rateScales: [Double]? = nil) -> (engine: [[Double]], reference: [[Double]]) {
        let store = ParameterStore<T>(seed: 5)
        for (i, s) in Self.shapes.enumerated() { store.add("p\(i)", shape: s, initializer: .normal(std: 1)) }
        let opt = AdamW(store, weightDecay: weightDecay)
        if let rateScales { opt.rateScales = rateScales }
        var params = store.entries.map { e in (0..<e.count).map { Double(store.values[e.offset + $0]) } }
        var ref = ReferenceAdamW(shapes: Self.shapes, weightDecay: weightDecay)
        var rng = RandomGenerator(seed: 6)
        for step in 0..<steps {
            let lr = 0.01 * Double(step + 1) / Double(steps)
            // g = 0.5 * p + noise: a gradient that depends on where the parameters are.
            var grads: [[Double]] = []
            for e in store.entries {
                var g: [Double] = []
                for j in 0..<e.count {
                    let noise = Double(T(rng.normal()))
                    let value = Double(T(0.5 * Double(store.values[e.offset + j]) + noise))
                    store.grads[e.offset + j] = T(value)
                    g.append(value)
                }
                grads.append(g)
            }
            opt.update(lr: lr)
            ref.step(params: &params, grads: grads, ranks: Self.shapes.map(\.count), lr: lr, scales: rateScales)
        }
        XCTAssertEqual(opt.step, steps)
        // The moments the optimizer keeps match the reference too. In Float, 1 - Float(0.999) is
        // 0.00099998713, so v carries a 1.3e-5 relative offset (1 - Float(0.9) is off by 2.4e-7).
        let (mTol, vTol) = T.self == Double.self ? (1e-12, 1e-12) : (1e-6, 3e-5)
        for (i, e) in store.entries.enumerated() {
            for j in 0..<e.count {
                XCTAssertEqual(Double(opt.m[e.offset + j]), ref.m[i][j], accuracy: mTol * max(1e-3, abs(ref.m[i][j])))
                XCTAssertEqual(Double(opt.v[e.offset + j]), ref.v[i][j], accuracy: vTol * max(1e-3, abs(ref.v[i][j])))
            }
        }
        let engine = store.entries.map { e in (0..<e.count).map { Double(store.values[e.offset + $0]) } }
        return (engine, params)
    }

    func testAdamWMatchesReferenceInDouble() {
        let (engine, reference) = runAdamW(Double.self, steps: 8, weightDecay: 0.1)
        for i in engine.indices {
            for j in engine[i].indices {
                XCTAssertEqual(engine[i][j], reference[i][j], accuracy: 1e-12 * max(1, abs(reference[i][j])), "p\(i)[\(j)]")
            }
        }
    }

    /// Per-entry learning-rate scales (a zero-initialised layer added to a trained model): each entry
    /// moves as the reference does at its scaled rate; a scale of 0 freezes the entry's values.
    func testAdamWRateScalesMatchReference() {
        let scales = [10.0, 0.0] + [Double](repeating: 1, count: Self.shapes.count - 2)
        let store = ParameterStore<Double>(seed: 5)
        for (i, s) in Self.shapes.enumerated() { store.add("p\(i)", shape: s, initializer: .normal(std: 1)) }
        let start = store.entries[1].offset, frozen = (0..<store.entries[1].count).map { store.values[start + $0] }
        let (engine, reference) = runAdamW(Double.self, steps: 8, weightDecay: 0, rateScales: scales)
        for i in engine.indices {
            for j in engine[i].indices {
                XCTAssertEqual(engine[i][j], reference[i][j], accuracy: 1e-12 * max(1, abs(reference[i][j])), "p\(i)[\(j)]")
            }
        }
        XCTAssertEqual(engine[1], frozen, "scale 0")
    }

    func testRateScalesByPrefixTakeTheLongestMatch() {
        let store = ParameterStore<Float>(seed: 1)
        for name in ["blocks.0.attn", "blocks.1.attn", "blocks.10.mlp", "time_embedder.weight", "x_embedder.weight"] {
            store.add(name, shape: [2], initializer: .zeros)
        }
        let opt = AdamW(store)
        opt.setRateScales(byPrefix: ["blocks.1": 3, "blocks": 0.5, "time_embedder": 10])
        XCTAssertEqual(opt.rateScales, [0.5, 3, 3, 10, 1])   // "blocks.10" starts with "blocks.1" too
    }

    func testAdamWMatchesReferenceInFloat() {
        let (engine, reference) = runAdamW(Float.self, steps: 8, weightDecay: 0.1)
        for i in engine.indices {
            for j in engine[i].indices {
                // Parameters are O(1): 1e-6 relative to max(1, |ref|).
                XCTAssertEqual(engine[i][j], reference[i][j], accuracy: 1e-6 * max(1, abs(reference[i][j])), "p\(i)[\(j)]")
            }
        }
    }

    func testWeightDecayOnlyOnMatrices() {
        // With zero gradients Adam's step is 0, so only decay moves the parameters: rank >= 2 shrink by
        // (1 - lr * wd) per step, rank 0 and 1 stay.
        let store = ParameterStore<Double>(seed: 1)
        for (i, s) in Self.shapes.enumerated() { store.add("p\(i)", shape: s, initializer: .normal(std: 1)) }
        let before = (0..<store.count).map { store.values[$0] }
        let opt = AdamW(store, weightDecay: 0.5)
        for _ in 0..<3 { store.zeroGrads(); opt.update(lr: 0.1) }
        for e in store.entries {
            let factor = e.shape.count >= 2 ? pow(1 - 0.1 * 0.5, 3) : 1
            for j in 0..<e.count {
                XCTAssertEqual(store.values[e.offset + j], before[e.offset + j] * factor, accuracy: 1e-14, "\(e.name) \(e.shape)")
            }
        }
    }

    func testAdamWMinimisesAQuadraticBowl() {
        // L = sum_i a_i (x_i - c_i)^2 with curvatures spanning 1e-2 .. 1e2.
        let n = 40
        let store = ParameterStore<Float>(seed: 3)
        let w = store.add("w", shape: [4, 5], initializer: .normal(std: 2))
        let b = store.add("b", shape: [20], initializer: .normal(std: 2))
        var rng = RandomGenerator(seed: 4)
        let a = (0..<n).map { _ in pow(10, rng.uniform(-2, 2)) }
        let c = (0..<n).map { _ in rng.uniform(-3, 3) }
        func loss() -> Double { (0..<n).reduce(0) { $0 + a[$1] * pow(Double(store.values[$1]) - c[$1], 2) } }
        XCTAssertEqual(w.offset, 0)
        XCTAssertEqual(b.offset, 20)
        let initial = loss()
        let opt = AdamW(store)
        let schedule = LearningRateSchedule(peak: 0.1, floor: 1e-4, warmupSteps: 10, totalSteps: 1500)
        var previousLoss = initial
        for step in 0..<1500 {
            for i in 0..<n { store.grads[i] = Float(2 * a[i] * (Double(store.values[i]) - c[i])) }
            opt.update(lr: schedule.rate(at: step))
            if step == 300 { XCTAssertLessThan(loss(), initial * 0.05) ; previousLoss = loss() }
        }
        let final = loss()
        XCTAssertLessThan(final, 1e-6 * initial, "initial \(initial), final \(final)")
        XCTAssertLessThan(final, previousLoss)
        for i in 0..<n { XCTAssertEqual(Double(store.values[i]), c[i], accuracy: 1e-2, "x\(i) (a = \(a[i]))") }
    }

    // MARK: - Gradient clipping

    private func clipStore(_ grads: [Float]) -> ParameterStore<Float> {
        let store = ParameterStore<Float>()
        store.add("a", shape: [2], initializer: .zeros)
        store.add("b", shape: [1, 1], initializer: .zeros)
        store.add("c", shape: [], initializer: .zeros)
        for (i, g) in grads.enumerated() { store.grads[i] = g }
        return store
    }

    private func grads(_ s: ParameterStore<Float>) -> [Float] { (0..<s.count).map { s.grads[$0] } }

    func testClippingScalesToMaxNormAndReturnsPreClipNorm() {
        // Global norm of (3, 4, 12, 84) is 85 across three parameters.
        let store = clipStore([3, 4, 12, 84])
        let norm = GradientClipping.clip(store, maxNorm: 8.5)
        XCTAssertEqual(norm, 85, accuracy: 1e-12)
        let g = grads(store)
        for (x, y) in zip(g, [Float(0.3), 0.4, 1.2, 8.4]) { XCTAssertEqual(x, y, accuracy: 1e-6) }
        XCTAssertEqual(store.gradNorm(), 8.5, accuracy: 1e-5)
        // Direction kept: ratios unchanged.
        XCTAssertEqual(Double(g[3] / g[2]), 7, accuracy: 1e-6)
    }

    func testClippingLeavesSmallGradientsAlone() {
        for (grads0, maxNorm) in [([Float(3), 4, 12, 84], 85.0), ([3, 4, 12, 84], 1000), ([0, 0, 0, 0], 1), ([1e-20, 0, 0, 0], 1)] {
            let store = clipStore(grads0)
            let norm = GradientClipping.clip(store, maxNorm: maxNorm)
            XCTAssertEqual(grads(store), grads0, "max norm \(maxNorm)")
            XCTAssertEqual(norm, store.gradNorm())
        }
        // Just above the limit is clipped.
        let store = clipStore([3, 4, 12, 84])
        XCTAssertEqual(GradientClipping.clip(store, maxNorm: 84.9), 85, accuracy: 1e-12)
        XCTAssertEqual(store.gradNorm(), 84.9, accuracy: 1e-4)
    }

    // MARK: - EMA

    func testEMAMatchesClosedForm() {
        let store = ParameterStore<Double>(seed: 8)
        store.add("w", shape: [3, 3], initializer: .normal(std: 1))
        store.add("b", shape: [3], initializer: .normal(std: 1))
        let p0 = (0..<store.count).map { store.values[$0] }
        let decay = 0.9
        let ema = EMAWeights(store, decay: decay)
        XCTAssertEqual((0..<store.count).map { ema.values[$0] }, p0, "EMA starts at the parameters")

        // Parameters held at p1 for k updates: ema_k = d^k p0 + (1 - d^k) p1.
        let p1 = p0.map { $0 * -2 + 1 }
        for i in 0..<store.count { store.values[i] = p1[i] }
        let k = 12
        for _ in 0..<k { ema.update() }
        let dk = pow(decay, Double(k))
        for i in 0..<store.count { XCTAssertEqual(ema.values[i], dk * p0[i] + (1 - dk) * p1[i], accuracy: 1e-12) }

        // Moving parameters: ema_k = d^k e_0 + sum_j (1 - d) d^(k - j) p_j.
        let e0 = (0..<store.count).map { ema.values[$0] }
        var rng = RandomGenerator(seed: 9)
        var history: [[Double]] = []
        for _ in 0..<k {
            let p = (0..<store.count).map { _ in rng.normal() }
            for i in 0..<store.count { store.values[i] = p[i] }
            history.append(p)
            ema.update()
        }
        for i in 0..<store.count {
            var expected = pow(decay, Double(k)) * e0[i]
            for j in 1...k { expected += (1 - decay) * pow(decay, Double(k - j)) * history[j - 1][i] }
            XCTAssertEqual(ema.values[i], expected, accuracy: 1e-12)
        }

        // copyToStore puts the averages into the store.
        let averaged = (0..<store.count).map { ema.values[$0] }
        ema.copyToStore()
        XCTAssertEqual((0..<store.count).map { store.values[$0] }, averaged)

        // Float EMA agrees with the Double closed form to Float precision.
        let fstore = ParameterStore<Float>()
        fstore.add("x", shape: [4], initializer: .ones)
        let fema = EMAWeights(fstore, decay: 0.99)
        for i in 0..<4 { fstore.values[i] = Float(i) }
        for _ in 0..<50 { fema.update() }
        let d50 = pow(0.99, 50.0)
        for i in 0..<4 { XCTAssertEqual(Double(fema.values[i]), d50 + (1 - d50) * Double(i), accuracy: 1e-5) }

        // A parameter that never changes keeps its EMA bit for bit (decoder-only training freezes the
        // encoder); d e + (1 - d) p changed about one value in 2000 in its last bit.
        let frozen = ParameterStore<Float>()
        frozen.add("e", shape: [100_000], initializer: .normal(std: 0.3))
        let before = Array(UnsafeBufferPointer(start: frozen.values, count: 100_000))
        let frozenEMA = EMAWeights(frozen, decay: 0.999)
        for _ in 0..<50 { frozenEMA.update() }
        XCTAssertTrue(UnsafeBufferPointer(start: frozenEMA.values, count: 100_000).elementsEqual(before))
    }

    // MARK: - Learning-rate schedule

    func testScheduleWarmupPeakCosineAndFloor() {
        let peak = 3e-4, floor = 1e-5
        let s = LearningRateSchedule(peak: peak, floor: floor, warmupSteps: 10, totalSteps: 110)
        // Warm-up: linear from peak / warmup, reaching the peak at the last warm-up step.
        XCTAssertEqual(s.rate(at: 0), peak / 10, accuracy: 1e-18)
        for step in 0..<10 { XCTAssertEqual(s.rate(at: step), peak * Double(step + 1) / 10, accuracy: 1e-18, "step \(step)") }
        for step in 1..<10 { XCTAssertGreaterThan(s.rate(at: step), s.rate(at: step - 1)) }
        XCTAssertEqual(s.rate(at: 9), peak, accuracy: 1e-18)
        // Cosine: peak where warm-up ends, (peak + floor) / 2 half way, floor at the end and beyond.
        XCTAssertEqual(s.rate(at: 10), peak, accuracy: 1e-18)
        XCTAssertEqual(s.rate(at: 60), (peak + floor) / 2, accuracy: 1e-15)
        XCTAssertEqual(s.rate(at: 35), floor + (peak - floor) * 0.5 * (1 + cos(Double.pi / 4)), accuracy: 1e-15)
        XCTAssertEqual(s.rate(at: 110), floor)
        XCTAssertEqual(s.rate(at: 111), floor)
        XCTAssertEqual(s.rate(at: 1_000_000), floor)
        XCTAssertGreaterThan(s.rate(at: 109), floor)
        XCTAssertLessThan(s.rate(at: 109), floor + (peak - floor) * 0.001)
        var previous = s.rate(at: 10)
        for step in 11...200 {
            let r = s.rate(at: step)
            XCTAssertLessThanOrEqual(r, previous, "step \(step)")
            XCTAssertGreaterThanOrEqual(r, floor)
            previous = r
        }
        // Symmetry of the cosine about the midpoint.
        XCTAssertEqual(s.rate(at: 40) - (peak + floor) / 2, (peak + floor) / 2 - s.rate(at: 80), accuracy: 1e-15)
    }

    func testScheduleWithoutWarmup() {
        let s = LearningRateSchedule(peak: 1, floor: 0, warmupSteps: 0, totalSteps: 4)
        XCTAssertEqual(s.rate(at: 0), 1)
        XCTAssertEqual(s.rate(at: 2), 0.5, accuracy: 1e-15)
        XCTAssertEqual(s.rate(at: 4), 0)
        for step in 0..<10 { XCTAssertTrue(s.rate(at: step).isFinite) }
        // Codable round trip (it is stored in configs).
        let decoded = try? JSONDecoder().decode(LearningRateSchedule.self, from: JSONEncoder().encode(s))
        XCTAssertEqual(decoded, s)
    }
}
