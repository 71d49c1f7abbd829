// Captions generated from a scene (WORLD.md "Captions").
//
// Detailed (canonical) grammar, one sentence:
//   caption   = object ["," object] ["," and object] "," background "."     (2 objects: "O1, and O2, B.")
//   object    = article size colour shape motion [placement]
//   motion    = "sits still" | "moves" [speed] "to the left" | "moves" [speed] "to the right"
//             | "moves" [speed] "upward" | "moves" [speed] "downward" | "bounces to the left"
//             | "bounces to the right" | "spins in place" | "grows" | "shrinks"
//   speed     = "slowly" | "quickly"             (normal speed is not said)
//   placement = "on the left" | "in the middle" | "on the right"   (said only when the scene fixes it)
// e.g. "A large red ball bounces to the right in a green meadow." Every word maps to exactly one
// parser meaning, so parsing the caption gives back `scene.captionFields`.
//
// Short captions are a few words the way people type ("red ball bouncing at sunset"); the wording
// varies with the scene seed but always names colour, shape and motion of every object.
import TesseraEngine

public enum Captions {
    /// The canonical detailed caption of a scene.
    public static func detailed(_ scene: Scene) -> String {
        detailed(scene.captionFields)!
    }

    /// The canonical caption of a fully specified caption-level scene, or nil if a field is missing.
    public static func detailed(_ description: PartialScene) -> String? {
        guard let background = description.background, !description.objects.isEmpty else { return nil }
        var phrases: [String] = []
        for (i, object) in description.objects.enumerated() {
            guard let color = object.color, let shape = object.shape, let size = object.size, let motion = object.motion else { return nil }
            var words = [i == 0 ? "A" : "a", size.rawValue, color.rawValue, shape.rawValue, phrase(motion)]
            if let placement = object.placement { words.append(phrase(placement)) }
            phrases.append(words.joined(separator: " "))
        }
        let setting = phrase(background)
        switch phrases.count {
        case 1: return "\(phrases[0]) \(setting)."
        case 2: return "\(phrases[0]), and \(phrases[1]), \(setting)."
        default:
            return phrases.dropLast().joined(separator: ", ") + ", and \(phrases.last!), \(setting)."
        }
    }

    public static func phrase(_ motion: Motion) -> String {
        let speed = motion.speed.map { $0 == .slow ? "slowly " : ($0 == .fast ? "quickly " : "") } ?? ""
        switch motion.kind {
        case .still: return "sits still"
        case .left: return "moves \(speed)to the left"
        case .right: return "moves \(speed)to the right"
        case .up: return "moves \(speed)upward"
        case .down: return "moves \(speed)downward"
        case .bounce: return "bounces to the \(motion.side?.rawValue ?? "right")"
        case .spin: return "spins in place"
        case .grow: return "grows"
        case .shrink: return "shrinks"
        }
    }

    public static func phrase(_ placement: Placement) -> String {
        switch placement {
        case .left: return "on the left"
        case .middle: return "in the middle"
        case .right: return "on the right"
        }
    }

    public static func phrase(_ background: Background) -> String {
        switch background {
        case .sky: return "under a blue sky"
        case .sunset: return "against a sunset sky"
        case .night: return "under a starry night sky"
        case .meadow: return "in a green meadow"
        case .ocean: return "over the ocean"
        case .desert: return "in a sandy desert"
        case .snow: return "in a snowy landscape"
        case .studio: return "in a grey studio"
        }
    }

    /// A short caption; its wording is drawn from the scene seed, so it is fixed per scene.
    public static func short(_ scene: Scene) -> String {
        var rng = RandomGenerator(seed: scene.seed, stream: 0x5348_4f52_54)   // "SHORT"
        let objects = scene.objects.map { object -> String in
            "\(object.color.rawValue) \(object.shape.rawValue) \(rng.pick(gerunds(object.motion)))"
        }
        var text = objects.joined(separator: " and ")
        if rng.uniform() < 0.6 { text += " " + rng.pick(shortSettings(scene.background)) }
        return text
    }

    static func gerunds(_ motion: Motion) -> [String] {
        let pace = motion.speed == .slow ? " slowly" : (motion.speed == .fast ? " fast" : "")
        switch motion.kind {
        case .still: return ["sitting still", "resting", "hovering"]
        case .left: return ["moving left", "sliding left", "drifting left"].map { $0 + pace }
        case .right: return ["moving right", "sliding right", "drifting right"].map { $0 + pace }
        case .up: return ["going up", "rising", "floating up"].map { $0 + pace }
        case .down: return ["going down", "falling", "sinking"].map { $0 + pace }
        case .bounce: return ["bouncing \(motion.side!.rawValue)", "hopping \(motion.side!.rawValue)"]
        case .spin: return ["spinning", "rotating"]
        case .grow: return ["growing", "getting bigger"]
        case .shrink: return ["shrinking", "getting smaller"]
        }
    }

    static func shortSettings(_ background: Background) -> [String] {
        switch background {
        case .sky: return ["in the sky", "in daytime"]
        case .sunset: return ["at sunset", "at dusk"]
        case .night: return ["at night", "on a starry night"]
        case .meadow: return ["in a field", "on the grass", "in a meadow"]
        case .ocean: return ["over the sea", "over the ocean"]
        case .desert: return ["in the desert", "on the sand"]
        case .snow: return ["in the snow"]
        case .studio: return ["on a plain background", "in the studio"]
        }
    }
}
