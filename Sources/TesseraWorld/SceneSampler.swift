// Random training scenes: the whole vocabulary, 1 to 3 objects, never a held-out pair.
//
// Scene `index` depends only on (seed, index), so a dataset can be drawn in any order or in
// parallel, and trainers can ask for scene 123456 without drawing the ones before it.
// Each attribute is drawn uniformly (motion: uniform over the 9 kinds, then speed or side), and a
// draw that would make a held-out pair or a spinning ball/ring is redrawn. Object counts are
// 1, 2, 3 with probabilities 0.5, 0.3, 0.2. Placements, jitter and layout come from the expander's
// completion, so sampled scenes and expanded prompts are laid out by the same rules.
import TesseraEngine

/// A scene with its two captions.
public struct CaptionedScene: Sendable {
    public let scene: Scene
    public let detailed: String
    public let short: String
}

public struct SceneSampler: Sendable {
    public let seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
    }

    public func sample(index: Int) -> Scene {
        var rng = RandomGenerator(seed: seed, stream: RandomGenerator.mix(UInt64(truncatingIfNeeded: index) ^ 0x5341_4D50_4C45))
        let u = rng.uniform()
        let count = u < 0.5 ? 1 : (u < 0.8 ? 2 : 3)
        let background = rng.pick(Background.allCases)
        var objects: [PartialObject] = []
        for _ in 0..<count {
            while true {
                let color = rng.pick(ObjectColor.allCases), shape = rng.pick(Shape.allCases)
                let kind = rng.pick(MotionKind.allCases)
                let motion = Motion(kind, speed: rng.pick(Speed.allCases), side: rng.pick(Side.allCases))
                if HeldOut.isHeldOut(color, shape) || !PromptExpander.allowed(motion, color: color, shape: shape, background: background) {
                    continue
                }
                objects.append(PartialObject(color: color, shape: shape, size: rng.pick(SizeClass.allCases), motion: motion))
                break
            }
        }
        return PromptExpander.expand(PartialScene(background: background, objects: objects), seed: rng.next())
    }

    public func captioned(index: Int) -> CaptionedScene {
        let scene = sample(index: index)
        return CaptionedScene(scene: scene, detailed: Captions.detailed(scene), short: Captions.short(scene))
    }
}
