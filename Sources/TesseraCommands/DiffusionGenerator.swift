// The studio's backend when trained weights are present: the diffusion transformer through
// `TextToVideo`. A preview request samples at the request's size; a render samples the preview at
// `TextToVideo.previewSize` and refines it at full size, so it keeps what the preview showed.
import Foundation
import TesseraMedia
import TesseraSampler
import TesseraStudio
import TesseraWorld

final class DiffusionGenerator: VideoGenerating, @unchecked Sendable {
    let pipeline: TextToVideo
    init(pipeline: TextToVideo) { self.pipeline = pipeline }

    var identifier: String { "tessera-dit" }
    var displayName: String { "Tessera DiT" + (pipeline.trainedSteps.map { " (step \($0))" } ?? "") + " · \(pipeline.modelHash.prefix(8))" }
    var modelHash: String? { pipeline.modelHash }
    var usesDiffusionSettings: Bool { true }
    /// What `tessera generate` and `tessera eval` use, so the studio shows what was measured.
    var defaultSampling: (steps: Int, guidance: Double)? { (GenerationSettings.defaultSteps, GenerationSettings.defaultGuidance) }

    func previewSize(forFinal size: (width: Int, height: Int)) -> (width: Int, height: Int)? {
        TextToVideo.previewSize(width: size.width, height: size.height)
    }

    func generate(request: GenerationRequest, progress: (GenerationProgress) -> Void, isCancelled: () -> Bool) throws -> Video {
        // The caption the model is conditioned on: the expanded (or edited) caption, else the prompt expanded with the seed.
        // The layout plan is the scene of that caption (an edited caption is parsed and completed with the seed).
        let expansion = try PromptExpander.expand(request.caption.isEmpty ? request.prompt : request.caption, seed: request.seed)
        let caption = request.caption.isEmpty ? expansion.caption : request.caption
        var settings = GenerationSettings(width: request.width, height: request.height, frames: request.frames, seed: request.seed,
                                          steps: request.steps, guidance: request.guidance, fps: request.fps)
        settings.scene = expansion.scene
        settings.fps = request.fps
        return try withoutActuallyEscaping(isCancelled) { cancelled in
            try withoutActuallyEscaping(progress) { report in
                let onStep: (GenerationStep, Video?) -> Void = { step, intermediate in
                    report(GenerationProgress(step: step.step, totalSteps: step.total, secondsLeft: step.secondsLeft, intermediate: intermediate))
                }
                do {
                    return request.isPreview
                        ? try pipeline.preview(caption: caption, settings: settings, atSize: true, progress: onStep, isCancelled: cancelled).video
                        : try pipeline.render(caption: caption, settings: settings, progress: onStep, isCancelled: cancelled).video
                } catch is SamplingCancelled {
                    throw GenerationCancelled()
                }
            }
        }
    }
}
