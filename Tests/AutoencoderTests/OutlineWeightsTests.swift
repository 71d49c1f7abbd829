// The outline-weighted reconstruction loss: the weight map against a naive reference, the weighted
// error's gradient against finite differences, and a training step that uses it.
import XCTest
import TesseraEngine
import TesseraAutoencoder
import TesseraTestSupport

final class OutlineWeightsTests: XCTestCase {
    /// Straight from the definition: the strongest target step (right or down neighbour, any channel)
    /// anywhere in the 3x3 neighbourhood, over the saturation, capped at 1.
    private func naiveWeights(_ v: [Float], frames: Int, height: Int, width: Int, strength: Float) -> [Float] {
        func at(_ f: Int, _ y: Int, _ x: Int, _ c: Int) -> Float { v[((f * height + y) * width + x) * 3 + c] }
        func step(_ f: Int, _ y: Int, _ x: Int) -> Float {
            var e: Float = 0
            for c in 0..<3 {
                if x + 1 < width { e = max(e, abs(at(f, y, x + 1, c) - at(f, y, x, c))) }
                if y + 1 < height { e = max(e, abs(at(f, y + 1, x, c) - at(f, y, x, c))) }
            }
            return min(1, e / OutlineWeights.saturation)
        }
        var out: [Float] = []
        for f in 0..<frames { for y in 0..<height { for x in 0..<width {
            var e: Float = 0
            for dy in -1...1 { for dx in -1...1 where (0..<height).contains(y + dy) && (0..<width).contains(x + dx) {
                e = max(e, step(f, y + dy, x + dx))
            }}
            out.append(1 + strength * e)
        }}}
        return out
    }

    func testWeightMapMatchesNaiveReference() {
        var rng = RandomGenerator(seed: 3, stream: 1)
        let (frames, height, width) = (2, 7, 9)
        // A flat frame with a sharp square (an outline) plus faint noise (no outline).
        var values = [Float](repeating: 0, count: frames * height * width * 3)
        for f in 0..<frames { for y in 0..<height { for x in 0..<width { for c in 0..<3 {
            let inside = (2...4).contains(y) && (3...5 + f).contains(x)
            values[((f * height + y) * width + x) * 3 + c] = (inside ? 0.8 : -0.2) + Float(rng.normal()) * 0.001
        }}}}
        let target = Tensor<Float>(shape: [1, frames, height, width, 3], values: values)
        let got = OutlineWeights.map(target, strength: 4)
        let want = naiveWeights(values, frames: frames, height: height, width: width, strength: 4)
        XCTAssertEqual(got.count, want.count)
        for i in 0..<got.count { XCTAssertEqual(got[i], want[i], accuracy: 1e-6, "pixel \(i)") }
        XCTAssertEqual(got[0], 1, accuracy: 0.1, "far from the square: about 1")
        XCTAssertEqual(got[(0 * height + 2) * width + 3], 5, accuracy: 1e-6, "on the square's corner: 1 + strength")
    }

    func testWeightedErrorGradientMatchesFiniteDifferences() {
        var rng = RandomGenerator(seed: 4, stream: 2)
        let pixels = 10, channels = 3
        let b = (0..<pixels * channels).map { _ in rng.normal() }
        let weights = (0..<pixels).map { _ in Float(rng.uniform(1, 5)) }
        // The check sums output * R; a one-element output holding the loss makes R a scalar factor.
        let result = GradientCheck.run(inputs: [(0..<pixels * channels).map { _ in rng.normal() }], forward: { x in
            let a = x[0].map(Float.init), bf = b.map(Float.init)
            return [OutlineWeights.weightedMeanSquaredError(a, bf, weights: weights, channels: channels, count: a.count, da: nil)]
        }, backward: { x, r in
            let a = x[0].map(Float.init), bf = b.map(Float.init)
            var da = [Float](repeating: 0, count: a.count)
            _ = OutlineWeights.weightedMeanSquaredError(a, bf, weights: weights, channels: channels, count: a.count, da: &da)
            return [da.map { Double($0) * r[0] }]
        }, eps: 1e-3)
        XCTAssertLessThan(result.worstRelativeError, 2e-3, "\(result)")
        // With unit weights it is the plain mean squared error.
        let a: [Float] = [0.5, -0.25, 1, 0, 0.75, -1], c: [Float] = [0, 0, 0, 0, 0, 0]
        let plain = Elementwise.meanSquaredError(a, c, count: 6, da: nil)
        XCTAssertEqual(OutlineWeights.weightedMeanSquaredError(a, c, weights: [1, 1], channels: 3, count: 6, da: nil), plain, accuracy: 1e-9)
    }

    func testTrainingStepWithOutlineWeightKeepsPlainErrorAndWeighsEdges() {
        let vae = VideoAutoencoder(config: .tiny, seed: 2)
        var values = [Float](repeating: -0.5, count: 5 * 16 * 16 * 3)
        for f in 0..<5 { for y in 4..<10 { for x in (2 + f)..<(9 + f) { for c in 0..<3 { values[((f * 16 + y) * 16 + x) * 3 + c] = 0.7 } } } }
        let clip = Tensor<Float>(shape: [1, 5, 16, 16, 3], values: values)
        var r1 = RandomGenerator(seed: 9, stream: 3), r2 = r1
        let plain = vae.trainingStep(clip, rng: &r1, decoderOnly: true)
        vae.store.zeroGrads()
        let weighted = vae.trainingStep(clip, rng: &r2, decoderOnly: true, outlineWeight: 4)
        XCTAssertEqual(weighted.reconstructionMSE, plain.reconstructionMSE, accuracy: 1e-9, "the reported error stays plain")
        XCTAssertGreaterThan(weighted.loss, plain.loss, "edge pixels count up to five times")
        XCTAssertLessThan(weighted.loss, 5 * plain.loss)
    }
}
