// Rectified flow, schedules and samplers checked analytically.
import XCTest
import TesseraEngine
import TesseraSampler
import TesseraTestSupport

final class SamplerTests: XCTestCase {
    func testSigmaScheduleEndpointsAndMonotonic() {
        for shift in [0.5, 1.0, 1.43, 3.0, 6.0] {
            for steps in [1, 2, 7, 30] {
                let s = RectifiedFlow.sigmas(steps: steps, shift: shift)
                XCTAssertEqual(s.count, steps + 1)
                XCTAssertEqual(s.first!, 1, accuracy: 1e-15)
                XCTAssertEqual(s.last!, 0)
                for i in 0..<steps { XCTAssertGreaterThan(s[i], s[i + 1], "shift \(shift) steps \(steps) at \(i)") }
            }
        }
        // A larger shift spends more steps at high noise: the midpoint moves up.
        XCTAssertEqual(RectifiedFlow.shift(0.5, by: 3), 0.75, accuracy: 1e-15)
        XCTAssertEqual(RectifiedFlow.shift(0.5, by: 1), 0.5)
        XCTAssertEqual(RectifiedFlow.shiftFactor(tokens: 256), 1)
        XCTAssertEqual(RectifiedFlow.shiftFactor(tokens: 1024), 2)
        XCTAssertEqual(RectifiedFlow.shiftFactor(tokens: 13 * 18 * 32), (13.0 * 18 * 32 / 256).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(RectifiedFlow.shiftFactor(tokens: 49 * 36 * 64), 6)   // clamped
        XCTAssertEqual(RectifiedFlow.shiftFactor(tokens: 16), 1)   // never towards less noise
        XCTAssertEqual(RectifiedFlow.shiftFactor(tokens: 40), 1)
    }

    func testTrainingTimesAreLogitNormalAndShifted() {
        var rng = RandomGenerator(seed: 1, stream: 2)
        let plain = (0..<20000).map { _ in RectifiedFlow.sampleTime(&rng, shift: 1) }
        let shifted = (0..<20000).map { _ in RectifiedFlow.sampleTime(&rng, shift: 3) }
        XCTAssert(plain.allSatisfy { $0 > 0 && $0 < 1 })
        let mean = plain.reduce(0, +) / Double(plain.count)
        XCTAssertEqual(mean, 0.5, accuracy: 0.01)   // symmetric about 1/2
        let median = plain.sorted()[plain.count / 2]
        XCTAssertEqual(median, 0.5, accuracy: 0.01)
        // The shift maps the median 1/2 to 3/4.
        XCTAssertEqual(shifted.sorted()[shifted.count / 2], 0.75, accuracy: 0.01)
    }

    func testHighNoiseShareAddsUniformTimesAboveTheFloor() {
        var a = RandomGenerator(seed: 4, stream: 1), b = RandomGenerator(seed: 4, stream: 1)
        // Share 0 is exactly the logit-normal draw (old runs keep their random stream).
        for _ in 0..<100 { XCTAssertEqual(RectifiedFlow.sampleTrainingTime(&a, shift: 1.5, highNoiseShare: 0), RectifiedFlow.sampleTime(&b, shift: 1.5)) }
        var rng = RandomGenerator(seed: 5, stream: 2)
        let n = 40000
        let mixed = (0..<n).map { _ in RectifiedFlow.sampleTrainingTime(&rng, shift: 1, highNoiseShare: 0.25) }
        XCTAssertTrue(mixed.allSatisfy { $0 >= 0 && $0 <= 1 })
        // P(t > 0.85): logit-normal alone sigmoid(N(0,1)) > 0.85 is P(N > 1.735) = 4.14%; the uniform
        // quarter adds 0.25 * 0.15 / 0.4: 0.75 * 4.14% + 9.375% = 12.48%.
        let above = Double(mixed.filter { $0 > 0.85 }.count) / Double(n)
        XCTAssertEqual(above, 0.1248, accuracy: 0.006)
        // A higher floor puts the whole share in [floor, 1): P(t > 0.9) with share 0.45 from 0.8 is
        // 0.55 * P(N > 2.197) + 0.45 * 0.5 = 0.55 * 1.401% + 22.5% = 23.27%; none of it below 0.8
        // beyond the logit-normal part (0.55 * P(N < 1.386) = 0.55 * 91.72% = 50.45%).
        let floored = (0..<n).map { _ in RectifiedFlow.sampleTrainingTime(&rng, shift: 1, highNoiseShare: 0.45, highNoiseFloor: 0.8) }
        XCTAssertEqual(Double(floored.filter { $0 > 0.9 }.count) / Double(n), 0.2327, accuracy: 0.007)
        XCTAssertEqual(Double(floored.filter { $0 < 0.8 }.count) / Double(n), 0.5045, accuracy: 0.008)
    }

    func testNoisedAndVelocityTarget() {
        let x0 = Tensor<Double>(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let eps = Tensor<Double>(shape: [2, 3], values: [0, 0, 0, 1, 1, 1])
        let (xt, v) = RectifiedFlow.noised(x0, noise: eps, t: [0, 0.25])
        XCTAssertEqual(xt.scalars, [1, 2, 3, 3.25, 4, 4.75])
        XCTAssertEqual(v.scalars, [-1, -2, -3, -3, -4, -5])
        // Integrating the exact velocity from pure noise reaches x0 exactly (straight paths).
        let out = try! sampleEuler(x: eps, sigmas: RectifiedFlow.sigmas(steps: 3, shift: 2)) { _, _, _ in v }
        XCTAssertLessThan(toleranceRatio(out.scalars, [1, 2, 3, 4, 5, 6] as [Double], atol: 1e-12, rtol: 0), 1)
        let g = classifierFreeGuidance(unconditional: Tensor<Double>(shape: [2], values: [1, 2]),
                                       conditional: Tensor<Double>(shape: [2], values: [2, 0]), scale: 3)
        XCTAssertEqual(g.scalars, [4, -4])
    }

    /// The refinement's path starts from a degraded x0 and its target's clean estimate is the sharp
    /// x0; from x0 itself it is the plain path.
    func testRefinementPathTargetsTheSharpLatent() {
        let x0 = Tensor<Double>(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let start = Tensor<Double>(shape: [2, 3], values: [2, 2, 2, 5, 5, 5])
        let eps = Tensor<Double>(shape: [2, 3], values: [0.5, -1, 0, 1, 1, -2])
        let t = [0.75, 0.5]
        let (xt, v) = RectifiedFlow.noised(x0, from: start, noise: eps, t: t)
        XCTAssertEqual(xt.scalars, [0.875, -0.25, 0.5, 3, 3, 1.5])
        for b in 0..<2 {
            let one = { (x: Tensor<Double>) in Tensor<Double>(shape: [1, 3], values: Array(x.scalars[(3 * b)..<(3 * b + 3)])) }
            let estimate = RectifiedFlow.cleanEstimate(one(xt), t: t[b], velocity: one(v))
            XCTAssertLessThan(toleranceRatio(estimate.scalars, Array(x0.scalars[(3 * b)..<(3 * b + 3)]), atol: 1e-12, rtol: 0), 1)
        }
        let plain = RectifiedFlow.noised(x0, noise: eps, t: t), same = RectifiedFlow.noised(x0, from: x0, noise: eps, t: t)
        XCTAssertEqual(same.xt.scalars, plain.xt.scalars)
        XCTAssertLessThan(toleranceRatio(same.velocity.scalars, plain.velocity.scalars, atol: 1e-12, rtol: 0), 1)
    }

    /// dx/dsigma = x cos(sigma) has x(sigma) = x(1) exp(sin(sigma) - sin(1)); integrate 1 -> 0.
    func testEulerIsFirstOrderAndHeunSecondOrder() {
        let x1 = Tensor<Double>(shape: [1], values: [1.5])
        let exact = 1.5 * Double.exp(-Double.sin(1))
        let v: (Tensor<Double>, Double, Int) -> Tensor<Double> = { x, s, _ in Tensor(shape: [1], values: [x.scalars[0] * Double.cos(s)]) }
        func error(_ sampler: String, _ steps: Int) -> Double {
            let sig = RectifiedFlow.sigmas(steps: steps)
            let out = sampler == "euler" ? try! sampleEuler(x: x1, sigmas: sig, velocity: v) : try! sampleHeun(x: x1, sigmas: sig, velocity: v)
            return abs(out.scalars[0] - exact)
        }
        for steps in [16, 32, 64] {
            let eulerRatio = error("euler", steps) / error("euler", 2 * steps)
            let heunRatio = error("heun", steps) / error("heun", 2 * steps)
            XCTAssertEqual(eulerRatio, 2, accuracy: 0.25, "Euler error ratio at \(steps) steps")
            XCTAssertEqual(heunRatio, 4, accuracy: 0.6, "Heun error ratio at \(steps) steps")
            XCTAssertLessThan(error("heun", steps), error("euler", steps) / 5)
        }
    }

    func testStochasticEulerKeepsTheFlowsMarginals() {
        // e = 0 is Euler, bit for bit.
        let x1 = Tensor<Double>(shape: [3], values: [1.5, -0.2, 0.7])
        let v: (Tensor<Double>, Double, Int) -> Tensor<Double> = { x, s, _ in Tensor(shape: [3], values: x.scalars.map { $0 * Double.cos(s) }) }
        let sig = RectifiedFlow.sigmas(steps: 9, shift: 2)
        XCTAssertEqual(try sampleEulerStochastic(x: x1, sigmas: sig, stochasticity: 0, freshNoise: { _ in XCTFail("no noise needed"); return x1 }, velocity: v).scalars,
                       try sampleEuler(x: x1, sigmas: sig, velocity: v).scalars)
        // Data that is one point c: the exact velocity is v = (x - c) / t, so every clean estimate is c.
        // Then x at each level must be (1 - s) c + s eps' with eps' standard normal, and the end is c.
        let n = 20_000, c = 0.8
        var rng = RandomGenerator(seed: 3)
        let start = Tensor<Double>(randomNormal: [n], rng: &rng)
        let exact: (Tensor<Double>, Double, Int) -> Tensor<Double> = { x, t, _ in Tensor(shape: [n], values: x.scalars.map { ($0 - c) / t }) }
        for e in [0.3, 1.0] {
            var noiseRng = RandomGenerator(seed: 11)
            let half = try! sampleEulerStochastic(x: start, sigmas: [1, 0.5], stochasticity: e, freshNoise: { _ in Tensor(randomNormal: [n], rng: &noiseRng) }, velocity: exact)
            let eps = half.scalars.map { ($0 - 0.5 * c) / 0.5 }
            let mean = eps.reduce(0, +) / Double(n), variance = eps.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
            XCTAssertEqual(mean, 0, accuracy: 0.03, "stochasticity \(e)")
            XCTAssertEqual(variance, 1, accuracy: 0.05, "stochasticity \(e)")
            // The share e of the noise is new: correlation with the start noise is sqrt(1 - e).
            let correlation = zip(eps, start.scalars).map { $0 * $1 }.reduce(0, +) / Double(n)
            XCTAssertEqual(correlation, (1 - e).squareRoot(), accuracy: 0.03, "stochasticity \(e)")
            let end = try! sampleEulerStochastic(x: start, sigmas: RectifiedFlow.sigmas(steps: 6), stochasticity: e,
                                                 freshNoise: { _ in Tensor(randomNormal: [n], rng: &noiseRng) }, velocity: exact)
            for value in end.scalars.prefix(100) { XCTAssertEqual(value, c, accuracy: 1e-9) }
        }
    }

    func testNoiseIsDeterministicAndPerFrame() {
        let a: Tensor<Float> = GenerationNoise.latent(shape: [2, 3, 4, 5, 16], seed: 42)
        let b: Tensor<Float> = GenerationNoise.latent(shape: [2, 3, 4, 5, 16], seed: 42)
        XCTAssertEqual(a.scalars, b.scalars)
        let c: Tensor<Float> = GenerationNoise.latent(shape: [2, 3, 4, 5, 16], seed: 43)
        XCTAssertNotEqual(a.scalars, c.scalars)
        // Batch element 1 of seed 42 is batch element 0 of seed 43; frame 0 of a longer video equals a shorter one.
        XCTAssertEqual(Array(a.scalars[(3 * 320)...]), Array(c.scalars[..<(3 * 320)]))
        let short: Tensor<Float> = GenerationNoise.latent(shape: [1, 1, 4, 5, 16], seed: 42)
        XCTAssertEqual(short.scalars, Array(a.scalars[..<320]))
        let mean = a.scalars.reduce(0, +) / Float(a.count)
        XCTAssertEqual(mean, 0, accuracy: 0.1)
    }

    func testCancelAndProgress() {
        var seen: [SamplingProgress] = []
        var now = 0.0
        let monitor = SamplingMonitor(clock: { now })
        monitor.onStep = { p, x in
            seen.append(p)
            XCTAssertNotNil(x)
            if p.step == 3 { monitor.cancel() }
        }
        let x = Tensor<Float>(shape: [4], values: [1, 2, 3, 4])
        XCTAssertThrowsError(try sampleHeun(x: x, sigmas: RectifiedFlow.sigmas(steps: 10), monitor: monitor) { x, _, _ in
            now += 0.5
            return x
        }) { XCTAssertEqual($0 as? SamplingCancelled, SamplingCancelled()) }
        XCTAssertEqual(seen.map(\.step), [1, 2, 3])
        XCTAssertEqual(seen[1].elapsed, 2.0)          // two evaluations of 0.5 s per Heun step
        XCTAssertEqual(seen[1].eta, 8.0, accuracy: 1e-12)   // 8 steps left at 1 s each
    }

    func testLatentPreviewFitRecoversALinearMap() {
        let c = 4, n = 200
        let m: [Float] = (0..<(c * 3)).map { Float($0 % 5) * 0.1 - 0.2 }, bias: [Float] = [0.1, -0.3, 0.05]
        let z = randomFloats(n * c, seed: 5)
        var colors = [Float](repeating: 0, count: n * 3)
        for i in 0..<n { for k in 0..<3 {
            colors[i * 3 + k] = bias[k] + (0..<c).map { z[i * c + $0] * m[$0 * 3 + k] }.reduce(0, +)
        }}
        let fit = LatentPreview.fit(latents: z, colors: colors, channels: c, ridge: 0)
        XCTAssertLessThan(toleranceRatio(fit.matrix, m, atol: 1e-4, rtol: 0), 1)
        XCTAssertLessThan(toleranceRatio(fit.bias, bias, atol: 1e-4, rtol: 0), 1)
        let latent = Tensor<Float>(shape: [1, 1, 10, 20, c], values: z)
        let image = fit.image(latent, frame: 0)
        XCTAssertEqual(image.count, 10 * 20 * 3)
        XCTAssertEqual(Int(image[0]), Int(((colors[0] + 1) * 127.5).rounded()), accuracy: 1)
    }
}
