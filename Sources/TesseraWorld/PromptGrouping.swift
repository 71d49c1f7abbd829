// Gathers a prompt's meanings into objects, clause by clause.
//
// "and", commas and the like split the prompt into clauses. A shape word starts an object (or
// several: "two squares" starts a group of two); colour and size words before a shape belong to
// it ("red ball"), after it to the object just named if that object lacks them ("ball, red").
// Motion, speed and placement words go to the last object named in their clause; in a clause
// that names none yet they wait for its first object. A clause that names no object at all
// ("a red ball, moving left") gives its motion to the object before, or, inside a group, to the
// next member without one ("two squares: one grows, the other shrinks"); at the very start of a
// prompt ("bouncing right, a red ball") it waits for the first object. A clause of bare
// adjectives completes the object before it when that object lacks them ("a ball, red"); one
// followed by an object takes that object's shape ("red and blue balls") or, if the object lacks
// the adjectives, merges into it ("red! ball"). Conflicts keep the last word and add a note.

struct SceneBuilder {
    struct Draft {
        var color: ObjectColor?, shape: Shape?, size: SizeClass?, placement: Placement?
        var kind: MotionKind?, direction: MotionKind?, moves = false, speed: Speed?
        var count = 1
        /// Objects introduced together ("two squares") share a group.
        var group = 0
        var hasAdjectives: Bool { color != nil || size != nil || count != 1 }
        var hasMotion: Bool { kind != nil || direction != nil || moves || speed != nil }
        var isAdjectivesOnly: Bool { shape == nil && !hasMotion && placement == nil }
    }

    var drafts: [Draft] = []
    var background: Background?
    var notes: [String] = []
    var pendingAdjectives = Draft()
    var pendingMotion: [Meaning] = []
    var carriedMotion: [Meaning] = []
    var clauseFirstGroup: Int?, clauseLastGroup: Int?
    var nextGroup = 0

    func members(_ group: Int) -> [Int] { drafts.indices.filter { drafts[$0].group == group } }

    mutating func add(_ meaning: Meaning) {
        switch meaning {
        case .background(let b):
            if let old = background, old != b { notes.append("two backgrounds given (\(old.rawValue), \(b.rawValue)); using \(b.rawValue)") }
            background = b
        case .separator:
            endClause()
        case .color, .size, .count:
            if let last = clauseLastGroup, !pendingAdjectives.hasAdjectives, members(last).allSatisfy({ lacks(drafts[$0], meaning) }) {
                applyToGroup(meaning, last)
            } else {
                Self.apply(meaning, to: &pendingAdjectives, notes: &notes)
            }
        case .shape(let s):
            var draft = pendingAdjectives
            draft.shape = s
            pendingAdjectives = Draft()
            appendGroup(draft)
        case .motion, .moves, .direction, .speed, .placement:
            if let last = clauseLastGroup { applyToGroup(meaning, last) } else { pendingMotion.append(meaning) }
        case .filler:
            break
        }
    }

    /// Appends `draft.count` copies of the draft as a new group, the clause's latest.
    mutating func appendGroup(_ draft: Draft) {
        var copy = draft
        copy.group = nextGroup
        let n = max(1, copy.count)
        copy.count = 1
        for _ in 0..<n { drafts.append(copy) }
        clauseFirstGroup = clauseFirstGroup ?? nextGroup
        clauseLastGroup = nextGroup
        nextGroup += 1
    }

    mutating func applyToGroup(_ meaning: Meaning, _ group: Int) {
        for i in members(group) { Self.apply(meaning, to: &drafts[i], notes: &notes) }
    }

    func lacks(_ draft: Draft, _ meaning: Meaning) -> Bool {
        switch meaning {
        case .color: return draft.color == nil
        case .size: return draft.size == nil
        default: return false
        }
    }

    mutating func endClause() {
        if pendingAdjectives.hasAdjectives {
            if clauseFirstGroup == nil, let previous = drafts.last, pendingAdjectives.count == 1,
               (pendingAdjectives.color == nil || previous.color == nil), (pendingAdjectives.size == nil || previous.size == nil) {
                if let c = pendingAdjectives.color { applyToGroup(.color(c), previous.group) }
                if let z = pendingAdjectives.size { applyToGroup(.size(z), previous.group) }
            } else {
                appendGroup(pendingAdjectives)
            }
        }
        if !pendingMotion.isEmpty {
            if let first = clauseFirstGroup {
                for m in pendingMotion { applyToGroup(m, first) }
            } else if let previous = drafts.last {
                // Inside a group, each motion-only clause speaks of the next member without a motion.
                let group = members(previous.group)
                let target = group.first { !drafts[$0].hasMotion } ?? group.last!
                for m in pendingMotion { Self.apply(m, to: &drafts[target], notes: &notes) }
            } else {
                carriedMotion += pendingMotion
            }
        }
        if !carriedMotion.isEmpty, !drafts.isEmpty {
            for m in carriedMotion { applyToGroup(m, drafts[0].group) }
            carriedMotion = []
        }
        pendingAdjectives = Draft()
        pendingMotion = []
        clauseFirstGroup = nil
        clauseLastGroup = nil
    }

    static func apply(_ meaning: Meaning, to draft: inout Draft, notes: inout [String]) {
        func keepLast<T: RawRepresentable>(_ old: T?, _ new: T, _ what: String) -> T where T.RawValue == String {
            if let old, old.rawValue != new.rawValue {
                notes.append("two \(what)s given for one object (\(old.rawValue), \(new.rawValue)); using \(new.rawValue)")
            }
            return new
        }
        switch meaning {
        case .color(let c): draft.color = keepLast(draft.color, c, "colour")
        case .size(let s): draft.size = keepLast(draft.size, s, "size")
        case .count(let n): draft.count = n
        case .shape(let s): draft.shape = keepLast(draft.shape, s, "shape")
        case .placement(let p): draft.placement = keepLast(draft.placement, p, "placement")
        case .motion(let k): draft.kind = keepLast(draft.kind, k, "motion")
        case .direction(let d): draft.direction = keepLast(draft.direction, d, "direction")
        case .speed(let s): draft.speed = keepLast(draft.speed, s, "speed")
        case .moves: draft.moves = true
        case .background, .separator, .filler: break
        }
    }

    mutating func finish() -> (PartialScene, [String]) {
        endClause()
        if !carriedMotion.isEmpty {
            var draft = Draft()
            for m in carriedMotion { Self.apply(m, to: &draft, notes: &notes) }
            appendGroup(draft)
        }
        attachBareAdjectives()
        var objects = drafts.map { resolve($0) }
        if objects.count > Scene.maximumObjects {
            notes.append("\(objects.count) objects described; a scene holds at most \(Scene.maximumObjects), so the rest are left out")
            objects = Array(objects.prefix(Scene.maximumObjects))
        }
        return (PartialScene(background: background, objects: objects), notes)
    }

    /// "red and blue balls": the bare "red" takes the shape named next. "red! ball": it is that object.
    mutating func attachBareAdjectives() {
        var i = 0
        while i + 1 < drafts.count {
            let bare = drafts[i], next = drafts[i + 1]
            guard bare.isAdjectivesOnly, next.shape != nil, members(bare.group).count == 1 else { i += 1; continue }
            if (bare.color == nil || next.color == nil) && (bare.size == nil || next.size == nil) {
                for j in members(next.group) {
                    drafts[j].color = drafts[j].color ?? bare.color
                    drafts[j].size = drafts[j].size ?? bare.size
                }
                drafts.remove(at: i)
            } else {
                drafts[i].shape = next.shape
                i += 1
            }
        }
    }

    /// Turns the motion words of one object into a motion, or into the pieces the expander completes.
    mutating func resolve(_ d: Draft) -> PartialObject {
        var o = PartialObject(color: d.color, shape: d.shape, size: d.size, placement: d.placement)
        if let kind = d.kind {
            if kind == .bounce {
                let side: Side? = d.direction == .left ? .left : (d.direction == .right ? .right : nil)
                if let dir = d.direction, side == nil { notes.append("a bounce goes left or right; '\(dir.rawValue)' ignored") }
                if let side { o.motion = .bounce(side) } else { o.motionKind = .bounce }
            } else {
                if let dir = d.direction { notes.append("one motion per object: \(kind.rawValue) kept, \(dir.rawValue) ignored") }
                o.motion = Motion(kind)
            }
            if d.speed != nil { notes.append("\(kind.rawValue) has a fixed pace; the speed word is ignored") }
        } else if let dir = d.direction {
            o.motion = Motion(dir, speed: d.speed ?? .normal)
        } else if d.moves || d.speed != nil {
            o.movesLinearly = true
            o.speed = d.speed
        }
        return o
    }
}
