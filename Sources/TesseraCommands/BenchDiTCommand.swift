// `tessera bench dit`: DiT training-step throughput (forward + backward per sample) for full and
// factorized attention at training, preview and full-render token grids.
import Foundation
import TesseraEngine
import TesseraTransformer

enum BenchDiT {
    static func run(json: Bool, quick: Bool, presets: [String]) throws {
        var configs: [(String, DiTConfig)] = []
        for name in presets {
            guard var c = DiTConfig.preset(named: name) else { throw CommandError("unknown DiT preset '\(name)'; accepted: small, compact, tiny") }
            c.vocabularySize = 200
            configs.append((name, c))
        }
        let layouts = quick ? Array(DiTBenchmarks.layouts.prefix(2)) : DiTBenchmarks.layouts
        let rows = DiTBenchmarks.run(configs: configs, layouts: layouts, quick: quick) { if !json { printError("  measured \($0)") } }
        if json {
            let object: [String: Any] = ["blas_core": BLAS.coreName, "threads": Parallel.workers, "results": rows.map {
                ["config": $0.config, "attention": $0.attention.rawValue, "name": $0.name, "tokens": $0.layout.tokens, "batch": $0.batch,
                 "seconds_per_sample": $0.secondsPerSample, "tokens_per_second": $0.tokensPerSecond] as [String: Any]
            }]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            printOut(String(decoding: data, as: UTF8.self))
            return
        }
        var lines = ["BLAS core: \(BLAS.coreName)   threads: \(Parallel.workers)", "",
                     "config   attention   grid                 tokens  batch   s/sample   samples/s   tokens/s"]
        for r in rows {
            let label = r.config.padding(toLength: 9, withPad: " ", startingAt: 0) + r.attention.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
                + r.name.padding(toLength: 20, withPad: " ", startingAt: 0)
            lines.append(label + String(format: " %6d %6d %10.4f %11.2f %10.0f", r.layout.tokens, r.batch, r.secondsPerSample,
                                        1 / r.secondsPerSample, r.tokensPerSecond))
        }
        printOut(lines.joined(separator: "\n"))
    }
}
