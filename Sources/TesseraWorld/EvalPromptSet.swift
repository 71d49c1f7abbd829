// The fixed prompt set of `tessera eval`: prompts written from WORLD.md the way people write them
// (the canonical detailed caption, or a few words), for seen scenes (from a sampler seed that no
// training run uses) and for every held-out combination, in the four aspect ratios, as single
// images and as clips. Deterministic: the same count gives the same cases.

public struct EvalCase: Sendable, Equatable {
    public var prompt: String
    /// Seed of the expansion (what the prompt leaves out) and of the generation noise.
    public var seed: UInt64
    public var aspect: (width: Int, height: Int)
    /// Seconds; 0 is a single image.
    public var duration: Double
    /// "detailed" or "short".
    public var style: String
    /// The held-out pair this case was built around, if any ("green star", "night bounce", ...).
    public var heldOutPair: String?

    public static func == (a: EvalCase, b: EvalCase) -> Bool {
        a.prompt == b.prompt && a.seed == b.seed && a.aspect == b.aspect && a.duration == b.duration && a.style == b.style && a.heldOutPair == b.heldOutPair
    }
}

public enum EvalPromptSet {
    /// Scene sampler seed for evaluation; training runs use small seeds (1, 2, ...).
    public static let samplerSeed: UInt64 = 0xE7A1_5EED
    public static let aspects: [(width: Int, height: Int)] = [(16, 9), (9, 16), (1, 1), (4, 3)]
    /// One case in four is a single image; the others are 4 s clips.
    static func duration(_ k: Int) -> Double { k % 4 == 3 ? 0 : 4 }

    /// `seen` cases from sampled scenes and `heldOut` cases cycling over WORLD.md's nine pairs.
    public static func standard(seen: Int = 48, heldOut: Int = 27) -> [EvalCase] {
        let sampler = SceneSampler(seed: samplerSeed)
        var cases: [EvalCase] = []
        for k in 0..<seen {
            let scene = sampler.captioned(index: k)
            let detailed = k % 2 == 0
            cases.append(EvalCase(prompt: detailed ? scene.detailed : scene.short, seed: UInt64(1000 + k),
                                  aspect: aspects[k % aspects.count], duration: duration(k), style: detailed ? "detailed" : "short",
                                  heldOutPair: nil))
        }
        let pairs = heldOutPairs
        for k in 0..<heldOut {
            let (name, apply) = pairs[k % pairs.count]
            var scene = sampler.sample(index: 100_000 + k)
            var object = scene.objects[0]
            apply(&scene, &object)
            scene.objects = [object]
            // A held-out motion pair says nothing in a single image: those cases are always clips.
            let isMotionPair = !HeldOut.colorShape.contains(name)
            let detailed = (k / pairs.count) % 2 == 0
            cases.append(EvalCase(prompt: detailed ? Captions.detailed(scene) : Captions.short(scene), seed: UInt64(5000 + k),
                                  aspect: aspects[(k + k / pairs.count) % aspects.count],
                                  duration: isMotionPair ? 4 : duration(k + 1), style: detailed ? "detailed" : "short", heldOutPair: name))
        }
        return cases
    }

    /// Each pair with the edit that puts it into a one-object scene.
    static let heldOutPairs: [(String, (inout Scene, inout SceneObject) -> Void)] = [
        ("green star", { _, o in o.color = .green; o.shape = .star }),
        ("purple triangle", { _, o in o.color = .purple; o.shape = .triangle }),
        ("orange ring", { _, o in o.color = .orange; o.shape = .ring; if o.motion.kind == .spin { o.motion = .still } }),
        ("white diamond", { _, o in o.color = .white; o.shape = .diamond }),
        ("pink square", { _, o in o.color = .pink; o.shape = .square }),
        ("cyan grow", { _, o in o.color = .cyan; o.motion = .grow; if HeldOut.isHeldOut(.cyan, o.shape) { o.shape = .ball } }),
        ("black bounce", { s, o in o.color = .black; o.motion = .bounce(.right); if s.background == .night { s.background = .meadow } }),
        ("night bounce", { s, o in s.background = .night; o.motion = .bounce(.left); if o.color == .black { o.color = .yellow } }),
        ("snow spin", { s, o in s.background = .snow; o.motion = .spin; if !o.shape.canSpin { o.shape = .square }
            if o.color == .white || HeldOut.isHeldOut(o.color, o.shape) { o.color = .red } }),
    ]
}
