// Training loop for the DiT: bucketed batches of VAE latents, rectified-flow loss with logit-normal
// times shifted by token count, AdamW with warm-up + cosine, clipping, EMA, a progress line,
// periodic atomic checkpoints and resume (the autoencoder trainer's style).
import Foundation
import TesseraEngine
import TesseraAutoencoder
import TesseraSampler
import TesseraTransformer
import TesseraWorld

struct DiTTrainingOptions: Codable, Sendable {
    var steps = 100_000
    var tokenBudget = 1024
    var learningRate = 3e-4
    var warmupSteps = 500
    var weightDecay = 0.0
    var emaDecay = 0.999
    var clipNorm = 1.0
    var seed: UInt64 = 1
    var checkpointSeconds = 300.0
    var curriculumSteps = 0
    /// Average number of steps each encoded batch is trained on (with fresh noise and times):
    /// rendering + VAE encoding costs far more than a DiT step, so batches are kept in a pool.
    var reuse = 4
    var poolSize = 256
    /// Step at which a run started from shipped weights (`--init`): the learning rate warms up
    /// again from there, since the optimizer's moments start at zero.
    var rewarmFrom = 0
    /// Share of training times drawn uniformly from [highNoiseFrom, 1) (RectifiedFlow.sampleTrainingTime).
    var highNoiseShare = 0.25
    var highNoiseFrom = 0.6
    /// Share of clip batches whose leading latent frames are given clean as context (models with
    /// frame context): one frame in three of four such batches (what generation uses), otherwise 1...F-1.
    var contextShare = 0.0
    /// Share of steps on a batch larger than a preview (with its upscaled preview, `DiTBatch.start`)
    /// trained as the render's refinement: x_t from the upscaled preview plus noise, target the
    /// sharp clip, t uniform in `DiTConfig.refinementTimes` (clean context frames stay clean). The render refines
    /// an upscaled preview whose objects are blobs; on the plain path the model can copy a noised
    /// shape instead of drawing it from the caption (or, in a clip, from the context frame).
    var refineShare = 0.0
    /// Learning-rate multipliers by parameter-name prefix (`--lr-scale time_embedder=10`).
    var rateScales: [String: Double] = [:]
    /// Share of world samples trained without their object layout (models with `objectLayout`), so
    /// the model also generates from the caption alone (imported clips have no layout at all).
    var layoutDropout = 0.15
}

final class DiTTrainer {
    let model: DiffusionTransformer<Float>
    let tokenizer: TextTokenizer
    let vae: VideoAutoencoder
    let options: DiTTrainingOptions
    let optimizer: AdamW<Float>
    let ema: EMAWeights<Float>
    var state: TrainingState
    let schedule: LearningRateSchedule

    init(model: DiffusionTransformer<Float>, tokenizer: TextTokenizer, vae: VideoAutoencoder, options: DiTTrainingOptions) {
        self.model = model; self.tokenizer = tokenizer; self.vae = vae; self.options = options
        optimizer = AdamW(model.store, weightDecay: options.weightDecay)
        optimizer.setRateScales(byPrefix: options.rateScales)
        ema = EMAWeights(model.store, decay: options.emaDecay)
        state = TrainingState(step: 0, rng: RandomGenerator(seed: options.seed, stream: 0xD17),
                              config: DiTDescription(config: model.config, tokenizer: tokenizer).json)
        schedule = LearningRateSchedule(peak: options.learningRate, floor: options.learningRate * 0.05,
                                        warmupSteps: options.warmupSteps, totalSteps: options.steps)
    }

    func resume(from path: String) throws {
        let expected = state.config
        do {
            state = try Checkpoint.load(from: path, store: model.store, optimizer: optimizer, ema: ema)
        } catch {
            // A shape mismatch usually means another preset: say so instead of naming one tensor.
            if let file = try? SafeTensors.read(path: path), let saved = file.metadata["config"].flatMap({ try? DiTDescription.decode($0) }),
               saved.config != (try? DiTDescription.decode(expected))?.config {
                throw CommandError("\(path) holds a DiT with config \(saved.config.json); resume with the same --preset and --attention, or start a new --checkpoint")
            }
            throw error
        }
        if (try? DiTDescription.decode(state.config)) != (try? DiTDescription.decode(expected)) {
            throw CommandError("\(path) was trained with another DiT config or tokenizer; resume with the same --preset and --attention, or start a new --checkpoint")
        }
    }

    func saveCheckpoint(to path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        try Checkpoint.save(to: path, store: model.store, optimizer: optimizer, ema: ema, state: state)
    }

    var learningRate: Double {
        let since = state.step - options.rewarmFrom
        let rewarm = options.rewarmFrom > 0 && since >= 0 && since < options.warmupSteps ? Double(since + 1) / Double(options.warmupSteps) : 1
        return schedule.rate(at: state.step) * rewarm
    }

    /// One optimizer step on one batch; returns (loss, gradient norm before clipping, tokens, whether
    /// it was a refinement step).
    func step(_ batch: DiTBatch) -> (loss: Double, norm: Double, tokens: Int, refined: Bool) {
        let patches = LatentPatches(latentShape: batch.latent.shape, patch: (model.config.patch[0], model.config.patch[1]))
        let x0 = patches.tokens(from: batch.latent, mean: vae.latentMean, std: vae.latentStd)
        let mask = patches.tokenWeights(batch.weights)   // per latent value, 0 on padding
        let noise = Tensor<Float>(randomNormal: x0.shape, rng: &state.rng)
        let shift = RectifiedFlow.shiftFactor(tokens: patches.tokens)
        var start: Tensor<Float>?
        if let s = batch.start, options.refineShare > 0, state.rng.uniform() < options.refineShare {
            start = patches.tokens(from: s, mean: vae.latentMean, std: vae.latentStd)
        }
        let t = (0..<patches.batch).map { _ in
            start != nil ? state.rng.uniform(DiTConfig.refinementTimes.lowerBound, DiTConfig.refinementTimes.upperBound)
                : RectifiedFlow.sampleTrainingTime(&state.rng, shift: shift, highNoiseShare: options.highNoiseShare,
                                                   highNoiseFloor: options.highNoiseFrom)
        }
        let ids = batch.captions.map { tokenizer.ids($0) }
        var contextFrames = 0
        if options.contextShare > 0 && patches.frames > 1 && state.rng.uniform() < options.contextShare {
            contextFrames = state.rng.uniform() < 0.75 ? 1 : 1 + state.rng.int(below: patches.frames - 1)
        }
        var objects: Tensor<Float>?
        if model.config.objectLayout {
            let scenes = batch.scenes.map { state.rng.uniform() < options.layoutDropout ? nil : $0 }
            objects = ObjectLayout.features(scenes: scenes + [Scene?](repeating: nil, count: max(0, patches.batch - scenes.count)),
                                            layout: patches.layout, for: model.config)
        }
        model.store.zeroGrads()
        let loss = model.trainingStep(x0: x0, noise: noise, t: t, text: ids, layout: patches.layout, mask: mask, contextFrames: contextFrames,
                                      start: start, fromStart: [Bool](repeating: start != nil, count: t.count), objects: objects)
        let norm = GradientClipping.clip(model.store, maxNorm: options.clipNorm)
        optimizer.update(lr: learningRate)
        ema.update()
        state.step += 1
        return (loss, norm, patches.batch * patches.tokens, start != nil)
    }

    func train(source: DiTClipSource, checkpointPath: String, stopAfterSeconds: Double, log: (String) -> Void) throws {
        let start = Benchmark.now()
        var lastCheckpoint = start, lastLog = start
        var smoothed = 0.0, samples = 0, tokens = 0, stepsThisRun = 0
        var smoothedRefinement = 0.0, refinementSteps = 0
        var pool: [DiTBatch] = [], encoded = 0
        var dataSeconds = 0.0
        while state.step < options.steps {
            let batch: DiTBatch
            let dataStart = Benchmark.now()
            if pool.isEmpty || state.rng.uniform() < 1 / Double(max(1, options.reuse)) {
                batch = source.batch(step: state.step, vae: vae, rng: &state.rng)
                encoded += 1
                if pool.count < options.poolSize { pool.append(batch) } else { pool[state.rng.int(below: pool.count)] = batch }
            } else {
                batch = pool[state.rng.int(below: pool.count)]
            }
            dataSeconds += Benchmark.now() - dataStart
            let r = step(batch)
            stepsThisRun += 1
            samples += batch.captions.count
            tokens += r.tokens
            smoothed = stepsThisRun == 1 ? r.loss : 0.98 * smoothed + 0.02 * r.loss
            if r.refined {
                refinementSteps += 1
                smoothedRefinement = refinementSteps == 1 ? r.loss : 0.95 * smoothedRefinement + 0.05 * r.loss
            }
            let now = Benchmark.now(), elapsed = now - start
            if stepsThisRun <= 3 || now - lastLog >= 30 || state.step % 50 == 0 || state.step == options.steps {
                lastLog = now
                let stepsPerSecond = Double(stepsThisRun) / elapsed
                let eta = min(Double(options.steps - state.step) / max(stepsPerSecond, 1e-9), stopAfterSeconds - elapsed)
                log(String(format: "step %d/%d  loss %.4f (last %.4f, %@ %dx%dx%d x%d)  grad %.3f  lr %.2e  %.2f samples/s  %.0f tokens/s  new batches %d%% (data %.0f%% of time)  elapsed %@  eta %@",
                           state.step, options.steps, smoothed, r.loss, batch.bucket.frames == 1 ? "image" : "clip",
                           batch.bucket.width, batch.bucket.height, batch.bucket.frames, batch.captions.count, r.norm,
                           learningRate, Double(samples) / elapsed, Double(tokens) / elapsed, 100 * encoded / stepsThisRun, 100 * dataSeconds / elapsed,
                           formatDuration(elapsed), formatDuration(eta))
                    + (options.refineShare > 0 ? String(format: "  refinement loss %.4f (%d steps)", smoothedRefinement, refinementSteps) : ""))
            }
            if now - lastCheckpoint >= options.checkpointSeconds || state.step == options.steps {
                try saveCheckpoint(to: checkpointPath)
                lastCheckpoint = Benchmark.now()
                log("checkpoint saved: \(checkpointPath) (step \(state.step))")
            }
            if elapsed >= stopAfterSeconds || StopSignal.isRequested {
                try saveCheckpoint(to: checkpointPath)
                log("stopping after \(formatDuration(elapsed)) \(StopSignal.isRequested ? "on a signal" : "as asked"); checkpoint saved at step \(state.step)")
                return
            }
        }
    }
}
