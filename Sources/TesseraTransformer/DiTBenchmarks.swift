// Training-step throughput of the DiT (forward + backward + nothing else), per sample, for a
// config and a token grid: what docs/architecture.md records for full vs factorized attention.
import TesseraEngine

public enum DiTBenchmarks {
    public struct Row: Sendable {
        public var name: String, config: String, attention: AttentionMode
        public var layout: TokenLayout, batch: Int
        public var secondsPerSample: Double
        public var tokensPerSecond: Double { Double(layout.tokens) / secondsPerSample }
    }

    /// The grids of issue 5: 128x72x49 preview (13 x 5 x 8 tokens), 512x288x49 full render
    /// (13 x 18 x 32), and training sizes (9-frame 128x72 clips, 96x96 images).
    public static let layouts: [(name: String, layout: TokenLayout)] = [
        ("image 96x96", TokenLayout(frames: 1, rows: 6, columns: 6, latentHeight: 12)),
        ("clip 128x72x9", TokenLayout(frames: 3, rows: 5, columns: 8, latentHeight: 9)),
        ("preview 128x72x49", TokenLayout(frames: 13, rows: 5, columns: 8, latentHeight: 9)),
        ("full 512x288x49", TokenLayout(frames: 13, rows: 18, columns: 32, latentHeight: 36)),
    ]

    /// Floating-point operations of one forward pass (multiply-adds count 2): every projection,
    /// attention scores and weighted sums over the keys each block attends to, the MLPs, the text
    /// encoder, the input embedding and the final layer. Norms, RoPE and activations are left out
    /// (they are not GEMM-shaped and are a few percent).
    public static func forwardFLOPs(config: DiTConfig, layout: TokenLayout, batch: Int = 1) -> Double {
        let t = Double(layout.tokens), d = Double(config.width), l = Double(config.maxTextLength)
        let p = Double(config.tokenWidth), h = Double(config.mlpRatio)
        var flops = 2 * t * p * d + 2 * t * d * p
        for i in 0..<config.depth {
            let keys: Double
            switch config.scope(ofBlock: i) {
            case .full: keys = t
            case .spatial: keys = Double(layout.tokensPerFrame)
            case .temporal: keys = Double(layout.frames)
            }
            flops += 2 * t * d * 3 * d + 2 * t * d * d + 4 * t * keys * d              // self-attention
            flops += 2 * t * d * d + 2 * l * d * 2 * d + 2 * t * d * d + 4 * t * l * d  // cross-attention
            flops += 4 * t * d * h * d                                                 // MLP
        }
        flops += Double(config.textLayers) * (2 * l * d * 4 * d + 4 * l * l * d + 4 * l * d * h * d)
        return flops * Double(batch)
    }

    /// Median seconds per sample of forward + backward over `repeats` timed runs after one warm-up.
    public static func trainingStepSeconds(config: DiTConfig, layout: TokenLayout, batch: Int, repeats: Int) -> Double {
        let model = DiffusionTransformer<Float>(config: config, seed: 0)
        var rng = RandomGenerator(seed: 1, stream: 2)
        let x0 = Tensor<Float>(randomNormal: [batch, layout.tokens, config.tokenWidth], rng: &rng)
        let noise = Tensor<Float>(randomNormal: x0.shape, rng: &rng)
        let ids = [[Int]](repeating: [Int](repeating: 3, count: config.maxTextLength), count: batch)
        let t = (0..<batch).map { 0.1 + 0.8 * Double($0) / Double(max(1, batch)) }
        var times: [Double] = []
        for r in 0...repeats {
            model.store.zeroGrads()
            let start = Benchmark.now()
            model.trainingStep(x0: x0, noise: noise, t: t, text: ids, layout: layout)
            if r > 0 { times.append((Benchmark.now() - start) / Double(batch)) }
        }
        return times.sorted()[times.count / 2]
    }

    public static func run(configs: [(String, DiTConfig)], layouts: [(name: String, layout: TokenLayout)], quick: Bool,
                           progress: (String) -> Void) -> [Row] {
        var rows: [Row] = []
        for (configName, base) in configs {
            for attention in [AttentionMode.full, .factorized] {
                var config = base
                config.attention = attention
                for (name, layout) in layouts {
                    let big = layout.tokens > 2000
                    let batch = big ? 1 : max(1, min(8, 1024 / layout.tokens))
                    let seconds = trainingStepSeconds(config: config, layout: layout, batch: batch, repeats: quick || big ? 1 : 3)
                    let row = Row(name: name, config: configName, attention: attention, layout: layout, batch: batch, secondsPerSample: seconds)
                    progress("\(configName) \(attention.rawValue) \(name)")
                    rows.append(row)
                }
            }
        }
        return rows
    }
}
