// `tessera train dit`: trains the diffusion transformer on VAE latents of world clips (or a dataset).
import Foundation
import TesseraEngine
import TesseraAutoencoder
import TesseraTransformer

enum TrainDiTCommand {
    static let help = """
    usage: tessera train dit [--preset small|compact] [--attention full|factorized] [--steps N]
                             [--token-budget T] [--lr X] [--seed S] [--vae FILE] [--data DIR]
                             [--checkpoint FILE] [--resume] [--minutes M] [--curriculum N] [--reuse R]
                             [--ship FILE] [--init FILE] [--absolute-position] [--high-noise-share X]
                             [--high-noise-from X] [--depth N] [--frame-context] [--context-share X]
                             [--large-image-share X] [--medium-clip-share X] [--refine-share X]
                             [--single-object-share X] [--long-clip-share X]
                             [--refinement-embedding] [--absolute-time] [--lr-scale NAME=X[,NAME=X...]]
                             [--object-layout] [--object-presence] [--object-silhouette]
                             [--object-subframes] [--layout-dropout X]

    Trains the text-to-video diffusion transformer (rectified flow) on latents of procedural-world
    clips rendered on the fly at native aspect ratios (16:9, 9:16, 1:1, about 4:3) and durations
    (single images, 9/17/25/49 frames), encoded by the autoencoder; or on an imported dataset.
    Each step is one size bucket with as many clips as fit in the token budget. Prints a progress
    line; saves a checkpoint (weights, EMA, optimizer, step, RNG, config) every 5 minutes and at the end.

    options:
      --preset P          model size: small (d256 x 8, default) or compact (d192 x 6)
      --attention A       full (default) or factorized spatial/temporal attention
      --steps N           total optimizer steps (default 100000), for the learning-rate schedule
      --token-budget T    video tokens per step (default 1024): batch = T / tokens per clip
      --lr X              peak learning rate (default 0.0003), warm-up then cosine decay
      --seed S            seed of data, noise and initial weights (default 1)
      --vae FILE          autoencoder weights (default: the shipped weights)
      --data DIR          train on a dataset folder (made by `tessera import`) instead of the world
      --checkpoint FILE   checkpoint path (default checkpoints/dit.ckpt.safetensors)
      --resume            continue from --checkpoint (with the checkpoint's model unless --preset,
                          --attention or --absolute-position are given)
      --minutes M         stop (with a checkpoint) after M minutes
      --curriculum N      for the first N steps, only single objects moving in straight lines
      --reuse R           train on each encoded batch R times on average (default 4; fresh noise and
                          times each time), from a pool of 256 batches: encoding costs more than a step
      --high-noise-share X  share of training times drawn uniformly from [0.6, 1) instead of
                          logit-normal (default 0.25): the composition is decided at high noise
      --high-noise-from X lower end of that range (default 0.6); 0.8 spends the share where the
                          noise hides objects and the model must agree on them across frames
      --init FILE         start from shipped DiT weights (their config, tokenizer and step count;
                          new optimizer state, the learning rate warms up again): how a later
                          session continues a run without the git-ignored checkpoint
      --depth N           with --init: grow the loaded model to N blocks; the new blocks go after the
                          old ones and start as the identity (adaLN-zero), so outputs are unchanged
      --absolute-position add absolute frame positions to the token embeddings (a new model, or
                          with --init a zero-initialised layer added to the loaded model)
      --frame-context     let the model take clean leading latent frames as context (a new model, or
                          with --init a zero-initialised embedding added): generation then makes the
                          first frame as an image and the other frames around it
      --context-share X   share of clip batches trained with clean leading frames as context
                          (default 0.5 for models with frame context)
      --large-image-share X  share of batches that are single images larger than a preview, up
                          to the full size (default 0.3): where shapes exist in the latent
      --medium-clip-share X  share of batches that are short clips at 2-3x the preview's size
                          (default 0.2); the rest are preview-size images and clips
      --single-object-share X  share of world scenes with one object (default: the world's own mix,
                          about half): a caption with one shape word teaches that shape most directly
      --long-clip-share X share of preview-size batches that are 4 s clips (default 0.2; the other
                          durations keep their relative weights): generation makes a 4 s clip's later
                          frames around its first, where objects drift and fall apart
      --refine-share X    share of steps on large images and medium clips trained as the full
                          render's refinement (default 0): the scene rendered at a quarter of the size,
                          encoded and upscaled, plus noise at t in [0.5, 0.95]; target the sharp clip.
                          The render refines an upscaled preview whose objects are blobs: this teaches
                          the model to redraw them as the caption's shapes instead of keeping the blob
      --refinement-embedding  mark refinement steps by a learned embedding (a new model, or with
                          --init a zero-initialised embedding added): the plain path, which makes
                          previews, is then not pulled towards redrawing what it is given
      --absolute-time     add each token's frame time since the clip start (a new model, or with
                          --init a zero-initialised layer added): with RoPE alone a frame knows only
                          offsets, not how far it is from the clean first frame, nor so how far the
                          object has moved
      --object-layout     add the scene's object layout, each object's box in each frame (a new model,
                          or with --init a zero-initialised layer added): generation then follows the
                          plan of the expanded prompt (where each object is, how large, how it moves)
      --object-presence   with the layout: also each object's presence and in-frame share per frame,
                          so an object that has left the frame is not drawn back in (with --init:
                          added at zero to a model with the layout, or together with --object-layout)
      --object-silhouette with presence: also each object's outline, its visible coverage of 4x4 cells
                          per token (4 pixels each), so the model paints the shape the plan draws
                          instead of guessing an outline inside the box (with --init: added at zero
                          to a model with presence, or together with the flags it needs)
      --object-subframes  with silhouettes: also the outlines at the three in-between video frames
                          each latent frame stands for, so a fast path (a bounce drops and rises a
                          third of the frame within one latent frame) is planned, not smeared (with
                          --init: added at zero to a model with silhouettes)
      --layout-dropout X  share of world samples trained without their layout (default 0.15), so the
                          model also generates from the caption alone
      --lr-scale NAME=X   multiply the learning rate of the parameters whose names start with NAME
                          by X (0 to 1000), e.g. time_embedder=10: a layer added at zero to a trained
                          model then learns at the pace of the model around it; give it again on --resume
      --ship FILE         at the end, write the EMA weights (with config, tokenizer and a latent-preview
                          projection fitted to the autoencoder) to FILE
    """

    /// Optional model parts, each a boolean flag: set on a new model, or added at zero to a model
    /// loaded with --init (which then computes the same function at first).
    static let modelParts: [(flag: String, part: WritableKeyPath<DiTConfig, Bool>, what: String)] = [
        ("absolute-position", \.absolutePosition, "absolute positions (zero-initialised)"),
        ("frame-context", \.frameContext, "frame context (zero-initialised embedding)"),
        ("refinement-embedding", \.refinementEmbedding, "a refinement embedding (zero-initialised)"),
        ("absolute-time", \.absoluteTime, "absolute frame times (zero-initialised)"),
        ("object-layout", \.objectLayout, "the object layout (zero-initialised)"),
        ("object-presence", \.objectPresence, "object presence to the layout (zero-initialised)"),
        ("object-silhouette", \.objectSilhouette, "object silhouettes to the layout (zero-initialised)"),
        ("object-subframes", \.objectSubframes, "in-between object silhouettes to the layout (zero-initialised)")]

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, command: "train", options: ["preset", "attention", "steps", "token-budget", "lr", "seed", "vae", "data",
                                                                "checkpoint", "minutes", "curriculum", "reuse", "ship", "init", "high-noise-share",
                                                                "high-noise-from", "depth", "context-share", "large-image-share", "medium-clip-share", "refine-share",
                                                                "single-object-share", "long-clip-share", "lr-scale", "layout-dropout"],
                                booleanFlags: Set(["resume"] + modelParts.map(\.flag)))
        try a.expectPositionals(atMost: 1, what: "model")
        var options = DiTTrainingOptions()
        options.steps = try a.int("steps", default: options.steps, in: 1...100_000_000)
        options.tokenBudget = try a.int("token-budget", default: options.tokenBudget, in: 1...1_000_000)
        options.learningRate = try a.double("lr", default: options.learningRate, in: 1e-7...1)
        options.seed = try a.uint64("seed", default: options.seed)
        options.curriculumSteps = try a.int("curriculum", default: 0, in: 0...100_000_000)
        options.reuse = try a.int("reuse", default: options.reuse, in: 1...1000)
        options.highNoiseShare = try a.double("high-noise-share", default: options.highNoiseShare, in: 0...1)
        options.highNoiseFrom = try a.double("high-noise-from", default: options.highNoiseFrom, in: 0...0.99)
        options.refineShare = try a.double("refine-share", default: options.refineShare, in: 0...1)
        options.layoutDropout = try a.double("layout-dropout", default: options.layoutDropout, in: 0...1)
        options.warmupSteps = min(options.warmupSteps, max(1, options.steps / 10))
        let minutes = try a.double("minutes", default: .infinity, in: 0.01...1e9)
        let checkpoint = a.string("checkpoint") ?? "checkpoints/dit.ckpt.safetensors"
        let presetName = a.string("preset") ?? "small"
        guard var config = DiTConfig.preset(named: presetName), presetName != "tiny" else {
            throw CommandError.usage("unknown --preset '\(presetName)'; accepted: small, compact")
        }
        if let mode = a.string("attention") {
            guard let m = AttentionMode(rawValue: mode) else { throw CommandError.usage("unknown --attention '\(mode)'; accepted: full, factorized") }
            config.attention = m
        }
        for part in modelParts where a.flag(part.flag) { config[keyPath: part.part] = true }
        if a.string("init") == nil, let problem = config.layoutPartsProblem {
            throw CommandError.usage("\(problem): give --object-layout, --object-presence, --object-silhouette and --object-subframes as needed")
        }
        // A resume without model options takes the model from the checkpoint (its config and tokenizer).
        var resumed: DiTDescription?
        if a.flag("resume"), a.string("preset") == nil, a.string("attention") == nil, !modelParts.contains(where: { a.flag($0.flag) }),
           let file = try? SafeTensors.read(path: checkpoint), let saved = file.metadata["config"].flatMap({ try? DiTDescription.decode($0) }) {
            resumed = saved
        }
        if a.string("depth") != nil && a.string("init") == nil {
            throw CommandError.usage("--depth grows a model loaded with --init FILE; a new model takes its depth from --preset")
        }
        let vae = try TrainCommand.wrap { try VideoAutoencoder.loadWeights(path: a.string("vae")) }
        var model: DiffusionTransformer<Float>, tokenizer: TextTokenizer
        var initialStep = 0
        if let initPath = a.string("init") {
            if a.flag("resume") { throw CommandError.usage("give --init (start from weights) or --resume (continue a checkpoint), not both") }
            (model, tokenizer) = try TrainCommand.wrap { try DiffusionTransformer<Float>.load(path: initPath) }
            if a.string("preset") != nil || a.string("attention") != nil {
                var wanted = config
                wanted.vocabularySize = model.config.vocabularySize
                wanted.latentChannels = model.config.latentChannels
                for part in modelParts { wanted[keyPath: part.part] = model.config[keyPath: part.part] }
                if wanted != model.config { throw CommandError("--init \(initPath) holds a DiT with config \(model.config.json); drop --preset/--attention or match them") }
            }
            if a.string("depth") != nil {
                let depth = try a.int("depth", default: model.config.depth, in: model.config.depth...64)
                if depth > model.config.depth {
                    var grown = model.config
                    grown.depth = depth
                    model = model.upgraded(to: grown)   // identity blocks appended: same outputs at first
                    printError("grew the model from \(initPath) to \(depth) blocks (new blocks start as the identity)")
                }
            }
            var requested = model.config
            for part in modelParts where a.flag(part.flag) { requested[keyPath: part.part] = true }
            if let problem = requested.layoutPartsProblem {
                throw CommandError.usage("\(problem): give --object-layout, --object-presence, --object-silhouette and --object-subframes as needed, or --init a model that has them")
            }
            // Each added part starts at zero, so the upgraded model computes the same function at first.
            for addition in modelParts where a.flag(addition.flag) && !model.config[keyPath: addition.part] {
                var upgraded = model.config
                upgraded[keyPath: addition.part] = true
                model = model.upgraded(to: upgraded)
                printError("added \(addition.what) to the model from \(initPath)")
            }
            guard model.config.latentChannels == vae.config.latentChannels else {
                throw CommandError("--init \(initPath) has \(model.config.latentChannels) latent channels, the autoencoder \(vae.config.latentChannels)")
            }
            initialStep = (try? SafeTensors.read(path: initPath))?.metadata["step"].flatMap { Int($0) } ?? 0
            options.rewarmFrom = initialStep
            config = model.config
        } else if let resumed {
            tokenizer = resumed.tokenizer
            config = resumed.config
            model = DiffusionTransformer<Float>(config: config, seed: options.seed)
        } else {
            tokenizer = TextTokenizer.world(maxLength: config.maxTextLength)
            config.vocabularySize = tokenizer.vocabularySize
            config.latentChannels = vae.config.latentChannels
            model = DiffusionTransformer<Float>(config: config, seed: options.seed)
        }
        options.contextShare = model.config.frameContext ? try a.double("context-share", default: 0.5, in: 0...1) : 0
        if a.string("context-share") != nil && !model.config.frameContext {
            throw CommandError.usage("--context-share needs a model with frame context (--frame-context)")
        }
        if let scales = a.string("lr-scale") {
            for item in scales.split(separator: ",", omittingEmptySubsequences: false) {
                let parts = item.split(separator: "=", omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, let x = Double(parts[1]), (0...1000).contains(x) else {
                    throw CommandError.usage("--lr-scale '\(item)': give NAME=X with X from 0 to 1000, e.g. time_embedder=10")
                }
                guard model.store.entries.contains(where: { $0.name.hasPrefix(String(parts[0])) }) else {
                    throw CommandError.usage("--lr-scale: no parameter of this model starts with '\(parts[0])' (e.g. time_embedder, pos_embedder, blocks.0)")
                }
                options.rateScales[String(parts[0])] = x
            }
        }
        let trainer = DiTTrainer(model: model, tokenizer: tokenizer, vae: vae, options: options)
        if initialStep > 0 {
            trainer.state.step = initialStep
            printError("starting from \(a.string("init")!) at step \(initialStep) (learning rate warms up again over \(options.warmupSteps) steps)")
        }
        if a.flag("resume") {
            guard FileManager.default.fileExists(atPath: checkpoint) else { throw CommandError("--resume: no checkpoint at '\(checkpoint)'") }
            try TrainCommand.wrap { try trainer.resume(from: checkpoint) }
            printError("resumed from \(checkpoint) at step \(trainer.state.step)")
        }
        var source = try DiTClipSource(seed: options.seed, dataDirectory: a.string("data"), tokenBudget: options.tokenBudget,
                                       curriculumSteps: options.curriculumSteps)
        source.largeImageShare = try a.double("large-image-share", default: source.largeImageShare, in: 0...1)
        source.mediumClipShare = try a.double("medium-clip-share", default: source.mediumClipShare, in: 0...1)
        source.refineStarts = options.refineShare > 0
        if a.string("single-object-share") != nil { source.singleObjectShare = try a.double("single-object-share", default: 0.5, in: 0...1) }
        if a.string("long-clip-share") != nil { source.longClipShare = try a.double("long-clip-share", default: 0.2, in: 0...1) }
        guard source.largeImageShare + source.mediumClipShare <= 1 else {
            throw CommandError.usage("--large-image-share plus --medium-clip-share is \(source.largeImageShare + source.mediumClipShare); at most 1 is accepted")
        }
        let origin = a.string("init") != nil ? "from --init" : (resumed != nil ? "model of the checkpoint" : presetName)
        printError("training dit (\(origin), \(config.attention.rawValue) attention): \(model.parameterCount) parameters, vocabulary \(tokenizer.vocabularySize), \(options.steps) steps x \(options.tokenBudget) tokens, high-noise share \(options.highNoiseShare) from t = \(options.highNoiseFrom), context share \(options.contextShare), large images \(source.largeImageShare), medium clips \(source.mediumClipShare), single objects \(source.singleObjectShare.map { String($0) } ?? "world mix"), 4 s clips \(source.durationWeights.last { $0.frames == DiTClipSource.longClipFrames }?.weight ?? 0) of previews, refine share \(options.refineShare)\(config.objectLayout ? ", layout dropout \(options.layoutDropout)" : "")\(options.rateScales.isEmpty ? "" : ", lr scales " + options.rateScales.sorted { $0.key < $1.key }.map { "\($0.key) x\($0.value)" }.joined(separator: ", ")), BLAS \(BLAS.coreName), \(Parallel.workers) threads")
        StopSignal.install()
        try TrainCommand.wrap { try trainer.train(source: source, checkpointPath: checkpoint, stopAfterSeconds: minutes * 60) { printError($0) } }
        if let ship = a.string("ship") {
            let saved = UnsafeMutablePointer<Float>.allocate(capacity: model.store.count)
            defer { saved.deallocate() }
            saved.update(from: model.store.values, count: model.store.count)
            trainer.ema.copyToStore()
            let preview = LatentPreviewFit.fitOnWorld(vae: vae)
            let previewJSON = try CanonicalJSON.string(preview)
            try TrainCommand.wrap {
                try model.saveWeights(to: ship, tokenizer: tokenizer, extraMetadata: ["step": String(trainer.state.step), "latent_preview": previewJSON])
            }
            model.store.values.update(from: saved, count: model.store.count)
            printError("shipped EMA weights (step \(trainer.state.step)) to \(ship)")
        }
    }
}
