// The words the prompt parser knows, and the tokenizer.
//
// Phrases of up to three words map to one meaning; the parser takes the longest phrase at each
// position, so "blue sky" is a background while "blue" alone is a colour. Articles are dropped
// before matching, so "to the left" is matched as "to left". WORLD.md's synonyms are all here,
// plus a few more people type ("circle", "left to right", "big", "rising").

/// What a word or phrase means to the parser.
public enum Meaning: Hashable, Sendable {
    case color(ObjectColor)
    case shape(Shape)
    case size(SizeClass)
    /// still, bounce, spin, grow, shrink (kinds that need no direction word).
    case motion(MotionKind)
    /// "moves", "drifts", ...: a left/right/up/down motion whose direction comes from another word.
    case moves
    /// left, right, up or down ("rises" is `.direction(.up)`).
    case direction(MotionKind)
    case speed(Speed)
    case placement(Placement)
    case background(Background)
    /// "two", "three": how many objects the next shape stands for.
    case count(Int)
    /// "and", commas: ends one object's clause.
    case separator
    /// Known words that carry no meaning of their own ("a", "in", "across").
    case filler
}

enum PromptLexicon {
    static let articles: Set<String> = ["a", "an", "the"]

    /// Longest phrase, in words.
    static let longestPhrase = 3

    static let table: [String: Meaning] = {
        var t: [String: Meaning] = [:]
        func add(_ words: [String], _ meaning: Meaning) { for w in words { t[w] = meaning } }
        for c in ObjectColor.allCases { add([c.rawValue], .color(c)) }
        add(["violet"], .color(.purple))
        add(["turquoise"], .color(.cyan))
        add(["ball", "balls", "sphere", "spheres", "circle", "circles", "orb", "orbs", "dot", "dots", "disc", "disk"], .shape(.ball))
        add(["square", "squares", "box", "boxes", "block", "blocks", "cube", "cubes"], .shape(.square))
        add(["triangle", "triangles"], .shape(.triangle))
        add(["star", "stars"], .shape(.star))
        add(["diamond", "diamonds", "rhombus", "rhombuses"], .shape(.diamond))
        add(["ring", "rings", "donut", "donuts", "doughnut", "doughnuts", "hoop", "hoops"], .shape(.ring))
        add(["small", "little", "tiny"], .size(.small))
        add(["medium", "mid"], .size(.medium))
        add(["large", "big", "huge"], .size(.large))

        add(["still", "rests", "rest", "resting", "sits", "sit", "sitting", "hovers", "hover", "hovering",
             "stays", "stay", "staying", "motionless", "stationary", "sits still", "stays still", "stays put"], .motion(.still))
        add(["moves", "move", "moving", "drifts", "drift", "drifting", "slides", "slide", "sliding", "travels",
             "travel", "traveling", "travelling", "goes", "go", "going", "glides", "glide", "gliding", "flies",
             "fly", "flying", "floats", "float", "floating", "rolls", "roll", "rolling", "heads", "heading"], .moves)
        add(["left", "leftward", "leftwards", "to left", "toward left", "towards left", "right to left"], .direction(.left))
        add(["right", "rightward", "rightwards", "to right", "toward right", "towards right", "left to right"], .direction(.right))
        add(["up", "upward", "upwards", "rises", "rise", "rising", "ascends", "ascend", "ascending", "climbs",
             "climb", "climbing", "bottom to top", "floats up", "floating up"], .direction(.up))
        add(["down", "downward", "downwards", "falls", "fall", "falling", "drops", "drop", "dropping", "sinks",
             "sink", "sinking", "descends", "descend", "descending", "top to bottom"], .direction(.down))
        add(["bounce", "bounces", "bouncing", "bouncy", "hops", "hop", "hopping", "jumps", "jump", "jumping"], .motion(.bounce))
        add(["spin", "spins", "spinning", "rotates", "rotate", "rotating", "turns", "turn", "turning",
             "twirls", "twirl", "twirling"], .motion(.spin))
        add(["grow", "grows", "growing", "expands", "expand", "expanding", "bigger", "larger", "swells", "swelling",
             "gets bigger", "getting bigger"], .motion(.grow))
        add(["shrink", "shrinks", "shrinking", "smaller", "contracts", "contracting", "gets smaller", "getting smaller"], .motion(.shrink))
        add(["slowly", "slow", "gently", "gentle", "leisurely"], .speed(.slow))
        add(["quickly", "quick", "fast", "rapidly", "rapid", "swiftly"], .speed(.fast))

        add(["on left", "at left", "in left", "on left side", "left side"], .placement(.left))
        add(["on right", "at right", "in right", "on right side", "right side"], .placement(.right))
        add(["middle", "center", "centre", "in middle", "in center", "in centre", "at center", "at centre",
             "at middle", "on middle"], .placement(.middle))

        add(["sky", "blue sky", "daytime", "day", "sunny", "sunny sky", "clear sky"], .background(.sky))
        add(["sunset", "dusk", "sunset sky", "evening"], .background(.sunset))
        add(["night", "starry night", "night sky", "starry night sky", "starry sky", "starry", "nighttime"], .background(.night))
        add(["meadow", "field", "grass", "grassy", "green meadow", "green field", "green grass", "lawn"], .background(.meadow))
        add(["ocean", "sea", "at sea", "waves", "water"], .background(.ocean))
        add(["desert", "sand", "sandy", "sandy desert", "dunes"], .background(.desert))
        add(["snow", "snowy", "snowy landscape", "snowy field", "winter"], .background(.snow))
        add(["studio", "grey backdrop", "gray backdrop", "plain background", "grey studio", "gray studio",
             "plain backdrop", "grey background", "gray background", "plain grey backdrop", "plain gray backdrop"],
            .background(.studio))

        add(["one", "single", "1"], .count(1))
        add(["two", "pair", "2"], .count(2))
        add(["three", "3"], .count(3))
        add(["and", "while", "plus", "also", "then", "with", "as", "whereas"], .separator)
        add(["is", "are", "it", "its", "in", "on", "at", "to", "of", "across", "over", "under", "against",
             "into", "onto", "through", "around", "by", "from", "place", "in place", "very", "really", "slightly",
             "some", "there", "that", "which", "this", "scene", "background", "backdrop", "landscape", "side",
             "frame", "screen", "gets", "getting", "get", "sized", "size", "object", "objects", "shape", "shapes",
             "thing", "along", "toward", "towards", "direction", "speed", "pace", "itself", "video", "clip",
             "image", "picture", "shaped", "colored", "coloured", "steadily", "other", "another", "each"],
            .filler)
        return t
    }()

    /// Every single known word: the candidates for "did you mean".
    static let knownWords: [String] = Set(table.keys.flatMap { $0.split(separator: " ").map(String.init) } + articles).sorted()
}

/// A token of a prompt: a lowercased word, or a separator from punctuation.
enum PromptToken: Equatable {
    case word(String)
    case separator
}

public enum PromptTokenizer {
    /// Punctuation that separates the parts of a prompt (and that the text encoder keeps as tokens).
    public static let separators: [String] = [",", ".", ";", ":", "!", "?", "&"]

    /// Lowercased words and separator marks, in order. Splits on anything that is not a letter or
    /// digit; apostrophes are dropped inside words ("it's" -> "its"); other characters vanish.
    public static func pieces(_ text: String) -> [String] {
        var pieces: [String] = []
        var word = String.UnicodeScalarView()
        func flush() {
            if !word.isEmpty { pieces.append(String(word)); word = String.UnicodeScalarView() }
        }
        for scalar in text.unicodeScalars {
            if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                for lower in scalar.properties.lowercaseMapping.unicodeScalars { word.append(lower) }
            } else if scalar == "'" || scalar == "\u{2019}" {
                continue
            } else {
                flush()
                let mark = String(scalar)
                if separators.contains(mark) { pieces.append(mark) }
            }
        }
        flush()
        return pieces
    }

    static func tokens(_ text: String) -> [PromptToken] {
        pieces(text).map { separators.contains($0) ? .separator : .word($0) }
    }
}
