import XCTest
import Foundation
import TesseraEngine
import TesseraWorld

final class PromptParserTests: XCTestCase {
    func parse(_ text: String) -> PartialScene { try! PromptParser.parse(text).scene }

    func testSynonymsCaseAndPunctuation() {
        let shapes: [(String, Shape)] = [("ball", .ball), ("sphere", .ball), ("circle", .ball), ("square", .square), ("box", .square),
                                        ("block", .square), ("diamond", .diamond), ("rhombus", .diamond), ("ring", .ring),
                                        ("donut", .ring), ("hoop", .ring), ("star", .star), ("triangle", .triangle)]
        for (word, shape) in shapes { XCTAssertEqual(parse("a RED \(word)!!").objects.first?.shape, shape, word) }
        let motions: [(String, Motion)] = [
            ("moves left", .left()), ("drifts left", .left()), ("slides left", .left()), ("travels to the left", .left()),
            ("goes from left to right", .right()), ("up", .up()), ("rises", .up()), ("floats up", .up()),
            ("down", .down()), ("falls", .down()), ("drops", .down()), ("sinks", .down()),
            ("bounces to the left", .bounce(.left)), ("hops right", .bounce(.right)),
            ("spins", .spin), ("rotates", .spin), ("turns", .spin), ("grows", .grow), ("expands", .grow), ("gets bigger", .grow),
            ("shrinks", .shrink), ("gets smaller", .shrink), ("still", .still), ("rests", .still), ("sits still", .still),
            ("hovers", .still), ("moves slowly upward", .up(.slow)), ("gently sinks", .down(.slow)),
            ("moves left quickly", .left(.fast)), ("fast rising", .up(.fast)), ("rapidly falls", .down(.fast)),
        ]
        for (phrase, motion) in motions { XCTAssertEqual(parse("A blue star \(phrase).").objects.first?.motion, motion, phrase) }
        let backgrounds: [(String, Background)] = [
            ("sky", .sky), ("blue sky", .sky), ("daytime", .sky), ("sunset", .sunset), ("dusk", .sunset), ("night", .night),
            ("starry night", .night), ("meadow", .meadow), ("field", .meadow), ("grass", .meadow), ("ocean", .ocean), ("sea", .ocean),
            ("desert", .desert), ("sand", .desert), ("snow", .snow), ("snowy", .snow), ("studio", .studio),
            ("grey backdrop", .studio), ("plain background", .studio),
        ]
        for (phrase, background) in backgrounds {
            let scene = parse("green ball on a \(phrase.uppercased())")
            XCTAssertEqual(scene.background, background, phrase)
            XCTAssertEqual(scene.objects.first?.color, .green, phrase)   // "blue sky" does not make the ball blue
        }
    }

    func testWordOrderAndSeveralObjects() {
        let expected = PartialObject(color: .red, shape: .ball, size: .large, motion: .bounce(.right))
        for text in ["large red ball bouncing right", "bouncing to the right, a large red ball", "ball, red, large, bounces right",
                     "a red ball (large) that hops to the right"] {
            XCTAssertEqual(parse(text).objects, [expected], text)
        }
        let two = parse("a small yellow star spinning on the left and a blue square rising quickly at dusk")
        XCTAssertEqual(two.background, .sunset)
        XCTAssertEqual(two.objects, [PartialObject(color: .yellow, shape: .star, size: .small, motion: .spin, placement: .left),
                                     PartialObject(color: .blue, shape: .square, motion: .up(.fast))])
        let three = parse("red ball, green box; white ring")
        XCTAssertEqual(three.objects.map(\.shape), [.ball, .square, .ring])
        XCTAssertEqual(parse("two pink donuts").objects, Array(repeating: PartialObject(color: .pink, shape: .ring), count: 2))
        XCTAssertEqual(parse("red and blue balls").objects, [PartialObject(color: .red, shape: .ball), PartialObject(color: .blue, shape: .ball)])
        XCTAssertEqual(parse("red!!! BALL??? left").objects, [PartialObject(color: .red, shape: .ball, motion: .left())])
        XCTAssertEqual(parse("Two squares: one grows, the other shrinks.").objects,
                       [PartialObject(shape: .square, motion: .grow), PartialObject(shape: .square, motion: .shrink)])
        XCTAssertEqual(parse("two balls, one moving left and one moving right").objects.map(\.motion), [.left(), .right()])
        XCTAssertEqual(parse("two red balls moving left").objects.map(\.motion), [.left(), .left()])
        let many = try! PromptParser.parse("red ball, blue ball, green ball, white ball")
        XCTAssertEqual(many.scene.objects.count, 3)
        XCTAssertEqual(many.notes.count, 1)
    }

    func testUnknownWordsComeBackWithTheNearestKnownWord() throws {
        let parsed = try PromptParser.parse("a red bal bouncng over the ocaen with a giraffe")
        XCTAssertEqual(parsed.unknownWords.map(\.word), ["bal", "bouncng", "ocaen", "giraffe"])
        XCTAssertEqual(parsed.unknownWords.map(\.suggestion).prefix(3), ["ball", "bouncing", "ocean"])
        XCTAssertEqual(parsed.scene.objects.first?.color, .red)
    }

    func testPartialMotionsAreCompletedByTheExpander() throws {
        let moves = try PromptParser.parse("a ball moving quickly").scene
        XCTAssertEqual(moves.objects.first?.motion, nil)
        XCTAssertTrue(moves.objects.first!.movesLinearly)
        for seed in 0..<50 as Range<UInt64> {
            let m = PromptExpander.expand(moves, seed: seed).objects[0].motion
            XCTAssertTrue(m.kind.isLinear)
            XCTAssertEqual(m.speed, .fast)
        }
        let bounce = try PromptParser.parse("bouncing cube").scene
        XCTAssertEqual(bounce.objects.first?.motionKind, .bounce)
        XCTAssertEqual(PromptExpander.expand(bounce, seed: 3).objects[0].motion.kind, .bounce)
    }

    func testExpansionIsDeterministicAndFillsFromTheSeed() throws {
        let a = try PromptExpander.expand("a ball", seed: 9), b = try PromptExpander.expand("a ball", seed: 9)
        XCTAssertEqual(a.scene, b.scene)
        XCTAssertEqual(a.caption, b.caption)
        let captions = Set((0..<40 as Range<UInt64>).map { try! PromptExpander.expand("a ball", seed: $0).caption })
        XCTAssertGreaterThan(captions.count, 20)
        for caption in captions { XCTAssertTrue(caption.contains(" ball "), caption) }
        // Filled-in values never create held-out pairs; asked-for ones are kept and rendered.
        for seed in 0..<300 as Range<UInt64> {
            XCTAssertFalse(try PromptExpander.expand("", seed: seed).scene.isHeldOut)
        }
        let unseen = try PromptExpander.expand("a green star bouncing at night", seed: 1)
        XCTAssertTrue(unseen.scene.isHeldOut)
        XCTAssertEqual(unseen.caption.hasPrefix("A "), true)
        XCTAssertEqual(Renderer.render(unseen.scene, width: 64, height: 36, frames: 2).frameCount, 2)
    }

    // MARK: - Fuzz: never crash, never hang, clear error past the length bound.

    func testRandomBytesUnicodeAndEmojiNeverCrash() throws {
        var rng = RandomGenerator(seed: 77, stream: 3)
        let start = Date()
        for i in 0..<3000 {
            let text: String
            switch i % 3 {
            case 0:
                let bytes = (0..<rng.int(below: 400)).map { _ in UInt8(rng.int(below: 256)) }
                text = String(decoding: bytes, as: UTF8.self)
            case 1:
                var scalars = String.UnicodeScalarView()
                for _ in 0..<rng.int(below: 300) {
                    if let s = Unicode.Scalar(UInt32(rng.int(below: 0x2FFFF))) { scalars.append(s) }
                }
                text = String(scalars)
            default:
                let pieces = ["🎈", "red", "👩‍👩‍👧", "BALL", ",", "and", "e\u{301}", "\u{0}", "ß", "ﬁ", "İ", "  ", "ring", "🟥", "left", "\n", "ΣΑΣ"]
                text = (0..<rng.int(below: 200)).map { _ in rng.pick(pieces) }.joined(separator: rng.uniform() < 0.5 ? " " : "")
            }
            guard text.unicodeScalars.count <= PromptParser.maximumLength else { continue }
            let parsed = try PromptParser.parse(text)
            XCTAssertLessThanOrEqual(parsed.scene.objects.count, Scene.maximumObjects)
            let expansion = PromptExpander.expand(parsed.scene, seed: UInt64(i))
            XCTAssertEqual(try PromptParser.parse(Captions.detailed(expansion)).scene, expansion.captionFields)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 20)
    }

    func testLongestAcceptedPromptIsFastAndHugeInputIsACleanError() throws {
        let words = ["red", "ball", "blorp", "and", "qzx", "left", ","]
        var rng = RandomGenerator(seed: 1, stream: 1)
        var text = ""
        while text.unicodeScalars.count < PromptParser.maximumLength - 10 { text += rng.pick(words) + " " }
        var start = Date()
        _ = try PromptParser.parse(text)
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)

        let huge = String(repeating: "a red ball 🎈 ", count: 90_000)   // over 1 MB of UTF-8
        XCTAssertGreaterThan(huge.utf8.count, 1_000_000)
        start = Date()
        XCTAssertThrowsError(try PromptParser.parse(huge)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("limit is \(PromptParser.maximumLength)"), message)
            XCTAssertFalse(message.contains("\n"))
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)
        let oneWord = String(repeating: "x", count: PromptParser.maximumLength)
        XCTAssertEqual(try PromptParser.parse(oneWord).unknownWords.count, 1)
    }
}
