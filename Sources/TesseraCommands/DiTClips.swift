// Training batches for the DiT: world clips rendered on the fly at native aspect ratios in size
// buckets (every clip of a batch shares one token grid), or clips of an imported dataset, encoded
// by the autoencoder. Captions: mostly detailed, 20% short, 10% dropped to the null caption.
import TesseraEngine
import TesseraAutoencoder
import TesseraMedia
import TesseraSampler
import TesseraTransformer
import TesseraWorld

public struct DiTBucket: Equatable {
    public var width: Int, height: Int, frames: Int
}

struct DiTBatch {
    var latent: Tensor<Float>   // (B, Fz, Hz, Wz, C) raw
    var captions: [String]      // "" = null caption
    var bucket: DiTBucket
    /// Loss weight per latent pixel (B, Fz, Hz, Wz): higher where objects are (world clips).
    var weights: [Float]
    /// World batches larger than a preview (large images, medium clips), when the source makes them
    /// (`refineStarts`): each clip's scene rendered at its preview size (a quarter of the width and
    /// height), encoded and upscaled bilinearly to the clip's latent grid, raw (B, Fz, Hz, Wz, C).
    /// What a full render starts from: trained as a refinement's start.
    var start: Tensor<Float>? = nil
    /// Each clip's world scene (nil for dataset clips): its object layout for models with `objectLayout`.
    var scenes: [Scene?] = []
}

public struct DiTClipSource {
    /// Preview-size frames at 16:9, 9:16, 1:1 and about 4:3 (landscape and portrait).
    public static let sizes: [(Int, Int)] = [(128, 72), (72, 128), (96, 96), (112, 80), (80, 112)]
    /// Frame counts and their probabilities: images teach shape and colour cheaply; clips teach motion,
    /// and 4 s clips (the default duration) are a fifth so that 13 latent frames stay coherent.
    static let durations: [(frames: Int, weight: Double)] = [(1, 0.20), (9, 0.25), (17, 0.20), (25, 0.15), (longClipFrames, 0.20)]
    /// The 4 s clip (the default duration) whose share `longClipShare` sets.
    public static let longClipFrames = 49
    /// Larger single images, up to the full render's size: the full render refines an upscaled
    /// preview on a grid 4x denser, and only there are objects big enough in the latent to have a
    /// shape (an autoencoder round trip at preview size keeps the judged shape only half the time).
    static let largeImages: [(Int, Int)] = [(256, 144), (144, 256), (192, 192), (512, 288), (288, 512), (384, 384), (448, 336)]
    /// Short clips at two and three times the preview's width and height (motion on a denser grid).
    static let mediumClips: [(width: Int, height: Int, frames: [Int])] = [
        (256, 144, [9, 17]), (144, 256, [9, 17]), (192, 192, [9, 17]), (224, 160, [9, 17]),
        (384, 216, [5, 9]), (216, 384, [5, 9]), (288, 288, [5, 9]),
    ]
    /// Default shares of the bucket kinds; the rest are preview-size buckets. Half the batches are
    /// larger than a preview: after 43k steps with 12% of them, shape was at chance (17% of 6 shapes)
    /// while colour and background were learned, and larger grids are where shapes exist in the latent.
    public static let defaultLargeImageShare = 0.30, defaultMediumClipShare = 0.20
    /// This source's shares (`train dit --large-image-share`, `--medium-clip-share`).
    public var largeImageShare = DiTClipSource.defaultLargeImageShare, mediumClipShare = DiTClipSource.defaultMediumClipShare
    /// Whether world batches larger than a preview come with their upscaled preview latent (`DiTBatch.start`).
    public var refineStarts = false
    /// Share of world scenes with a single object (`train dit --single-object-share`); nil keeps the
    /// world's own mix (one object in half the scenes). One object per caption is the cheapest
    /// shape signal: its one shape word names the one silhouette in the frame.
    public var singleObjectShare: Double? = nil
    /// Share of preview-size batches that are 4 s clips (`train dit --long-clip-share`); nil keeps
    /// `durations` (a fifth). The other durations keep their relative weights. Generation makes a
    /// 4 s clip's 12 later latent frames around its first one, the task where objects fall apart.
    public var longClipShare: Double? = nil

    /// The preview-size duration mix in use: `durations`, with the 4 s clips' weight replaced by
    /// `longClipShare` when set.
    public var durationWeights: [(frames: Int, weight: Double)] {
        guard let share = longClipShare else { return DiTClipSource.durations }
        let others = DiTClipSource.durations.filter { $0.frames != DiTClipSource.longClipFrames }
        let rest = others.reduce(0) { $0 + $1.weight }
        return others.map { ($0.frames, $0.weight / rest * (1 - share)) } + [(DiTClipSource.longClipFrames, share)]
    }

    let sampler: SceneSampler
    let dataset: (reader: DatasetReader, entries: [DatasetEntry])?
    let tokenBudget: Int
    let captionDropout = 0.1
    let shortCaptionRate = 0.2
    /// Extra loss weight on latent pixels that objects touch: objects cover a few percent of a
    /// frame, so under a plain mean the background dominates what the model learns first.
    let objectWeight: Float = 4
    /// Steps during which scenes are restricted to one object with a large straight motion.
    let curriculumSteps: Int

    public init(seed: UInt64, dataDirectory: String?, tokenBudget: Int, curriculumSteps: Int) throws {
        sampler = SceneSampler(seed: seed)
        dataset = try TrainingClipSource.openDataset(dataDirectory)
        self.tokenBudget = tokenBudget
        self.curriculumSteps = curriculumSteps
    }

    static func tokens(_ b: DiTBucket) -> Int { (1 + (b.frames - 1) / 4) * ((b.height / 8 + 1) / 2) * ((b.width / 8 + 1) / 2) }

    public func bucket(_ rng: inout RandomGenerator) -> DiTBucket {
        let u = rng.uniform()
        if u < largeImageShare {
            let (w, h) = rng.pick(DiTClipSource.largeImages)
            return DiTBucket(width: w, height: h, frames: 1)
        }
        if u < largeImageShare + mediumClipShare {
            let c = rng.pick(DiTClipSource.mediumClips)
            return DiTBucket(width: c.width, height: c.height, frames: rng.uniform() < 0.5 ? c.frames[0] : c.frames[1])
        }
        let (w, h) = rng.pick(DiTClipSource.sizes)
        var r = rng.uniform(), frames = 1
        for d in durationWeights { if r < d.weight { frames = d.frames; break }; r -= d.weight }
        return DiTBucket(width: w, height: h, frames: frames)
    }

    /// One batch at step `step`: a bucket, then as many clips as fit in the token budget.
    func batch(step: Int, vae: VideoAutoencoder, rng: inout RandomGenerator) -> DiTBatch {
        let b = bucket(&rng)
        let count = max(1, tokenBudget / DiTClipSource.tokens(b))
        var latents: [Tensor<Float>] = [], captions: [String] = [], weights: [Float] = [], starts: [Tensor<Float>] = []
        var scenes: [Scene?] = []
        let isPreviewSize = DiTClipSource.sizes.contains { $0 == (b.width, b.height) }
        let preview = refineStarts && dataset == nil && !isPreviewSize ? TextToVideo.previewSize(width: b.width, height: b.height) : nil
        for k in 0..<count {
            let (video, detailed, short, background, small, scene) = clip(index: step * 64 + k, bucket: b, curriculum: step < curriculumSteps,
                                                                          previewSize: preview, rng: &rng)
            scenes.append(scene)
            let latent = vae.encode(Tensor(video: video))
            latents.append(latent)
            if let small {
                starts.append(LatentResize.bilinear(vae.encode(Tensor(video: small)), height: latent.shape[2], width: latent.shape[3]))
            }
            weights += ObjectLossWeights.latentWeights(video: video, background: background, latentShape: latent.shape,
                                                   spatialFactor: vae.config.spatialFactor, temporalFactor: vae.config.temporalFactor,
                                                   objectWeight: objectWeight)
            let u = rng.uniform()
            captions.append(u < captionDropout ? "" : (u < captionDropout + shortCaptionRate ? short : detailed))
        }
        let shape = latents[0].shape
        var values: [Float] = []
        values.reserveCapacity(count * latents[0].count)
        for l in latents { values += l.scalars }
        var batch = DiTBatch(latent: Tensor(shape: [count] + shape.dropFirst(), values: values), captions: captions, bucket: b, weights: weights,
                            scenes: scenes)
        if starts.count == count { batch.start = Tensor(shape: batch.latent.shape, values: starts.flatMap(\.scalars)) }
        return batch
    }

    /// A world clip (or a dataset crop) at the bucket's size, its captions, its background-only render
    /// (world clips), with `previewSize` the same scene rendered at that size (world clips), and its
    /// scene (world clips).
    func clip(index: Int, bucket b: DiTBucket, curriculum: Bool, previewSize: (width: Int, height: Int)? = nil,
              rng: inout RandomGenerator) -> (Video, String, String, Video?, Video?, Scene?) {
        if let dataset, let v = datasetClip(dataset.reader, dataset.entries, bucket: b, rng: &rng) { return (v.0, v.1, v.2, nil, nil, nil) }
        let scene = worldScene(index: index, curriculum: curriculum, rng: &rng)
        var empty = scene.scene
        empty.objects = []
        return (Renderer.render(scene.scene, width: b.width, height: b.height, frames: b.frames), scene.detailed, scene.short,
                Renderer.render(empty, width: b.width, height: b.height, frames: b.frames),
                previewSize.map { Renderer.render(scene.scene, width: $0.width, height: $0.height, frames: b.frames) }, scene.scene)
    }

    /// The world scene of training clip `index`: with `curriculum`, one object moving in a straight
    /// line; with `singleObjectShare`, one object in that share of scenes (a draw from `rng`) and
    /// two or three in the rest; otherwise the sampler's scene as it is (no draw from `rng`).
    public func worldScene(index: Int, curriculum: Bool, rng: inout RandomGenerator) -> CaptionedScene {
        var scene = sampler.captioned(index: index)
        if curriculum {
            // One object moving in a straight line: the cheapest motion signal (LESSONS.md).
            let straight: Set<MotionKind> = [.left, .right, .up, .down]
            for j in 1..<200 {
                if scene.scene.objects.count == 1, let kind = scene.scene.objects.first?.motion.kind, straight.contains(kind) { break }
                scene = sampler.captioned(index: index &* 211 &+ j)
            }
        }
        if !curriculum, let share = singleObjectShare {
            let wantsOne = rng.uniform() < share
            for j in 1..<200 where (scene.scene.objects.count == 1) != wantsOne { scene = sampler.captioned(index: index &* 307 &+ j) }
        }
        return scene
    }

    /// A random crop of a dataset clip at the bucket size; nil when the clip is smaller than the bucket
    /// (a world clip is used instead).
    func datasetClip(_ reader: DatasetReader, _ entries: [DatasetEntry], bucket b: DiTBucket, rng: inout RandomGenerator) -> (Video, String, String)? {
        let entry = rng.pick(entries)
        guard entry.width >= b.width, entry.height >= b.height, entry.frames >= b.frames,
              let v = try? reader.loadClip(entry) else { return nil }
        let x = rng.int(below: v.width - b.width + 1), y = rng.int(below: v.height - b.height + 1)
        let f0 = rng.int(below: v.frameCount - b.frames + 1)
        var out = [UInt8](repeating: 0, count: b.frames * b.width * b.height * 3)
        for f in 0..<b.frames {
            for row in 0..<b.height {
                let src = ((f0 + f) * v.height + y + row) * v.width * 3 + x * 3
                let dst = (f * b.height + row) * b.width * 3
                out[dst..<(dst + b.width * 3)] = v.pixels[src..<(src + b.width * 3)]
            }
        }
        return (Video(width: b.width, height: b.height, fps: v.fps, pixels: out), entry.detailed, entry.short)
    }
}
