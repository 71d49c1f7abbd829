// Timing harness: warm up once, then repeat until a time floor has passed, and keep the best and
// median per-run time (ggml PERF mode; nanoGPT bench.py). Rates are reported against the GEMM peak
// measured in the same run.
import Dispatch

public struct BenchmarkResult: Sendable {
    public let name: String
    public let flops: Double
    public let bestSeconds: Double
    public let medianSeconds: Double
    public let runs: Int
    public var gflops: Double { flops / bestSeconds / 1e9 }
    /// Extra figures for memory-bound kernels (bytes moved per second).
    public var bytes: Double = 0
    public var gigabytesPerSecond: Double { bytes / bestSeconds / 1e9 }
}

public enum Benchmark {
    public static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

    /// Times `body` (after one warm-up call) until `minimumSeconds` have passed or `maximumRuns` ran.
    public static func measure(_ name: String, flops: Double, bytes: Double = 0, minimumSeconds: Double = 0.3,
                               maximumRuns: Int = 1000, _ body: () -> Void) -> BenchmarkResult {
        body()
        var times: [Double] = []
        let start = now()
        while times.count < maximumRuns && (times.count < 3 || now() - start < minimumSeconds) {
            let t0 = now()
            body()
            times.append(now() - t0)
        }
        times.sort()
        var r = BenchmarkResult(name: name, flops: flops, bestSeconds: times[0], medianSeconds: times[times.count / 2], runs: times.count)
        r.bytes = bytes
        return r
    }
}
