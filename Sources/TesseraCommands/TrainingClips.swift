// Where training clips come from: the procedural world (rendered on the fly at mixed sizes, aspect
// ratios and durations, single images included) or an imported dataset folder (--data DIR).
import TesseraEngine
import TesseraMedia
import TesseraWorld

public struct TrainingClipSource {
    /// Aspect ratios (width:height) sampled for world clips.
    static let aspects: [(Int, Int)] = [(16, 9), (9, 16), (1, 1), (4, 3), (3, 4), (21, 9)]

    let sampler: SceneSampler
    let dataset: (reader: DatasetReader, entries: [DatasetEntry])?
    /// Largest frames x height x width of one clip (bounds the cost of a step).
    let pixelBudget: Int
    let multiple: Int
    let temporalFactor: Int
    /// Share of world clips rendered whole at about `previewPixels` per frame: the size the studio's
    /// previews decode at, rare otherwise (the budget makes single images and short clips larger).
    let previewShare: Double
    public static let previewPixels = 128 * 72
    /// Share of world clips that are windows of a full-size render around one of its objects.
    let objectCropShare: Double

    public init(seed: UInt64, dataDirectory: String?, pixelBudget: Int, multiple: Int, temporalFactor: Int,
         previewShare: Double = 0, objectCropShare: Double = 0) throws {
        sampler = SceneSampler(seed: seed)
        dataset = try TrainingClipSource.openDataset(dataDirectory)
        self.pixelBudget = pixelBudget
        self.multiple = multiple
        self.temporalFactor = temporalFactor
        self.previewShare = previewShare
        self.objectCropShare = objectCropShare
    }

    /// The clips of a dataset folder (`--data DIR`), or nil without one; an empty dataset is an error.
    static func openDataset(_ directory: String?) throws -> (reader: DatasetReader, entries: [DatasetEntry])? {
        guard let dir = directory else { return nil }
        let reader = try TrainCommand.wrap { try DatasetReader(directory: dir) }
        guard !reader.entries.isEmpty else { throw CommandError("dataset '\(dir)' has no clips; add some with `tessera import`") }
        return (reader, reader.entries)
    }

    public func clip(index: Int, rng: inout RandomGenerator) -> Video {
        if let dataset { return datasetClip(dataset.reader, dataset.entries, rng: &rng) }
        return worldClip(index: index, rng: &rng)
    }

    /// 1 + k * temporalFactor frames: a third single images, the rest short clips.
    func frameCount(_ rng: inout RandomGenerator, maximum: Int) -> Int {
        if rng.uniform() < 0.3 { return 1 }
        let options = (1...3).map { 1 + $0 * temporalFactor }.filter { $0 <= maximum }
        return options.isEmpty ? 1 : rng.pick(options)
    }

    func roundDown(_ v: Int) -> Int { max(multiple, v / multiple * multiple) }

    func worldClip(index: Int, rng: inout RandomGenerator) -> Video {
        let scene = sampler.sample(index: index)
        let (aw, ah) = rng.pick(TrainingClipSource.aspects)
        let frames = frameCount(&rng, maximum: 13)
        // Only drawn when asked for, so runs without a preview share keep their data order.
        if previewShare > 0 && rng.uniform() < previewShare {
            let area = Double(TrainingClipSource.previewPixels) * rng.uniform(0.7, 1.4)
            let h = roundDown(Int((area * Double(ah) / Double(aw)).squareRoot()))
            return Renderer.render(scene, width: roundDown(Int(Double(h) * Double(aw) / Double(ah))), height: h, frames: frames)
        }
        let area = Double(pixelBudget / frames)
        if objectCropShare > 0 && !scene.objects.isEmpty && rng.uniform() < objectCropShare {
            return objectWindow(scene, aspect: (aw, ah), frames: frames, area: area, rng: &rng)
        }
        if rng.uniform() < 0.5 {
            // Whole frame at a small size: native composition.
            let scale = rng.uniform(0.35, 1.0)
            let h = roundDown(Int((area * scale * Double(ah) / Double(aw)).squareRoot()))
            let w = roundDown(Int(Double(h) * Double(aw) / Double(ah)))
            return Renderer.render(scene, width: w, height: h, frames: frames)
        }
        // A window of a larger render: teaches the large flat areas and thin details of full size.
        let bigH = rng.pick([144, 192, 288])
        let bigW = roundDown(bigH * aw / ah)
        let big = Renderer.render(scene, width: bigW, height: bigH, frames: frames)
        let side = roundDown(Int((area * rng.uniform(0.5, 1.0)).squareRoot()))
        let cw = min(bigW, roundDown(Int(Double(side) * rng.uniform(0.7, 1.4)))), ch = min(bigH, roundDown(area > 0 ? Int(area) / max(cw, 1) : side))
        return crop(big, x: rng.int(below: bigW - cw + 1), y: rng.int(below: bigH - ch + 1), width: cw, height: min(ch, roundDown(bigH)), firstFrame: 0, frames: frames)
    }

    /// A window of a render at one of `tessera generate`'s sizes (288 to 512 rows), centred on a
    /// random object at the clip's first frame: an object's outline at the scale it is judged.
    func objectWindow(_ scene: Scene, aspect: (Int, Int), frames: Int, area: Double, rng: inout RandomGenerator) -> Video {
        let bigH = rng.pick([288, 336, 384, 512])
        let bigW = roundDown(bigH * aspect.0 / aspect.1)
        let big = Renderer.render(scene, width: bigW, height: bigH, frames: frames)
        let box = rng.pick(Kinematics.boxes(of: scene, aspect: Double(bigW) / Double(bigH), at: 0))
        let side = Double(roundDown(Int(area.squareRoot())))
        let cw = min(bigW, roundDown(Int(side * rng.uniform(0.8, 1.25))))
        let ch = min(bigH, roundDown(Int(area) / max(cw, 1)))
        func start(_ centre: Double, _ extent: Int, _ window: Int) -> Int {
            let jitter = rng.uniform(-0.25, 0.25) * Double(window)
            return min(max(0, Int(centre * Double(extent) + jitter) - window / 2), extent - window)
        }
        let x = start(box.centerX, bigW, cw), y = start(box.centerY, bigH, ch)
        return crop(big, x: x, y: y, width: cw, height: ch, firstFrame: 0, frames: frames)
    }

    func datasetClip(_ reader: DatasetReader, _ entries: [DatasetEntry], rng: inout RandomGenerator) -> Video {
        let entry = rng.pick(entries)
        guard let video = try? reader.loadClip(entry) else { return worldClip(index: rng.int(below: 1 << 30), rng: &rng) }
        let frames = frameCount(&rng, maximum: video.frameCount)
        let area = pixelBudget / frames
        let w = min(roundDown(video.width), roundDown(Int(Double(area).squareRoot() * 1.3)))
        let h = min(roundDown(video.height), roundDown(area / max(w, 1)))
        return crop(video, x: rng.int(below: video.width - w + 1), y: rng.int(below: video.height - h + 1),
                    width: w, height: h, firstFrame: rng.int(below: video.frameCount - frames + 1), frames: frames)
    }

    func crop(_ v: Video, x: Int, y: Int, width: Int, height: Int, firstFrame: Int, frames: Int) -> Video {
        var out = [UInt8](repeating: 0, count: frames * width * height * 3)
        for f in 0..<frames {
            for row in 0..<height {
                let src = ((firstFrame + f) * v.height + y + row) * v.width * 3 + x * 3
                let dst = (f * height + row) * width * 3
                out[dst..<(dst + width * 3)] = v.pixels[src..<(src + width * 3)]
            }
        }
        return Video(width: width, height: height, fps: v.fps, pixels: out)
    }
}
