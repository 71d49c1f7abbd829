// The reference backend: renders the caption's scene with the procedural world renderer, a few
// frames at a time, so progress, intermediate previews and cancel work exactly as they will for
// the diffusion model. Its output is the ground truth, not model output, and says so.
import Foundation
import TesseraMedia
import TesseraWorld

public struct ReferenceGenerator: VideoGenerating {
    /// Why the reference renderer is in use, shown in the header and the status line.
    public let note: String
    public init(note: String = "no trained model yet") { self.note = note }
    public var identifier: String { "reference-world-renderer" }
    public var displayName: String { "reference world renderer (\(note))" }
    public var modelHash: String? { nil }
    public var usesDiffusionSettings: Bool { false }

    /// The scene the request describes: the prompt expanded with the seed (exactly what
    /// `tessera world render --prompt P --seed S` draws), or the edited caption expanded with the
    /// seed. The caption fixes the caption-level fields only; what it leaves out (start positions,
    /// jitter) comes from the seed, so an unedited caption is rendered from the prompt.
    public static func scene(for request: GenerationRequest) throws -> Scene {
        let text = request.captionEdited && !request.caption.isEmpty ? request.caption : request.prompt
        return try PromptExpander.expand(text, seed: request.seed).scene
    }

    public func generate(request: GenerationRequest, progress: (GenerationProgress) -> Void, isCancelled: () -> Bool) throws -> Video {
        let scene = try ReferenceGenerator.scene(for: request)
        let start = Date()
        var done = Video(width: request.width, height: request.height, fps: request.fps, frameCount: 0)
        // Chunks of frames keep both cores busy while still reporting often (about 12 times a clip).
        let chunk = max(1, min(4, request.frames / 12))
        var next = 0
        while next < request.frames {
            if isCancelled() { throw GenerationCancelled() }
            let range = next..<min(request.frames, next + chunk)
            let part = Renderer.render(scene, width: request.width, height: request.height, frameRange: range, fps: request.fps)
            done.pixels.append(contentsOf: part.pixels)
            next = range.upperBound
            let elapsed = Date().timeIntervalSince(start)
            let left = elapsed / Double(next) * Double(request.frames - next)
            progress(GenerationProgress(step: next, totalSteps: request.frames, secondsLeft: left, intermediate: done))
        }
        return done
    }
}
