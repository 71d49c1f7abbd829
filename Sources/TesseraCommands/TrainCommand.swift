// `tessera train vae`: trains the video autoencoder (see docs/training.md for the shipped run).
import Foundation
import TesseraEngine
import TesseraAutoencoder

enum TrainCommand {
    static let command = Command(
        name: "train",
        summary: "train a model: vae (the video autoencoder) or dit (the diffusion transformer)",
        help: """
        usage: tessera train vae [--steps N] [--clips-per-step K] [--lr X] [--seed S] [--data DIR]
                                 [--checkpoint FILE] [--resume] [--minutes M] [--ship FILE] [--init FILE]
                                 [--decoder-only] [--decoder-blocks N] [--preview-share X] [--outline-weight X]
                                 [--object-crops X]

        Trains the causal 3D autoencoder on procedural-world clips of mixed sizes, aspect ratios and
        durations (single images included), or on an imported dataset (--data DIR, made by
        `tessera import`). Prints a progress line every 10 steps; saves a checkpoint (weights, EMA,
        optimizer, step, RNG) every 5 minutes, at the end, and on Ctrl-C or SIGTERM (after the
        current step).

        options:
          --steps N           total optimizer steps (default 20000)
          --clips-per-step K  clips whose gradients are averaged per step (default 4)
          --lr X              peak learning rate (default 0.001), warm-up then cosine decay
          --seed S            seed of data order, noise and initial weights (default 1)
          --data DIR          train or fine-tune on a dataset folder instead of the world
          --checkpoint FILE   checkpoint path (default checkpoints/vae.ckpt.safetensors)
          --resume            continue from --checkpoint
          --init FILE         start from these autoencoder weights (fine-tuning)
          --minutes M         stop (with a checkpoint) after M minutes
          --ship FILE         at the end, write EMA weights + latent statistics to FILE
          --decoder-only      with --init: train the decoder only; the encoder, the latent statistics
                              and so the latent stay exactly as loaded (the shipped DiT stays valid)
          --decoder-blocks N  with --init: deepen the decoder to N residual blocks per stage; the added
                              blocks start as identities, so training starts from the loaded decoder
          --preview-share X   share of world clips rendered whole at about the preview's pixel count
                              (128x72, every aspect; default 0): the size previews decode at
          --outline-weight X  weight the reconstruction error up to 1 + X on the target's edges (default
                              0: plain mean squared error); object outlines decide the judged shape
          --object-crops X    share of world clips that are windows of a full-size render centred on an
                              object (default 0), rather than windows anywhere (mostly background)

        \(TrainDiTCommand.help)
        """,
        run: { args in
            if args.first == "dit" {
                try TrainDiTCommand.run(args)
                return
            }
            let a = try Arguments(args, command: "train", options: ["steps", "clips-per-step", "lr", "seed", "data", "checkpoint",
                                                                    "minutes", "ship", "init", "preview-share",
                                                                    "outline-weight", "object-crops", "decoder-blocks"], booleanFlags: ["resume", "decoder-only"])
            guard a.positionals == ["vae"] else {
                throw CommandError.usage("`tessera train` needs a model: vae or dit")
            }
            var options = AutoencoderTrainingOptions()
            options.steps = try a.int("steps", default: options.steps, in: 1...10_000_000)
            options.clipsPerStep = try a.int("clips-per-step", default: options.clipsPerStep, in: 1...256)
            options.learningRate = try a.double("lr", default: options.learningRate, in: 1e-7...1)
            options.seed = try a.uint64("seed", default: options.seed)
            options.warmupSteps = min(options.warmupSteps, max(1, options.steps / 10))
            let previewShare = try a.double("preview-share", default: 0, in: 0...1)
            let objectCrops = try a.double("object-crops", default: 0, in: 0...1)
            options.outlineWeight = try a.double("outline-weight", default: 0, in: 0...100)
            let minutes = try a.double("minutes", default: .infinity, in: 0.01...1e9)
            let checkpoint = a.string("checkpoint") ?? "checkpoints/vae.ckpt.safetensors"
            options.decoderOnly = a.flag("decoder-only")
            if options.decoderOnly && a.string("init") == nil {
                throw CommandError.usage("--decoder-only needs --init FILE: the trained encoder (and latent statistics) to keep")
            }

            let vae: VideoAutoencoder
            let decoderBlocks = try a.string("decoder-blocks").map { _ in try a.int("decoder-blocks", default: 1, in: 1...8) }
            if decoderBlocks != nil && a.string("init") == nil {
                throw CommandError.usage("--decoder-blocks needs --init FILE: the trained autoencoder whose decoder to deepen")
            }
            if let initPath = a.string("init") {
                vae = try wrap { try VideoAutoencoder.load(path: initPath, decoderBlocks: decoderBlocks) }
            } else {
                vae = VideoAutoencoder(config: .standard, seed: options.seed)
            }
            let trainer = AutoencoderTrainer(vae: vae, options: options)
            if a.flag("resume") {
                guard FileManager.default.fileExists(atPath: checkpoint) else {
                    throw CommandError("--resume: no checkpoint at '\(checkpoint)'")
                }
                try wrap { try trainer.resume(from: checkpoint) }
                printError("resumed from \(checkpoint) at step \(trainer.state.step)")
            }
            let source = try TrainingClipSource(seed: options.seed, dataDirectory: a.string("data"),
                                                pixelBudget: 9 * 96 * 96, multiple: vae.config.spatialFactor,
                                                temporalFactor: vae.config.temporalFactor, previewShare: previewShare,
                                                objectCropShare: objectCrops)
            StopSignal.install()
            printError("training vae\(options.decoderOnly ? " (decoder only; encoder frozen)" : ""): \(vae.store.count) parameters, \(options.steps) steps x \(options.clipsPerStep) clips, BLAS \(BLAS.coreName), \(Parallel.workers) threads")
            try wrap {
                try trainer.train(checkpointPath: checkpoint, stopAfterSeconds: minutes * 60,
                                  clip: { source.clip(index: $0, rng: &$1) }, log: { printError($0) })
            }
            if let ship = a.string("ship") {
                trainer.ema.copyToStore()
                var rng = RandomGenerator(seed: options.seed, stream: 0x57A7)
                let clips = (0..<64).map { source.clip(index: 1_000_000 + $0, rng: &rng) }
                // A decoder-only run keeps the loaded statistics: the latent is unchanged, and a diffusion
                // model normalises with them.
                if !options.decoderOnly { trainer.measureLatentStatistics(clips: clips) }
                try wrap { try vae.saveWeights(to: ship, extraMetadata: ["step": String(trainer.state.step)]) }
                printError("shipped EMA weights (step \(trainer.state.step)) to \(ship); latent std \(vae.latentStd.map { String(format: "%.3f", $0) }.joined(separator: " "))")
            }
        })

    /// Turns library errors into one-line command errors.
    static func wrap<R>(_ body: () throws -> R) throws -> R {
        do { return try body() } catch let e as CommandError { throw e } catch { throw CommandError("\(error)") }
    }
}
