// Prompt -> partial scene. Tolerant of case, punctuation, synonyms and word order; every word it
// does not know comes back with the nearest known word, never silently dropped.
//
// Grouping: "and", commas and the like split the prompt into clauses. A shape word starts an
// object; colour and size words before a shape belong to it ("red ball"), after it to the object
// just named if that object lacks them ("ball, red"). Motion, speed and placement words go to the
// last object named in their clause; in a clause that names none yet they wait for its first
// object, or, if the clause names no object at all ("a red ball, moving left"), go to the object
// before (or, at the start of the prompt, to the first object named later). A clause of bare
// adjectives completes the object before it when that object lacks them ("a ball, red"). Conflicts (two colours for one object) keep the last word and add a note.

/// A word the parser does not know, with the nearest word it does.
public struct UnknownWord: Hashable, Sendable, CustomStringConvertible {
    public let word: String
    public let suggestion: String
    public let distance: Int
    public var description: String { "'\(word)' (nearest known word: '\(suggestion)')" }
}

public struct ParsedPrompt: Sendable {
    public var scene: PartialScene
    public var unknownWords: [UnknownWord]
    /// Things the parser had to decide (conflicts, too many objects), one sentence each.
    public var notes: [String]
}

public struct PromptError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

public enum PromptParser {
    /// Longest prompt accepted, in Unicode scalars. Keeps parsing time and memory bounded.
    public static let maximumLength = 2000

    public static func parse(_ text: String) throws -> ParsedPrompt {
        let length = text.unicodeScalars.count
        guard length <= maximumLength else {
            throw PromptError(message: "prompt is \(length) characters long; the limit is \(maximumLength)")
        }
        var builder = SceneBuilder()
        var unknown: [UnknownWord] = []
        let tokens = PromptTokenizer.tokens(text).filter {
            if case .word(let w) = $0 { return !PromptLexicon.articles.contains(w) }
            return true
        }
        var i = 0
        while i < tokens.count {
            guard case .word = tokens[i] else {
                builder.add(.separator)
                i += 1
                continue
            }
            if let (meaning, used) = longestMatch(tokens, at: i) {
                builder.add(meaning)
                i += used
            } else {
                if case .word(let w) = tokens[i], !unknown.contains(where: { $0.word == w }) {
                    unknown.append(nearestKnown(w))
                }
                i += 1
            }
        }
        let (scene, notes) = builder.finish()
        return ParsedPrompt(scene: scene, unknownWords: unknown, notes: notes)
    }

    static func longestMatch(_ tokens: [PromptToken], at start: Int) -> (Meaning, Int)? {
        var words: [String] = []
        var best: (Meaning, Int)?
        for j in start..<min(tokens.count, start + PromptLexicon.longestPhrase) {
            guard case .word(let w) = tokens[j] else { break }
            words.append(w)
            if let m = PromptLexicon.table[words.joined(separator: " ")] { best = (m, words.count) }
        }
        return best
    }

    static func nearestKnown(_ word: String) -> UnknownWord {
        let probe = Array(word.prefix(40))
        var best = ("", Int.max)
        for candidate in PromptLexicon.knownWords {
            let d = levenshtein(probe, Array(candidate))
            if d < best.1 { best = (candidate, d) }
        }
        return UnknownWord(word: word, suggestion: best.0, distance: best.1)
    }

    static func levenshtein(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count), current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

/// Collects meanings clause by clause into objects (see the file comment for the rules).
struct SceneBuilder {
    struct Draft {
        var color: ObjectColor?, shape: Shape?, size: SizeClass?, placement: Placement?
        var kind: MotionKind?, direction: MotionKind?, moves = false, speed: Speed?
        var count = 1
        var hasAdjectives: Bool { color != nil || size != nil || count != 1 }
    }

    var drafts: [Draft] = []
    var background: Background?
    var notes: [String] = []
    var pendingAdjectives = Draft()
    var pendingMotion: [Meaning] = []
    var carriedMotion: [Meaning] = []
    var clauseFirst: Int?, clauseLast: Int?

    mutating func add(_ meaning: Meaning) {
        switch meaning {
        case .background(let b):
            if let old = background, old != b { notes.append("two backgrounds given (\(old.rawValue), \(b.rawValue)); using \(b.rawValue)") }
            background = b
        case .separator:
            endClause()
        case .color, .size, .count:
            if let last = clauseLast, !pendingAdjectives.hasAdjectives, lacks(drafts[last], meaning) {
                Self.apply(meaning, to: &drafts[last], notes: &notes)
            } else {
                Self.apply(meaning, to: &pendingAdjectives, notes: &notes)
            }
        case .shape(let s):
            var draft = pendingAdjectives
            draft.shape = s
            pendingAdjectives = Draft()
            drafts.append(draft)
            clauseFirst = clauseFirst ?? drafts.count - 1
            clauseLast = drafts.count - 1
        case .motion, .moves, .direction, .speed, .placement:
            if let last = clauseLast { Self.apply(meaning, to: &drafts[last], notes: &notes) } else { pendingMotion.append(meaning) }
        case .filler:
            break
        }
    }

    func fits(_ adjectives: Draft, into draft: Draft) -> Bool {
        adjectives.count == 1 && (adjectives.color == nil || draft.color == nil) && (adjectives.size == nil || draft.size == nil)
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
            // A clause of bare adjectives ("a ball, red") completes the object before it if it can;
            // otherwise it is an object of its own ("a red ball and a blue one").
            if clauseFirst == nil, let previous = drafts.indices.last, fits(pendingAdjectives, into: drafts[previous]) {
                if let c = pendingAdjectives.color { drafts[previous].color = c }
                if let z = pendingAdjectives.size { drafts[previous].size = z }
            } else {
                drafts.append(pendingAdjectives)
                clauseFirst = clauseFirst ?? drafts.count - 1
            }
        }
        if !pendingMotion.isEmpty {
            if clauseFirst == nil && drafts.isEmpty {
                // "Bouncing to the right, a red ball": the motion waits for the first object.
                carriedMotion += pendingMotion
            } else {
                let target = clauseFirst ?? drafts.count - 1
                for m in pendingMotion { Self.apply(m, to: &drafts[target], notes: &notes) }
            }
        }
        if !carriedMotion.isEmpty, let first = drafts.indices.first {
            for m in carriedMotion { Self.apply(m, to: &drafts[first], notes: &notes) }
            carriedMotion = []
        }
        pendingAdjectives = Draft()
        pendingMotion = []
        clauseFirst = nil
        clauseLast = nil
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
            drafts.append(draft)
        }
        var objects: [PartialObject] = []
        for draft in drafts {
            let object = resolve(draft)
            for _ in 0..<max(1, draft.count) { objects.append(object) }
        }
        if objects.count > Scene.maximumObjects {
            notes.append("\(objects.count) objects described; a scene holds at most \(Scene.maximumObjects), so the rest are left out")
            objects = Array(objects.prefix(Scene.maximumObjects))
        }
        return (PartialScene(background: background, objects: objects), notes)
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
