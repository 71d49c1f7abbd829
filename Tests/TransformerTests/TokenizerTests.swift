import XCTest
import TesseraTransformer
import TesseraWorld

final class TokenizerTests: XCTestCase {
    static let tokenizer = TextTokenizer.world()

    func testWorldCaptionsHaveNoUnknownWords() {
        let tok = TokenizerTests.tokenizer
        let sampler = SceneSampler(seed: 12345)   // a different seed than the one that built the vocabulary
        var longest = 0
        for i in 0..<3000 {
            let c = sampler.captioned(index: i)
            XCTAssertEqual(tok.unknownWords(c.detailed), [], c.detailed)
            XCTAssertEqual(tok.unknownWords(c.short), [], c.short)
            longest = max(longest, TextTokenizer.split(c.detailed).count)
            if i == 2999 { print("longest detailed caption: \(longest) tokens") }
        }
        XCTAssertLessThanOrEqual(longest, tok.maxLength, "detailed captions must fit in max length")
        for word in WorldWords.parserWords { XCTAssertEqual(tok.unknownWords(word), []) }
    }

    func testSplitPadAndNull() {
        XCTAssertEqual(TextTokenizer.split("A Red ball, it's FAST."), ["a", "red", "ball", ",", "its", "fast", "."])
        let tok = TokenizerTests.tokenizer
        let ids = tok.ids("A red ball zorblax.")
        XCTAssertEqual(ids.count, tok.maxLength)
        XCTAssertEqual(ids[3], TextTokenizer.unknown)
        XCTAssertEqual(ids[5], TextTokenizer.pad)
        XCTAssertEqual(tok.nullIds, [TextTokenizer.null] + [Int](repeating: TextTokenizer.pad, count: tok.maxLength - 1))
        XCTAssertEqual(tok.ids(String(repeating: "red ", count: 100)).count, tok.maxLength)
        XCTAssertEqual(Array(tok.words.prefix(3)), TextTokenizer.specials)
        let decoded = try! JSONDecoder().decode(TextTokenizer.self, from: JSONEncoder().encode(tok))
        XCTAssertEqual(decoded, tok)
        XCTAssertEqual(decoded.ids("blue star rising"), tok.ids("blue star rising"))
    }
}
