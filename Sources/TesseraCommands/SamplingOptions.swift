// The sampling flags `generate` and `eval` share, parsed once.
import TesseraSampler

enum SamplingOptions {
    static let names: Set<String> = ["sampler", "refine-from", "shift", "stochasticity", "chunks", "layout", "refine-steps", "refine-guidance"]

    static let help = """
      --sampler S      euler (default) or heun (two model calls per step)
      --refine-from R  noise level (0.05 to 1) the full render re-noises the upscaled preview to
                       (default 0.75): higher lets the full size change more of the preview
      --refine-steps N steps of the full-size refinement (1 to 1000; default 5/8 of --steps, 10 at 16)
      --refine-guidance G  guidance of the full-size refinement (0 to 50; default --guidance); 1
                       makes one model call per refinement step instead of two
      --shift S        time shift of the preview's schedule (default: by token count, as in
                       training); larger spends more steps at high noise, where layout is decided
      --stochasticity E  share of the noise replaced by a fresh draw at every euler step (0 to 1,
                       default 1; 0 is the deterministic ODE, and heun needs 0)
      --chunks N       clips: after the first frame, make the others in N chunks (1 to 12, default
                       \(GenerationSettings.defaultChunks)), each with every frame made before it as clean context
      --layout on|off  models trained with the object layout follow the expanded scene's plan (where
                       each object is, how large, how it moves, and with silhouettes its outline;
                       default on); off: the caption alone
    """

    /// Sets the sampler, refine level, shift and stochasticity of `settings` from `args`.
    static func apply(_ args: Arguments, to settings: inout GenerationSettings) throws {
        if let s = args.string("sampler") {
            guard let kind = SamplerKind(rawValue: s) else { throw CommandError.usage("unknown --sampler '\(s)'; accepted: euler, heun") }
            settings.sampler = kind
        }
        settings.refineFrom = try args.double("refine-from", default: settings.refineFrom, in: 0.05...1)
        if args.string("refine-steps") != nil { settings.refineStepCount = try args.int("refine-steps", default: settings.refineSteps, in: 1...1000) }
        if args.string("refine-guidance") != nil { settings.refineGuidanceScale = try args.double("refine-guidance", default: settings.guidance, in: 0...50) }
        if args.string("shift") != nil { settings.shift = try args.double("shift", default: 1, in: 0.1...20) }
        settings.chunks = try args.int("chunks", default: settings.chunks, in: 1...12)
        if let layout = args.string("layout") {
            guard layout == "on" || layout == "off" else { throw CommandError.usage("unknown --layout '\(layout)'; accepted: on, off") }
            settings.usesObjectLayout = layout == "on"
        }
        if args.string("stochasticity") != nil {
            settings.stochasticity = try args.double("stochasticity", default: settings.stochasticity, in: 0...1)
            if settings.stochasticity > 0 && settings.sampler != .euler {
                throw CommandError.usage("--stochasticity needs --sampler euler; heun is deterministic only")
            }
        } else if settings.sampler != .euler {
            settings.stochasticity = 0   // heun is an ODE sampler: it takes no fresh noise
        }
    }

    /// The settings' sampling choices for JSON output.
    static func json(_ s: GenerationSettings) -> [String: Any] {
        var object: [String: Any] = ["sampler": s.sampler.rawValue, "stochasticity": s.stochasticity, "chunks": s.chunks,
                                     "layout": s.usesObjectLayout ? "on" : "off", "refine_steps": s.refineSteps,
                                     "refine_guidance": s.refineGuidance]
        if let shift = s.shift { object["shift"] = shift }
        return object
    }
}
