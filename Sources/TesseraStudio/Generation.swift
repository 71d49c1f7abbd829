// The studio's only contract with what makes videos. The diffusion transformer will conform to
// `VideoGenerating`; until a trained model ships, `ReferenceGenerator` (the procedural world
// renderer, i.e. the ground truth the model learns to imitate) is the one real backend, and it is
// labelled as such in the UI and in every sidecar.
import TesseraMedia

/// Everything needed to make (and later reproduce) one video.
public struct GenerationRequest: Equatable, Sendable {
    /// What the user typed.
    public var prompt: String
    /// The detailed caption the generator is conditioned on (expanded from the prompt, or edited).
    public var caption: String
    /// Whether `caption` was edited by hand instead of expanded from `prompt` with `seed`.
    public var captionEdited: Bool
    public var seed: UInt64
    public var width: Int
    public var height: Int
    public var frames: Int
    public var fps: Int
    /// Denoising steps and classifier-free guidance scale (used by diffusion models only).
    public var steps: Int
    public var guidance: Double
    /// A quick preview (shown in the pane) rather than the final render.
    public var isPreview = false

    public init(prompt: String, caption: String, captionEdited: Bool = false, seed: UInt64, width: Int, height: Int,
                frames: Int, fps: Int, steps: Int, guidance: Double) {
        self.prompt = prompt; self.caption = caption; self.captionEdited = captionEdited; self.seed = seed
        self.width = width; self.height = height; self.frames = frames; self.fps = fps
        self.steps = steps; self.guidance = guidance
    }
}

/// One progress report: step `step` of `totalSteps` is done.
public struct GenerationProgress: Sendable {
    public var step: Int
    public var totalSteps: Int
    /// Estimated seconds left, from the time per step so far.
    public var secondsLeft: Double?
    /// What the result looks like so far (a cheap decode of the current latents for a model; the
    /// frames finished so far for the reference renderer), if the generator has one.
    public var intermediate: Video?
    public init(step: Int, totalSteps: Int, secondsLeft: Double?, intermediate: Video?) {
        self.step = step; self.totalSteps = totalSteps; self.secondsLeft = secondsLeft; self.intermediate = intermediate
    }
}

/// Thrown by a generator that stopped because `isCancelled` returned true.
public struct GenerationCancelled: Error, Equatable {
    public init() {}
}

/// Something that turns a request into a video, in the background, with progress and cancel.
///
/// `generate` runs on a worker thread. It calls `progress` after each step (from that thread) and
/// polls `isCancelled` at least once per step, throwing `GenerationCancelled` when it is true.
public protocol VideoGenerating: Sendable {
    /// Written into sidecars ("generator"), e.g. "reference-world-renderer".
    var identifier: String { get }
    /// Shown in the studio's header.
    var displayName: String { get }
    /// A hash of the weights, nil when the generator has none.
    var modelHash: String? { get }
    /// Whether steps and guidance mean anything to this generator.
    var usesDiffusionSettings: Bool { get }
    func generate(request: GenerationRequest, progress: (GenerationProgress) -> Void, isCancelled: () -> Bool) throws -> Video
    /// The preview size that goes with a final size, when the generator ties them (a model whose
    /// render refines its own preview); nil to use the studio's preview-size setting.
    func previewSize(forFinal size: (width: Int, height: Int)) -> (width: Int, height: Int)?
    /// The steps and guidance the studio starts with, when the generator has its own (the ones its
    /// model was evaluated with); nil keeps the studio's defaults.
    var defaultSampling: (steps: Int, guidance: Double)? { get }
}

extension VideoGenerating {
    public func previewSize(forFinal size: (width: Int, height: Int)) -> (width: Int, height: Int)? { nil }
    public var defaultSampling: (steps: Int, guidance: Double)? { nil }
}
