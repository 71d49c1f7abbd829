// The causal 3D-convolution autoencoder (KL-regularised), after the video VAEs of Open-Sora and
// CogVideoX, sized for a CPU: 8x space, 4x time, channels-last activations.
//
//   video (B, F, H, W, 3) in [-1, 1], F = 1 + 4k  ->  latent (B, 1 + k, H/8, W/8, Cz)  ->  video
//
// Encoder: space-to-depth (patch) -> conv_in -> [res blocks -> down] per stage -> norm, SiLU,
// conv_out -> (mean, logvar). Decoder mirrors it with nearest up-sampling + conv, and ends with
// depth-to-space. Every conv is causal in time and norms are
// per frame, so frame 0 is encoded and decoded from frame 0 alone: an image is a one-frame video.
import TesseraEngine

public final class VideoAutoencoder {
    public let config: AutoencoderConfig
    public let store: ParameterStore<Float>
    let patchIn: SpaceToDepth<Float>, patchOut: SpaceToDepth<Float>
    let encoderIn: CausalConv3D<Float>
    let encoderStages: [[ResidualBlock3D<Float>]]
    let downsamplers: [CausalConv3D<Float>]
    let encoderNorm: LayerNorm<Float>, encoderAct = SiLU<Float>()
    let encoderOut: CausalConv3D<Float>

    let decoderIn: CausalConv3D<Float>
    let decoderStages: [[ResidualBlock3D<Float>]]   // deepest first
    let upsamplers: [(CausalUpsample3D<Float>, CausalConv3D<Float>)]
    let decoderNorm: LayerNorm<Float>, decoderAct = SiLU<Float>()
    let decoderOut: CausalConv3D<Float>

    /// Per-channel latent statistics, used to scale latents to unit variance for diffusion.
    public var latentMean: [Float]
    public var latentStd: [Float]

    /// `initializesValues: false` for an autoencoder whose every parameter is then loaded (zeros until then).
    public init(config: AutoencoderConfig, seed: UInt64 = 0, initializesValues: Bool = true) {
        self.config = config
        let store = ParameterStore<Float>(seed: seed, initializesValues: initializesValues)
        self.store = store
        let c = config.channels
        let stages = c.count
        // The first stage stays 2-D (1x3x3): temporal mixing happens at the cheaper lower resolutions.
        func kernel(_ stage: Int) -> (Int, Int, Int) { stage == 0 ? (1, 3, 3) : (3, 3, 3) }
        let pixelChannels = 3 * config.patch * config.patch
        patchIn = SpaceToDepth(factor: config.patch)
        patchOut = SpaceToDepth(factor: config.patch, inverse: true)

        encoderIn = CausalConv3D(store, "encoder.conv_in", in: pixelChannels, out: c[0], kernel: (3, 3, 3))
        var encStages: [[ResidualBlock3D<Float>]] = []
        var downs: [CausalConv3D<Float>] = []
        for s in 0..<stages {
            encStages.append((0..<config.blocksPerStage).map {
                ResidualBlock3D(store, "encoder.stages.\(s).blocks.\($0)", in: c[s], out: c[s], kernel: kernel(s))
            })
            if s < stages - 1 {
                downs.append(CausalConv3D(store, "encoder.stages.\(s).down", in: c[s], out: c[s + 1], kernel: (3, 3, 3),
                                          stride: (config.temporalDownsample[s] ? 2 : 1, 2, 2)))
            }
        }
        encoderStages = encStages
        downsamplers = downs
        encoderNorm = LayerNorm(store, "encoder.norm_out", features: c[stages - 1])
        encoderOut = CausalConv3D(store, "encoder.conv_out", in: c[stages - 1], out: 2 * config.latentChannels, kernel: (3, 3, 3))

        decoderIn = CausalConv3D(store, "decoder.conv_in", in: config.latentChannels, out: c[stages - 1], kernel: (3, 3, 3))
        var decStages: [[ResidualBlock3D<Float>]] = []
        var ups: [(CausalUpsample3D<Float>, CausalConv3D<Float>)] = []
        for s in stride(from: stages - 1, through: 0, by: -1) {
            decStages.append((0..<config.decoderBlocks).map {
                ResidualBlock3D(store, "decoder.stages.\(s).blocks.\($0)", in: c[s], out: c[s], kernel: kernel(s))
            })
            if s > 0 {
                ups.append((CausalUpsample3D(factor: (config.temporalDownsample[s - 1] ? 2 : 1, 2, 2)),
                            CausalConv3D(store, "decoder.stages.\(s).up", in: c[s], out: c[s - 1], kernel: kernel(s - 1))))
            }
        }
        decoderStages = decStages
        upsamplers = ups
        decoderNorm = LayerNorm(store, "decoder.norm_out", features: c[0])
        decoderOut = CausalConv3D(store, "decoder.conv_out", in: c[0], out: pixelChannels, kernel: (1, 3, 3))

        latentMean = [Float](repeating: 0, count: config.latentChannels)
        latentStd = [Float](repeating: 1, count: config.latentChannels)
    }

    // MARK: - Inference (no caches)

    /// (B, F, H, W, 3) -> moments (B, Fz, Hz, Wz, 2 Cz): mean then log-variance per latent pixel.
    public func encodeMoments(_ video: Tensor<Float>) -> Tensor<Float> {
        var h = encoderIn(patchIn(video))
        for s in 0..<encoderStages.count {
            for block in encoderStages[s] { h = block(h) }
            if s < downsamplers.count { h = downsamplers[s](h) }
        }
        return encoderOut(encoderAct(encoderNorm(h)))
    }

    /// The posterior mean: the deterministic latent of a video (raw, not normalised).
    public func encode(_ video: Tensor<Float>) -> Tensor<Float> {
        let moments = encodeMoments(video)
        return VideoAutoencoder.split(moments, channels: config.latentChannels).mean
    }

    /// Latent (B, Fz, Hz, Wz, Cz) (raw, not normalised) -> video (B, F, H, W, 3) in about [-1, 1].
    /// With a `stream`, the latent continues the previous chunk decoded with the same state: each
    /// latent frame then yields temporalFactor frames, and the result equals one whole decode.
    public func decode(_ latent: Tensor<Float>, stream: StreamState<Float>? = nil) -> Tensor<Float> {
        var h = decoderIn(latent, stream: stream)
        for (i, stage) in decoderStages.enumerated() {
            for block in stage { h = block(h, stream: stream) }
            if i < upsamplers.count { h = upsamplers[i].1(upsamplers[i].0(h, stream: stream), stream: stream) }
        }
        let out = patchOut(decoderOut(decoderAct(decoderNorm(h)), stream: stream))
        stream?.finishChunk()
        return out
    }

    /// Splits (..., 2C) moments into mean and log-variance tensors of (..., C).
    public static func split(_ moments: Tensor<Float>, channels c: Int) -> (mean: Tensor<Float>, logvar: Tensor<Float>) {
        let shape = Array(moments.shape.dropLast()) + [c]
        var mean = Tensor<Float>(uninitialized: shape), logvar = Tensor<Float>(uninitialized: shape)
        let rows = moments.count / (2 * c)
        moments.withUnsafePointer { m in
            mean.withUnsafeMutablePointer { mp in logvar.withUnsafeMutablePointer { lp in
                for r in 0..<rows {
                    (mp + r * c).update(from: m + r * 2 * c, count: c)
                    (lp + r * c).update(from: m + r * 2 * c + c, count: c)
                }
            }}
        }
        return (mean, logvar)
    }

    // MARK: - Training (caches for backward)

    public struct StepResult: Sendable {
        public var loss: Double, reconstructionMSE: Double, kl: Double
        /// PSNR of the reconstruction in dB, on the [0, 1] pixel scale.
        public var psnr: Double { 10 * log10(4.0 / max(reconstructionMSE, 1e-12)) }
    }

    /// The encoder's parameters: a prefix of the store (registered first), frozen by decoder-only training.
    public var encoderParameterCount: Int {
        store.entries.filter { $0.name.hasPrefix("encoder.") }.reduce(0) { $0 + $1.count }
    }

    /// One forward + backward pass on a batch; gradients are added to `store.grads`. With
    /// `decoderOnly` the encoder runs without caches and gets no gradient (its latent stays as it is,
    /// so a diffusion model trained on it stays valid); the KL term is then only reported.
    /// `outlineWeight` > 0 weights the reconstruction error towards the target's edges (OutlineWeights);
    /// the reported `reconstructionMSE` stays the plain mean squared error.
    public func trainingStep(_ video: Tensor<Float>, rng: inout RandomGenerator, decoderOnly: Bool = false,
                             outlineWeight: Float = 0) -> StepResult {
        // Encoder forward.
        let moments: Tensor<Float>
        if decoderOnly {
            moments = encodeMoments(video)
        } else {
            var h = encoderIn.forward(patchIn.forward(video))
            for s in 0..<encoderStages.count {
                for block in encoderStages[s] { h = block.forward(h) }
                if s < downsamplers.count { h = downsamplers[s].forward(h) }
            }
            moments = encoderOut.forward(encoderAct.forward(encoderNorm.forward(h)))
        }
        let cz = config.latentChannels
        let (mean, logvarRaw) = VideoAutoencoder.split(moments, channels: cz)

        // Reparameterise: z = mean + exp(logvar / 2) * eps (logvar clamped for stability).
        var eps = Tensor<Float>(uninitialized: mean.shape)
        eps.withUnsafeMutablePointer { rng.fillNormal($0, count: mean.count) }
        var z = Tensor<Float>(uninitialized: mean.shape)
        var klSum = 0.0
        let n = mean.count
        z.withUnsafeMutablePointer { zp in
            mean.withUnsafePointer { mp in logvarRaw.withUnsafePointer { lp in eps.withUnsafePointer { ep in
                for i in 0..<n {
                    let lv = min(max(lp[i], -30), 20)
                    let sd = Float.exp(0.5 * lv)
                    zp[i] = mp[i] + sd * ep[i]
                    klSum += 0.5 * Double(mp[i] * mp[i] + sd * sd - 1 - lv)
                }
            }}}
        }

        // Decoder forward.
        var d = decoderIn.forward(z)
        for (i, stage) in decoderStages.enumerated() {
            for block in stage { d = block.forward(d) }
            if i < upsamplers.count { d = upsamplers[i].1.forward(upsamplers[i].0.forward(d)) }
        }
        let output = patchOut.forward(decoderOut.forward(decoderAct.forward(decoderNorm.forward(d))))

        // Loss = mean squared error + klWeight * mean KL per latent element.
        // The plain error is always reported; its gradient is the loss's only without outline weights.
        var dOutput = Tensor<Float>(uninitialized: output.shape)
        let weights = outlineWeight > 0 ? OutlineWeights.map(video, strength: outlineWeight) : nil
        let (mse, reconstruction) = dOutput.withUnsafeMutablePointer { g in
            output.withUnsafePointer { o in video.withUnsafePointer { v in
                let plain = Elementwise.meanSquaredError(o, v, count: output.count, da: weights == nil ? g : nil)
                guard let weights else { return (plain, plain) }
                return (plain, OutlineWeights.weightedMeanSquaredError(o, v, weights: weights, channels: 3, count: output.count, da: g))
            }}
        }
        let kl = klSum / Double(n)

        // Decoder backward.
        var g = decoderNorm.backward(decoderAct.backward(decoderOut.backward(patchOut.backward(dOutput))))
        for (i, stage) in decoderStages.enumerated().reversed() {
            if i < upsamplers.count { g = upsamplers[i].0.backward(upsamplers[i].1.backward(g)) }
            for block in stage.reversed() { g = block.backward(g) }
        }
        let dz = decoderIn.backward(g)
        if decoderOnly { return StepResult(loss: reconstruction, reconstructionMSE: mse, kl: kl) }

        // Through the reparameterisation and the KL term into the moments.
        var dMoments = Tensor<Float>(uninitialized: moments.shape)
        let klScale = Float(config.klWeight / Double(n))
        dMoments.withUnsafeMutablePointer { dm in
            dz.withUnsafePointer { dzp in mean.withUnsafePointer { mp in logvarRaw.withUnsafePointer { lp in eps.withUnsafePointer { ep in
                for i in 0..<n {
                    let row = i / cz, ch = i % cz
                    let lvRaw = lp[i]
                    let lv = min(max(lvRaw, -30), 20)
                    let sd = Float.exp(0.5 * lv)
                    dm[row * 2 * cz + ch] = dzp[i] + klScale * mp[i]
                    let inRange: Float = (lvRaw > -30 && lvRaw < 20) ? 1 : 0
                    dm[row * 2 * cz + cz + ch] = inRange * (dzp[i] * ep[i] * sd * 0.5 + klScale * 0.5 * (sd * sd - 1))
                }
            }}}}
        }

        // Encoder backward.
        var e = encoderNorm.backward(encoderAct.backward(encoderOut.backward(dMoments)))
        for s in stride(from: encoderStages.count - 1, through: 0, by: -1) {
            if s < downsamplers.count { e = downsamplers[s].backward(e) }
            for block in encoderStages[s].reversed() { e = block.backward(e) }
        }
        _ = patchIn.backward(encoderIn.backward(e))
        return StepResult(loss: reconstruction + config.klWeight * kl, reconstructionMSE: mse, kl: kl)
    }
}

#if canImport(Glibc)
import Glibc
#endif
