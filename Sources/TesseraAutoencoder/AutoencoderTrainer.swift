// Training loop for the autoencoder: gradient accumulation over clips of mixed sizes, AdamW with
// warm-up + cosine, clipping, EMA, a progress line, periodic atomic checkpoints and resume.
import Foundation
import TesseraEngine
import TesseraMedia

public struct AutoencoderTrainingOptions: Codable, Sendable {
    public var steps: Int = 20_000
    public var clipsPerStep: Int = 4
    public var learningRate: Double = 1e-3
    public var warmupSteps: Int = 200
    public var weightDecay: Double = 0.0
    public var emaDecay: Double = 0.999
    public var clipNorm: Double = 1.0
    public var seed: UInt64 = 1
    public var checkpointSeconds: Double = 300
    /// Train the decoder only: the encoder's weights, and so every latent, stay exactly as loaded.
    public var decoderOnly = false
    /// Extra loss weight on the target's edges (0: plain mean squared error; see OutlineWeights).
    public var outlineWeight: Double = 0
    public init() {}
}

public final class AutoencoderTrainer {
    public let vae: VideoAutoencoder
    public let options: AutoencoderTrainingOptions
    public let optimizer: AdamW<Float>
    public let ema: EMAWeights<Float>
    public var state: TrainingState
    let schedule: LearningRateSchedule
    /// The encoder's values when training started (decoder-only runs restore them after each update).
    private var frozenEncoder: [Float] = []

    public init(vae: VideoAutoencoder, options: AutoencoderTrainingOptions) {
        self.vae = vae
        self.options = options
        if options.decoderOnly {
            frozenEncoder = Array(UnsafeBufferPointer(start: vae.store.values, count: vae.encoderParameterCount))
        }
        optimizer = AdamW(vae.store, weightDecay: options.weightDecay)
        ema = EMAWeights(vae.store, decay: options.emaDecay)
        let config = (try? CanonicalJSON.string(vae.config)) ?? ""
        state = TrainingState(step: 0, rng: RandomGenerator(seed: options.seed, stream: 0xAE), config: config)
        schedule = LearningRateSchedule(peak: options.learningRate, floor: options.learningRate * 0.05,
                                        warmupSteps: options.warmupSteps, totalSteps: options.steps)
    }

    public func resume(from path: String) throws {
        state = try Checkpoint.load(from: path, store: vae.store, optimizer: optimizer, ema: ema)
        if options.decoderOnly && !frozenEncoder.elementsEqual(UnsafeBufferPointer(start: vae.store.values, count: frozenEncoder.count)) {
            throw SafeTensorsError("\(path) has another encoder than the loaded weights: a decoder-only run resumes with the --init it started from")
        }
    }

    public func saveCheckpoint(to path: String) throws {
        try Checkpoint.save(to: path, store: vae.store, optimizer: optimizer, ema: ema, state: state)
    }

    /// Runs until `options.steps` (or `stopAfterSeconds`). `clip(index, &rng)` supplies training clips.
    public func train(checkpointPath: String, stopAfterSeconds: Double = .infinity,
                      clip: (Int, inout RandomGenerator) -> Video, log: (String) -> Void) throws {
        let start = Benchmark.now()
        var lastCheckpoint = start
        var smoothedPSNR = 0.0, smoothedLoss = 0.0
        var samples = 0
        while state.step < options.steps {
            vae.store.zeroGrads()
            var loss = 0.0, mse = 0.0
            for k in 0..<options.clipsPerStep {
                let video = clip(state.step * options.clipsPerStep + k, &state.rng)
                let r = vae.trainingStep(Tensor(video: video), rng: &state.rng, decoderOnly: options.decoderOnly,
                                           outlineWeight: Float(options.outlineWeight))
                loss += r.loss / Double(options.clipsPerStep)
                mse += r.reconstructionMSE / Double(options.clipsPerStep)
            }
            // Gradients were summed over clips: average them.
            let scale = 1 / Float(options.clipsPerStep)
            for i in 0..<vae.store.count { vae.store.grads[i] *= scale }
            let norm = GradientClipping.clip(vae.store, maxNorm: options.clipNorm)
            optimizer.update(lr: schedule.rate(at: state.step))
            // Zero gradients leave AdamW's step at zero only without weight decay: restore, to be exact.
            if !frozenEncoder.isEmpty { vae.store.values.update(from: frozenEncoder, count: frozenEncoder.count) }
            ema.update()
            state.step += 1
            samples += options.clipsPerStep
            let psnr = 10 * log10(4.0 / max(mse, 1e-12))
            let a = samples == options.clipsPerStep ? 0.0 : 0.98   // first step of this run (also after a resume)
            smoothedPSNR = a * smoothedPSNR + (1 - a) * psnr
            smoothedLoss = a * smoothedLoss + (1 - a) * loss
            let elapsed = Benchmark.now() - start
            if state.step % 10 == 0 || state.step == options.steps {
                let rate = Double(samples) / elapsed
                let eta = Double(options.steps - state.step) * Double(options.clipsPerStep) / max(rate, 1e-9)
                log(String(format: "step %d/%d  loss %.5f  psnr %.2f dB  grad %.3f  lr %.2e  %.2f clips/s  elapsed %@  eta %@",
                           state.step, options.steps, smoothedLoss, smoothedPSNR, norm, schedule.rate(at: state.step),
                           rate, formatDuration(elapsed), formatDuration(eta)))
            }
            if Benchmark.now() - lastCheckpoint >= options.checkpointSeconds || state.step == options.steps {
                try saveCheckpoint(to: checkpointPath)
                lastCheckpoint = Benchmark.now()
                log("checkpoint saved: \(checkpointPath) (step \(state.step))")
            }
            if elapsed >= stopAfterSeconds || StopSignal.isRequested {
                try saveCheckpoint(to: checkpointPath)
                log("stopping after \(formatDuration(elapsed)) as asked; checkpoint saved at step \(state.step)")
                return
            }
        }
    }

    /// Per-channel mean and std of posterior means over `clips`, written into the model.
    public func measureLatentStatistics(clips: [Video]) {
        let c = vae.config.latentChannels
        var sum = [Double](repeating: 0, count: c), sumSq = sum
        var n = 0
        for v in clips {
            let z = vae.encode(Tensor(video: v))
            z.withUnsafePointer { p in
                for i in 0..<z.count { let x = Double(p[i]); sum[i % c] += x; sumSq[i % c] += x * x }
            }
            n += z.count / c
        }
        vae.latentMean = (0..<c).map { Float(sum[$0] / Double(n)) }
        vae.latentStd = (0..<c).map { Float(max(1e-6, (sumSq[$0] / Double(n) - pow(sum[$0] / Double(n), 2))).squareRoot()) }
    }
}

public func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "--" }
    let s = Int(seconds.rounded())
    return s >= 3600 ? String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) : String(format: "%dm%02ds", s / 60, s % 60)
}
