// Finite-difference gradient checks in Double (ggml test-backend-ops GRAD mode, adapted).
//
// The loss is L = sum(output * R) for a fixed random R, so d(L)/d(output) = R is what each op's
// backward receives. Central differences with step `eps` are compared with the analytic gradient
// on a deterministic sample of each input's elements.
import TesseraEngine

public struct GradientCheckResult: CustomStringConvertible {
    public var worstRelativeError: Double
    public var worstInput: Int
    public var worstIndex: Int
    public var checked: Int
    public var description: String { "worst relative error \(worstRelativeError) at input \(worstInput)[\(worstIndex)] over \(checked) elements" }
}

public enum GradientCheck {
    /// - Parameters:
    ///   - inputs: flat values of every differentiable input (parameters included).
    ///   - forward: output values from inputs.
    ///   - backward: gradients of every input, given inputs and d(loss)/d(output).
    public static func run(inputs: [[Double]], forward: ([[Double]]) -> [Double],
                           backward: ([[Double]], [Double]) -> [[Double]],
                           eps: Double = 1e-5, samplesPerInput: Int = 48, seed: UInt64 = 99) -> GradientCheckResult {
        let out = forward(inputs)
        var rng = RandomGenerator(seed: seed, stream: 1)
        let r = (0..<out.count).map { _ in rng.normal() }
        let analytic = backward(inputs, r)
        precondition(analytic.count == inputs.count, "backward returned \(analytic.count) gradients for \(inputs.count) inputs")
        func loss(_ x: [[Double]]) -> Double {
            let y = forward(x)
            var s = 0.0
            for i in 0..<y.count { s += y[i] * r[i] }
            return s
        }
        var result = GradientCheckResult(worstRelativeError: 0, worstInput: -1, worstIndex: -1, checked: 0)
        for (i, input) in inputs.enumerated() {
            precondition(analytic[i].count == input.count, "gradient \(i) has \(analytic[i].count) values for \(input.count)")
            let indices = input.count <= samplesPerInput ? Array(0..<input.count)
                : (0..<samplesPerInput).map { _ in rng.int(below: input.count) }
            for j in indices {
                var plus = inputs, minus = inputs
                plus[i][j] += eps
                minus[i][j] -= eps
                let numeric = (loss(plus) - loss(minus)) / (2 * eps)
                let a = analytic[i][j]
                let err = abs(a - numeric) / max(1e-3, abs(a) + abs(numeric))
                result.checked += 1
                if err > result.worstRelativeError || !err.isFinite {
                    result.worstRelativeError = err.isFinite ? err : .infinity
                    result.worstInput = i
                    result.worstIndex = j
                }
            }
        }
        return result
    }
}

/// Random Double values for test inputs.
public func randomValues(_ count: Int, seed: UInt64, scale: Double = 1) -> [Double] {
    var rng = RandomGenerator(seed: seed, stream: 7)
    return (0..<count).map { _ in rng.normal() * scale }
}

public func randomFloats(_ count: Int, seed: UInt64, scale: Double = 1) -> [Float] {
    randomValues(count, seed: seed, scale: scale).map { Float($0) }
}

/// Calls body with mutable pointers to copies of the arrays; returns the copies after the call.
public func withPointers<T>(_ arrays: [[T]], _ body: ([UnsafeMutablePointer<T>]) -> Void) -> [[T]] {
    let buffers = arrays.map { a -> UnsafeMutablePointer<T> in
        let p = UnsafeMutablePointer<T>.allocate(capacity: max(1, a.count))
        p.initialize(from: a, count: a.count)
        return p
    }
    body(buffers)
    let result = zip(arrays, buffers).map { Array(UnsafeBufferPointer(start: $1, count: $0.count)) }
    for b in buffers { b.deallocate() }
    return result
}
