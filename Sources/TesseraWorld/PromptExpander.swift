// Partial scene + seed -> full scene + canonical caption.
//
// What the prompt leaves out is drawn from RandomGenerator(seed, stream "EXPAND"), object i from
// its own sub-stream, so the same prompt and seed always expand the same way and adding an object
// does not change how the others are filled. Filled-in values never create a held-out pair or a
// spinning ball/ring; values the user gave are kept even when they do (users may ask for unseen
// combinations). A motion given in pieces is completed: "moves"/"quickly" alone -> a random
// left/right/up/down; an unsaid speed is normal; a bounce with no side gets a random side.
// With several objects, those without a placement get the free thirds, preferring a start that
// leaves room for the motion (right-movers on the left, left-movers on the right).
import TesseraEngine

public struct Expansion: Sendable {
    public let scene: Scene
    /// The canonical detailed caption of `scene`.
    public let caption: String
    public let unknownWords: [UnknownWord]
    public let notes: [String]
}

public enum PromptExpander {
    /// Parses and expands a prompt. Throws `PromptError` only for over-long input.
    public static func expand(_ prompt: String, seed: UInt64) throws -> Expansion {
        let parsed = try PromptParser.parse(prompt)
        var notes = parsed.notes
        let scene = expand(parsed.scene, seed: seed)
        for object in scene.objects where object.motion.kind == .spin && !object.shape.canSpin {
            notes.append("a \(object.shape.rawValue) looks the same at every angle, so its spin will not show")
        }
        return Expansion(scene: scene, caption: Captions.detailed(scene), unknownWords: parsed.unknownWords, notes: notes)
    }

    /// Completes a partial scene; fields that are set are kept as they are.
    public static func expand(_ partial: PartialScene, seed: UInt64) -> Scene {
        var rng = RandomGenerator(seed: seed, stream: 0x4558_5041_4e44)   // "EXPAND"
        let wanted = partial.objects.isEmpty ? [PartialObject()] : Array(partial.objects.prefix(Scene.maximumObjects))
        let givenKinds = wanted.compactMap { $0.motion?.kind ?? $0.motionKind }
        let background = partial.background ?? pickAllowed(Background.allCases, &rng) { b in
            !givenKinds.contains { HeldOut.isHeldOut(b, $0) }
        }
        var objects: [SceneObject] = []
        for (i, p) in wanted.enumerated() {
            var r = rng.derived(UInt64(i))
            objects.append(complete(p, background: background, rng: &r))
        }
        assignPlacements(&objects, given: wanted.map { $0.placement }, rng: &rng)
        // Below 2^53, so JSON readers that hold numbers as doubles keep the seed exact.
        return Scene(background: background, objects: objects, seed: rng.next() >> 11)
    }

    static func complete(_ p: PartialObject, background: Background, rng: inout RandomGenerator) -> SceneObject {
        let kindHint = p.motion?.kind ?? p.motionKind
        let shape = p.shape ?? pickAllowed(Shape.allCases, &rng) { s in
            (p.color.map { !HeldOut.isHeldOut($0, s) } ?? true) && (kindHint != .spin || s.canSpin)
        }
        let color = p.color ?? pickAllowed(ObjectColor.allCases, &rng) { c in
            !HeldOut.isHeldOut(c, shape) && !(kindHint.map { HeldOut.isHeldOut(c, $0) } ?? false)
        }
        let size = p.size ?? rng.pick(SizeClass.allCases)
        let motion: Motion
        if let m = p.motion {
            motion = m
        } else if p.motionKind == .bounce {
            motion = .bounce(rng.pick(Side.allCases))
        } else if p.movesLinearly {
            motion = Motion(rng.pick([MotionKind.left, .right, .up, .down]), speed: p.speed ?? .normal)
        } else {
            motion = pickAllowed(Motion.all, &rng) { m in allowed(m, color: color, shape: shape, background: background) }
        }
        return SceneObject(color: color, shape: shape, size: size, motion: motion, placement: p.placement,
                           sizeJitter: rng.uniform(0.9, 1.1), layoutU: rng.uniform(), layoutV: rng.uniform())
    }

    /// A motion the training world can show with this object: not held out, no invisible spin.
    static func allowed(_ m: Motion, color: ObjectColor, shape: Shape, background: Background) -> Bool {
        !HeldOut.isHeldOut(color, m.kind) && !HeldOut.isHeldOut(background, m.kind) && (m.kind != .spin || shape.canSpin)
    }

    /// A uniform pick among the items that pass `accept`, or among all of them if none does.
    static func pickAllowed<T>(_ items: [T], _ rng: inout RandomGenerator, _ accept: (T) -> Bool) -> T {
        let ok = items.filter(accept)
        return rng.pick(ok.isEmpty ? items : ok)
    }

    /// Gives objects without a placement the free thirds, when there is more than one object.
    static func assignPlacements(_ objects: inout [SceneObject], given: [Placement?], rng: inout RandomGenerator) {
        guard objects.count > 1 else { return }
        let open = objects.indices.filter { given[$0] == nil }
        let free = Placement.allCases.filter { p in !given.contains(p) }
        guard !open.isEmpty else { return }
        // Try every way to hand out free thirds (at most 3! = 6); keep the best, ties broken by the seed.
        var best: [[Placement]] = []
        var bestCost = Int.max
        for order in permutations(free) where order.count >= open.count {
            let choice = Array(order.prefix(open.count))
            let cost = zip(open, choice).reduce(0) { $0 + mismatch(objects[$1.0].motion, $1.1) }
            if cost < bestCost { bestCost = cost; best = [choice] } else if cost == bestCost && !best.contains(choice) { best.append(choice) }
        }
        if best.isEmpty {
            // More objects than free thirds (the prompt put two in one third): share thirds.
            for i in open { objects[i].placement = rng.pick(Placement.allCases) }
            return
        }
        let choice = rng.pick(best)
        for (i, p) in zip(open, choice) { objects[i].placement = p }
    }

    /// 0 when a third leaves the most room for a motion, higher the less room it leaves.
    static func mismatch(_ m: Motion, _ p: Placement) -> Int {
        let (vx, _) = Kinematics.velocity(m)
        if vx > 0 { return p == .left ? 0 : (p == .middle ? 1 : 2) }
        if vx < 0 { return p == .right ? 0 : (p == .middle ? 1 : 2) }
        return 0
    }

    static func permutations(_ items: [Placement]) -> [[Placement]] {
        if items.count <= 1 { return [items] }
        return items.indices.flatMap { i -> [[Placement]] in
            var rest = items
            let head = rest.remove(at: i)
            return permutations(rest).map { [head] + $0 }
        }
    }
}
