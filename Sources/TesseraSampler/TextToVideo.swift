// Text to video with one model at two sizes: a preview is sampled from noise at about a quarter of
// the final width and height; the full render upscales that preview latent to the full grid,
// re-noises it part-way (to `refineFrom`) and finishes denoising at full size, so the render keeps
// the preview's composition (SDEdit, Meng et al. 2021). Both stages share the 3D-RoPE layout in
// world units, so the same weights serve both grids.
import Foundation
import TesseraEngine
import TesseraMedia
import TesseraAutoencoder
import TesseraTransformer
import TesseraWorld

public enum SamplerKind: String, Sendable, CaseIterable {
    case euler, heun
}

/// What to make. `width`/`height` are the final size; a preview is made at `previewSize`.
public struct GenerationSettings: Sendable, Equatable {
    public var width: Int, height: Int, frames: Int
    public var fps = 12
    public var seed: UInt64
    /// Sampling steps of the preview; the full-size refinement takes `refineSteps`.
    public var steps = GenerationSettings.defaultSteps
    /// 16 by measurement (docs/training.md, "16 preview steps"): the 75-prompt full-render eval
    /// judged every case exactly as at 20, and the preview takes about a fifth less time.
    public static let defaultSteps = 16
    public var guidance = GenerationSettings.defaultGuidance
    public static let defaultGuidance = 4.0
    public var sampler = SamplerKind.euler
    /// Noise level (0...1) at which the full render re-noises the upscaled preview.
    public var refineFrom = GenerationSettings.defaultRefineFrom
    public static let defaultRefineFrom = 0.75
    /// Time shift of the preview's schedule; nil: the resolution-dependent one used in training.
    /// A larger shift spends more of the steps at high noise, where the composition is decided.
    public var shift: Double?
    /// Share of the noise replaced by a fresh draw at every step (sampleEulerStochastic); 0 is the
    /// deterministic ODE. Euler only: Heun, an ODE sampler, ignores it. 1 by measurement
    /// (docs/training.md, run 5): on the step-190000 model it beat 0 and 0.5 on shape, size and
    /// motion in previews and full renders.
    public var stochasticity = GenerationSettings.defaultStochasticity
    public static let defaultStochasticity = 1.0
    /// With frame context: stages after the first frame, each making the frames up to its end with
    /// every frame made before held clean, so far frames follow near ones instead of frame 0 only.
    public var chunks = GenerationSettings.defaultChunks
    public static let defaultChunks = 1
    /// The expanded prompt's scene, whose object layout (ObjectLayout) models with `objectLayout`
    /// follow: where each object is, how large, and how it moves. Nil: the caption alone.
    public var scene: Scene?
    /// Whether models with `objectLayout` are given `scene`'s layout (`--layout on|off`).
    public var usesObjectLayout = true

    public init(width: Int, height: Int, frames: Int, seed: UInt64, steps: Int = GenerationSettings.defaultSteps,
                guidance: Double = GenerationSettings.defaultGuidance, fps: Int = 12) {
        self.width = width; self.height = height; self.frames = frames; self.seed = seed
        self.steps = steps; self.guidance = guidance; self.fps = fps
    }

    /// Full-size steps when set (`--refine-steps`); nil: 5/8 of the preview's.
    public var refineStepCount: Int?

    /// Full-size steps: `refineStepCount`, else 5/8 of the preview's, rounded down (10 at the default
    /// 16, the count the shipped model was evaluated with; at least 2); they cover only sigma <= refineFrom.
    public var refineSteps: Int { refineStepCount ?? max(2, steps * 5 / 8) }
    /// Guidance of the full-size refinement when set (`--refine-guidance`); nil: `guidance`. At 1 the
    /// refinement makes one model call per step instead of two: the preview has set the composition.
    public var refineGuidanceScale: Double?
    public var refineGuidance: Double { refineGuidanceScale ?? guidance }
    public var previewSize: (width: Int, height: Int) { TextToVideo.previewSize(width: width, height: height) }
}

/// One progress report of a generation (both stages counted together).
public struct GenerationStep: Sendable {
    public var stage: String          // "preview" or "refine"
    public var step: Int, total: Int
    public var elapsed: Double
    public var secondsLeft: Double { step == 0 ? .infinity : elapsed / Double(step) * Double(total - step) }
}

public struct GenerationOutput {
    public var video: Video
    /// The raw latent of `video` (1, Fz, Hz, Wz, C).
    public var latent: Tensor<Float>
    /// Wall seconds of each part: "preview", "refine", "decode".
    public var timings: [String: Double]
}

public final class TextToVideo: @unchecked Sendable {
    public let model: DiffusionTransformer<Float>
    /// A second model for the full-size refinement (SDXL's base and refiner), trained on large
    /// batches only; nil: `model` makes both stages. Same tokenizer, latent and patches as `model`.
    public let refiner: DiffusionTransformer<Float>?
    public let tokenizer: TextTokenizer
    public let vae: VideoAutoencoder
    public let latentPreview: LatentPreview?
    /// Content hash of the DiT weights file (FNV-1a 64), written into sidecars.
    public let modelHash: String
    /// Training step recorded in the weights, if any.
    public let trainedSteps: Int?
    /// The model caches activations per call: one generation at a time.
    private let lock = NSLock()

    public init(model: DiffusionTransformer<Float>, tokenizer: TextTokenizer, vae: VideoAutoencoder,
                latentPreview: LatentPreview?, modelHash: String, trainedSteps: Int? = nil, refiner: DiffusionTransformer<Float>? = nil) {
        precondition(model.config.latentChannels == vae.config.latentChannels, "DiT and autoencoder latent channels differ")
        precondition(refiner.map { TextToVideo.canRefine($0, for: model) } ?? true,
                     "the refiner's latent channels, patches or frame context differ from the model's")
        self.model = model; self.refiner = refiner; self.tokenizer = tokenizer; self.vae = vae; self.latentPreview = latentPreview
        self.modelHash = modelHash; self.trainedSteps = trainedSteps
    }

    /// $TESSERA_DIT_WEIGHTS, else the shipped weights in the transformer's resource bundle.
    public static var shippedWeightsPath: String? {
        ShippedResource.path(target: "TesseraTransformer", file: "dit.safetensors", environment: "TESSERA_DIT_WEIGHTS")
    }

    /// $TESSERA_REFINER_WEIGHTS, else the refiner in the transformer's resource bundle, if shipped.
    public static var shippedRefinerPath: String? {
        ShippedResource.path(target: "TesseraTransformer", file: "refiner.safetensors", environment: "TESSERA_REFINER_WEIGHTS")
    }

    /// Loads DiT weights (`ditPath` or the shipped ones) and autoencoder weights (likewise), and a
    /// second DiT for the full-size refinement (same word list): `refinerPath`, or "none" for no
    /// refiner, or (nil) the shipped refiner when the base model is the shipped one.
    public static func load(ditPath: String? = nil, vaePath: String? = nil, refinerPath: String? = nil) throws -> TextToVideo {
        guard let path = ditPath ?? shippedWeightsPath else {
            throw SafeTensorsError("no diffusion transformer weights: none are shipped in this build (Sources/TesseraTransformer/Resources/dit.safetensors) and no --weights FILE was given")
        }
        let file = try SafeTensors.read(path: path)   // read once: the weights and the metadata
        let (model, tokenizer) = try DiffusionTransformer<Float>.load(file: file, path: path)
        let vae = try VideoAutoencoder.loadWeights(path: vaePath)
        let preview = file.metadata["latent_preview"].flatMap { try? JSONDecoder().decode(LatentPreview.self, from: Data($0.utf8)) }
        var hash = file.contentHash   // of the bytes just read: no second read of the file
        var refiner: DiffusionTransformer<Float>?
        if let refinerPath = refinerPath == "none" ? nil : refinerPath ?? (ditPath == nil ? shippedRefinerPath : nil) {
            let (r, words) = try DiffusionTransformer<Float>.load(path: refinerPath)
            guard words.words == tokenizer.words, words.maxLength == tokenizer.maxLength, canRefine(r, for: model) else {
                throw SafeTensorsError("refiner \(refinerPath) does not match \(path): word list, latent channels, patches and frame context must be the same")
            }
            refiner = r
            hash += "+" + (try ShippedResource.contentHash(path: refinerPath))
        }
        return TextToVideo(model: model, tokenizer: tokenizer, vae: vae, latentPreview: preview,
                           modelHash: hash, trainedSteps: file.metadata["step"].flatMap { Int($0) }, refiner: refiner)
    }

    /// Whether `refiner` can make `model`'s refinement: the same latent, patches and frame context
    /// (the render holds clean context frames the same way in both stages).
    public static func canRefine(_ refiner: DiffusionTransformer<Float>, for model: DiffusionTransformer<Float>) -> Bool {
        refiner.config.latentChannels == model.config.latentChannels && refiner.config.patch == model.config.patch
            && refiner.config.frameContext == model.config.frameContext
    }

    /// About a quarter of the final width and height, in multiples of 8 pixels (one latent pixel), at least 16.
    public static func previewSize(width: Int, height: Int) -> (width: Int, height: Int) {
        func quarter(_ n: Int) -> Int { max(16, Int((Double(n) / 32).rounded()) * 8) }
        return (quarter(width), quarter(height))
    }

    /// Latent frames for `frames` video frames (the decoder makes 1 + 4 (Fz - 1); extra ones are cut).
    public func latentFrames(for frames: Int) -> Int {
        let tf = vae.config.temporalFactor
        return 1 + (max(1, frames) - 1 + tf - 1) / tf
    }

    public func validate(_ s: GenerationSettings) throws {
        let sf = vae.config.spatialFactor
        guard s.width % sf == 0, s.height % sf == 0, s.width >= 16, s.height >= 16, s.width <= 4096, s.height <= 4096 else {
            throw GenerationError("size \(s.width)x\(s.height) is not accepted; width and height must be multiples of \(sf) from 16 to 4096")
        }
        guard s.frames >= 1, s.frames <= 12 * 120 + 1 else { throw GenerationError("\(s.frames) frames is not accepted; 1 to \(12 * 120 + 1)") }
        guard s.steps >= 1, s.steps <= 1000 else { throw GenerationError("\(s.steps) steps is not accepted; 1 to 1000") }
        if let r = s.refineStepCount, !(r >= 1 && r <= 1000) { throw GenerationError("\(r) refine steps is not accepted; 1 to 1000") }
        guard s.guidance >= 0, s.guidance <= 50 else { throw GenerationError("guidance \(s.guidance) is not accepted; 0 to 50") }
        if let g = s.refineGuidanceScale, !(g >= 0 && g <= 50) { throw GenerationError("refine guidance \(g) is not accepted; 0 to 50") }
        if let shift = s.shift, !(shift >= 0.1 && shift <= 20) { throw GenerationError("time shift \(shift) is not accepted; 0.1 to 20") }
        guard s.stochasticity >= 0, s.stochasticity <= 1 else { throw GenerationError("stochasticity \(s.stochasticity) is not accepted; 0 to 1") }
        guard s.chunks >= 1, s.chunks <= 12 else { throw GenerationError("\(s.chunks) chunks is not accepted; 1 to 12") }
        let ph = model.config.patch[0], pw = model.config.patch[1]
        let tokens = latentFrames(for: s.frames) * ((s.height / sf + ph - 1) / ph) * ((s.width / sf + pw - 1) / pw)
        guard tokens <= TextToVideo.maximumTokens else {
            throw GenerationError("\(s.width)x\(s.height) with \(s.frames) frames is \(tokens) transformer tokens; at most \(TextToVideo.maximumTokens) are accepted (about 13 s at 512x288): choose a shorter duration or a smaller size")
        }
    }

    /// The largest token grid a generation may use: attention cost grows with its square and the
    /// activations of one call with its size (about 2.5 GiB at this limit).
    public static let maximumTokens = 20_000

    /// The preview only: sampled from noise at `previewSize` (or at `width`x`height` when `atSize` is true).
    public func preview(caption: String, settings: GenerationSettings, atSize: Bool = false,
                        progress: ((GenerationStep, Video?) -> Void)? = nil, isCancelled: @escaping () -> Bool = { false }) throws -> GenerationOutput {
        try validate(settings)
        lock.lock(); defer { lock.unlock() }
        let size = atSize ? (settings.width, settings.height) : settings.previewSize
        let clock = Benchmark.now()
        let latent = try Autograd.withoutRecording {   // no backward: layers keep no activations
            try samplePreview(caption: caption, settings: settings, size: size, totalSteps: stageSteps(settings.steps, settings: settings), start: clock,
                              progress: progress, isCancelled: isCancelled)
        }
        model.releaseActivations()
        let sampled = Benchmark.now()
        let video = vae.decodeVideo(latent, fps: settings.fps, frames: settings.frames)
        return GenerationOutput(video: video, latent: latent, timings: ["preview": sampled - clock, "decode": Benchmark.now() - sampled])
    }

    /// The full render: the preview, then the refinement at full size, then a tiled decode.
    /// `preview`: a raw preview latent (1, Fz, Hz, Wz, C) at `previewSize` to refine instead of a
    /// sampled one (`tessera eval --world-preview`: what the refinement makes of a right composition).
    public func render(caption: String, settings: GenerationSettings, preview: Tensor<Float>? = nil,
                       progress: ((GenerationStep, Video?) -> Void)? = nil, isCancelled: @escaping () -> Bool = { false }) throws -> GenerationOutput {
        try validate(settings)
        lock.lock(); defer { lock.unlock() }
        let total = (preview == nil ? stageSteps(settings.steps, settings: settings) : 0) + stageSteps(settings.refineSteps, settings: settings)
        let clock = Benchmark.now()
        let (latent, previewDone) = try Autograd.withoutRecording {   // no backward: layers keep no activations
            try sampleRender(caption: caption, settings: settings, preview: preview, total: total, clock: clock, progress: progress, isCancelled: isCancelled)
        }
        model.releaseActivations()
        refiner?.releaseActivations()
        let refined = Benchmark.now()
        let video = vae.decodeVideo(latent, fps: settings.fps, frames: settings.frames)
        return GenerationOutput(video: video, latent: latent,
                                timings: ["preview": previewDone - clock, "refine": refined - previewDone, "decode": Benchmark.now() - refined])
    }

    /// The preview, upscaled and re-noised, then refined at full size: the render's latent.
    func sampleRender(caption: String, settings: GenerationSettings, preview: Tensor<Float>?, total: Int, clock: Double,
                      progress: ((GenerationStep, Video?) -> Void)?, isCancelled: @escaping () -> Bool) throws -> (latent: Tensor<Float>, previewDone: Double) {
        let sf = vae.config.spatialFactor
        let expected = [1, latentFrames(for: settings.frames), settings.previewSize.height / sf, settings.previewSize.width / sf, vae.config.latentChannels]
        if let preview, preview.shape != expected {
            throw GenerationError("a given preview latent has shape \(preview.shape); this render needs \(expected)")
        }
        let small = try preview ?? samplePreview(caption: caption, settings: settings, size: settings.previewSize, totalSteps: total, start: clock,
                                                 progress: progress, isCancelled: isCancelled)
        let previewDone = Benchmark.now()
        let upscaled = LatentResize.bilinear(small, height: settings.height / sf, width: settings.width / sf)
        let patches = LatentPatches(latentShape: upscaled.shape, patch: (model.config.patch[0], model.config.patch[1]))
        let start = patches.tokens(from: upscaled, mean: vae.latentMean, std: vae.latentStd)
        let noise = startNoise(patches, seed: RandomGenerator.mix(settings.seed ^ 0x5245_4649_4E45))   // "REFINE"
        let s = RectifiedFlow.shiftFactor(tokens: patches.tokens)
        let sigmas = TextToVideo.tailSigmas(from: min(1, max(0, settings.refineFrom)), steps: settings.refineSteps, shift: s)
        let x = RectifiedFlow.noised(start, noise: noise, t: [sigmas[0]]).xt
        let tokens = try sampleFrames(x: x, patches: patches, caption: caption, settings: settings, stage: "refine",
                                      offset: total - stageSteps(settings.refineSteps, settings: settings), total: total, start: clock,
                                      progress: progress, isCancelled: isCancelled) { frames in
            frames == patches.frames ? sigmas
                : TextToVideo.tailSigmas(from: min(1, max(0, settings.refineFrom)), steps: settings.refineSteps,
                                         shift: RectifiedFlow.shiftFactor(tokens: patches.tokensPerFrame * frames))
        }
        return (patches.latent(from: tokens, mean: vae.latentMean, std: vae.latentStd), previewDone)
    }

    /// Whether a generation of `frames` video frames makes its first latent frame alone (as an image)
    /// and then the others with it as clean context: models trained with frame context do.
    public func usesFrameContext(frames: Int) -> Bool { usesFrameContext(latentFrames: latentFrames(for: frames)) }

    func usesFrameContext(latentFrames: Int) -> Bool { model.config.frameContext && latentFrames > 1 }

    /// Model-call steps of one stage that samples `steps` steps: with frame context, one run for the
    /// first frame and one per chunk.
    func stageSteps(_ steps: Int, settings: GenerationSettings) -> Int {
        let fz = latentFrames(for: settings.frames)
        return usesFrameContext(latentFrames: fz) ? (1 + TextToVideo.chunkEnds(latentFrames: fz, chunks: settings.chunks).count) * steps : steps
    }

    /// The latent frame each chunk ends before: the frames after the first split evenly, the last chunk
    /// ending at `latentFrames` (fewer chunks when there are fewer frames).
    public static func chunkEnds(latentFrames fz: Int, chunks: Int) -> [Int] {
        let n = max(1, min(chunks, fz - 1))
        return (1...n).map { 1 + (fz - 1) * $0 / n }
    }

    /// Samples the tokens `x` (all frames at the stage's first noise level) down to clean. With frame
    /// context the first latent frame is sampled alone first (an image, with the schedule of its own
    /// token count), then the other frames around it, every frame made so far held clean as context:
    /// the object is placed once, in one frame, and the other frames agree with it instead of each
    /// following its own noise. With several chunks, each run makes the clip up to the chunk's end
    /// (a shorter clip, as in training), so far frames have near frames as context.
    func sampleFrames(x: Tensor<Float>, patches: LatentPatches, caption: String, settings: GenerationSettings, stage: String,
                      offset: Int, total: Int, start: Double, progress: ((GenerationStep, Video?) -> Void)?,
                      isCancelled: @escaping () -> Bool, sigmas: (_ frames: Int) -> [Double]) throws -> Tensor<Float> {
        guard usesFrameContext(latentFrames: patches.frames) else {
            return try run(x: x, patches: patches, caption: caption, settings: settings, sigmas: sigmas(patches.frames), stage: stage,
                           offset: offset, total: total, start: start, progress: progress, isCancelled: isCancelled)
        }
        let perFrame = patches.tokensPerFrame * patches.tokenWidth
        /// The leading `frames` latent frames of `tokens`, with their token grid.
        func leading(_ frames: Int, of tokens: Tensor<Float>) -> (Tensor<Float>, LatentPatches) {
            let part = LatentPatches(latentShape: [1, frames] + patches.latentShape.dropFirst(2), patch: (patches.patchHeight, patches.patchWidth))
            var out = Tensor<Float>(uninitialized: [1, part.tokens, patches.tokenWidth])
            out.withUnsafeMutablePointer { o in tokens.withUnsafePointer { o.update(from: $0, count: frames * perFrame) } }
            return (out, part)
        }
        let (first, firstPatches) = leading(1, of: x)
        let firstSigmas = sigmas(1)
        let stepsPerStage = firstSigmas.count - 1
        var made = try run(x: first, patches: firstPatches, caption: caption, settings: settings, sigmas: firstSigmas, stage: stage,
                           offset: offset, total: total, start: start, progress: progress, isCancelled: isCancelled)
        for (k, end) in TextToVideo.chunkEnds(latentFrames: patches.frames, chunks: settings.chunks).enumerated() {
            let (clip, clipPatches) = end == patches.frames ? (x, patches) : leading(end, of: x)
            made = try run(x: clip, patches: clipPatches, caption: caption, settings: settings, sigmas: sigmas(end), stage: stage,
                           offset: offset + (k + 1) * stepsPerStage, total: total, start: start, progress: progress,
                           isCancelled: isCancelled, context: made)
        }
        return made
    }

    /// `steps + 1` noise levels from `sigma0` down to 0, evenly spaced in the unshifted time and
    /// then shifted, so a partial run uses the same spacing as the tail of a full one.
    public static func tailSigmas(from sigma0: Double, steps: Int, shift s: Double) -> [Double] {
        let u0 = sigma0 / (s - (s - 1) * sigma0)   // inverse of RectifiedFlow.shift
        return (0...steps).map { RectifiedFlow.shift(u0 * (1 - Double($0) / Double(steps)), by: s) }
    }

    func samplePreview(caption: String, settings: GenerationSettings, size: (width: Int, height: Int), totalSteps: Int, start: Double,
                       progress: ((GenerationStep, Video?) -> Void)?, isCancelled: @escaping () -> Bool) throws -> Tensor<Float> {
        let sf = vae.config.spatialFactor
        let shape = [1, latentFrames(for: settings.frames), size.height / sf, size.width / sf, vae.config.latentChannels]
        let patches = LatentPatches(latentShape: shape, patch: (model.config.patch[0], model.config.patch[1]))
        let x = startNoise(patches, seed: settings.seed)   // frame f's noise does not depend on the frame count
        let tokens = try sampleFrames(x: x, patches: patches, caption: caption, settings: settings, stage: "preview", offset: 0,
                                      total: totalSteps, start: start, progress: progress, isCancelled: isCancelled) { frames in
            RectifiedFlow.sigmas(steps: settings.steps, shift: settings.shift ?? RectifiedFlow.shiftFactor(tokens: patches.tokensPerFrame * frames))
        }
        return patches.latent(from: tokens, mean: vae.latentMean, std: vae.latentStd)
    }

    /// Standard normal tokens, drawn per latent frame over the padded grid (GenerationNoise), so a
    /// longer video shares its first frames' noise and padding gets noise as in training.
    func startNoise(_ patches: LatentPatches, seed: UInt64) -> Tensor<Float> {
        let padded = LatentPatches(latentShape: [1, patches.frames, patches.paddedHeight, patches.paddedWidth, patches.channels],
                                   patch: (patches.patchHeight, patches.patchWidth))
        let noise: Tensor<Float> = GenerationNoise.latent(shape: padded.latentShape, seed: seed)
        let c = patches.channels
        return padded.tokens(from: noise, mean: [Float](repeating: 0, count: c), std: [Float](repeating: 1, count: c))
    }

    /// One sampling run over `sigmas`. `context`: clean tokens of the leading latent frames, held
    /// fixed (written into x before every model call and into the result; their velocity is zero).
    func run(x: Tensor<Float>, patches: LatentPatches, caption: String, settings: GenerationSettings, sigmas: [Double], stage: String,
             offset: Int, total: Int, start: Double, progress: ((GenerationStep, Video?) -> Void)?, isCancelled: @escaping () -> Bool,
             context: Tensor<Float>? = nil) throws -> Tensor<Float> {
        let layout = patches.layout
        let conditional = tokenizer.ids(caption), null = tokenizer.nullIds
        let contextFrames = (context?.shape[1] ?? 0) / patches.tokensPerFrame
        let contextCount = context?.count ?? 0
        var objects: [ObjectIdentifier: Tensor<Float>] = [:]   // the plan on this grid, per model that takes one
        for net in [model] + (refiner.map { [$0] } ?? []) where net.config.objectLayout && settings.usesObjectLayout && settings.scene != nil {
            objects[ObjectIdentifier(net)] = ObjectLayout.features(scenes: [settings.scene], layout: layout, for: net.config)
        }
        func holdContext(_ x: inout Tensor<Float>) {
            guard let context else { return }
            x.withUnsafeMutablePointer { p in context.withUnsafePointer { p.update(from: $0, count: contextCount) } }
        }
        // The caption side of every call of this run, per model and caption batch, made once.
        var encodings: [ObjectIdentifier: [[[Int]]: EncodedText<Float>]] = [:]
        func encoded(_ net: DiffusionTransformer<Float>) -> ([[Int]]) -> EncodedText<Float> {
            { ids in
                if let e = encodings[ObjectIdentifier(net)]?[ids] { return e }
                let e = net.encodeText(ids)
                encodings[ObjectIdentifier(net), default: [:]][ids] = e
                return e
            }
        }
        var estimate: Tensor<Float>?
        let velocity: (Tensor<Float>, Double, Int) throws -> Tensor<Float> = { x, sigma, _ in
            if isCancelled() { throw SamplingCancelled() }
            var x = x
            holdContext(&x)
            let net = stage == "refine" ? self.refiner ?? self.model : self.model
            let marked = stage == "refine" && net.config.marksRefinement(at: sigma)
            let guidance = stage == "refine" ? settings.refineGuidance : settings.guidance
            var v = self.guidedVelocity(net, x, sigma: sigma, layout: layout, conditional: conditional, null: null, guidance: guidance,
                                        contextFrames: contextFrames, refining: marked, objects: objects[ObjectIdentifier(net)],
                                        encoded: encoded(net))
            if contextCount > 0 { v.withUnsafeMutablePointer { $0.update(repeating: 0, count: contextCount) } }
            if progress != nil { estimate = RectifiedFlow.cleanEstimate(x, t: sigma, velocity: v) }
            return v
        }
        let monitor = SamplingMonitor(onStep: { [self] p, _ in
            guard let progress else { return }
            let step = GenerationStep(stage: stage, step: offset + p.step, total: total, elapsed: Benchmark.now() - start)
            progress(step, estimate.map { intermediateVideo($0, patches: patches, fps: settings.fps) } ?? nil)
        })
        var result: Tensor<Float>
        switch settings.sampler {
        case .euler where settings.stochasticity > 0:
            // Fresh noise per step, drawn like the start noise (per latent frame) from its own stream.
            let tag: UInt64 = stage == "preview" ? 0x5354_4550 : 0x5354_4550_52   // "STEP", "STEPR"
            result = try sampleEulerStochastic(x: x, sigmas: sigmas, stochasticity: settings.stochasticity, monitor: monitor,
                                               freshNoise: { self.startNoise(patches, seed: RandomGenerator.mix(settings.seed ^ tag ^ (UInt64($0 + 1) << 32))) },
                                               velocity: velocity)
        case .euler: result = try sampleEuler(x: x, sigmas: sigmas, monitor: monitor, velocity: velocity)
        case .heun: result = try sampleHeun(x: x, sigmas: sigmas, monitor: monitor, velocity: velocity)
        }
        holdContext(&result)
        return result
    }

    /// Classifier-free guidance; conditional and null captions in one batch when it is small, one
    /// after the other when it is large (the activations of a 7488-token batch of two cost memory).
    /// The object layout, when given, conditions both: guidance then strengthens what the caption
    /// says about the objects (colour, shape), not where the plan puts them.
    func guidedVelocity(_ model: DiffusionTransformer<Float>, _ x: Tensor<Float>, sigma: Double, layout: TokenLayout, conditional: [Int], null: [Int], guidance: Double,
                        contextFrames: Int = 0, refining: Bool = false, objects: Tensor<Float>? = nil,
                        encoded: (([[Int]]) -> EncodedText<Float>)? = nil) -> Tensor<Float> {
        let k = contextFrames, r = refining ? [true] : []
        if guidance == 1 {
            return model(x, layout: layout, t: [sigma], text: [conditional], contextFrames: k, refining: r, objects: objects, encoded: encoded?([conditional]))
        }
        if layout.tokens > 2048 {
            let vc = model(x, layout: layout, t: [sigma], text: [conditional], contextFrames: k, refining: r, objects: objects, encoded: encoded?([conditional]))
            let vu = model(x, layout: layout, t: [sigma], text: [null], contextFrames: k, refining: r, objects: objects, encoded: encoded?([null]))
            return classifierFreeGuidance(unconditional: vu, conditional: vc, scale: guidance)
        }
        let n = x.count
        var pair = Tensor<Float>(uninitialized: [2] + x.shape.dropFirst())
        pair.withUnsafeMutablePointer { p in x.withUnsafePointer { src in p.update(from: src, count: n); (p + n).update(from: src, count: n) } }
        let v = model(pair, layout: layout, t: [sigma, sigma], text: [conditional, null], contextFrames: k, refining: r + r, objects: objects,
                      encoded: encoded?([conditional, null]))
        var vc = Tensor<Float>(uninitialized: x.shape), vu = Tensor<Float>(uninitialized: x.shape)
        v.withUnsafePointer { p in
            vc.withUnsafeMutablePointer { $0.update(from: p, count: n) }
            vu.withUnsafeMutablePointer { $0.update(from: p + n, count: n) }
        }
        return classifierFreeGuidance(unconditional: vu, conditional: vc, scale: guidance)
    }

    /// The x0 estimate through the linear latent-to-RGB projection: one pixel per latent pixel,
    /// one frame per latent frame (no decoder run).
    func intermediateVideo(_ tokens: Tensor<Float>, patches: LatentPatches, fps: Int) -> Video? {
        guard let latentPreview else { return nil }
        let latent = patches.latent(from: tokens, mean: vae.latentMean, std: vae.latentStd)
        var pixels: [UInt8] = []
        for f in 0..<patches.frames { pixels += latentPreview.image(latent, frame: f) }
        return Video(width: patches.width, height: patches.height, fps: max(1, fps / vae.config.temporalFactor), pixels: pixels)
    }
}

public struct GenerationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
