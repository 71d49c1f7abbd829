// The prompt editor's keys: emacs kills, word jumps, history, multi-line movement, wide characters.
import XCTest
import TesseraStudio

final class TextEditorTests: XCTestCase {
    func type(_ text: String, into e: inout TextEditor) {
        for c in text { _ = e.handle(c == "\n" ? .newline : .character(c)) }
    }

    func testControlKeys() {
        var e = TextEditor()
        type("red ball bouncing", into: &e)
        _ = e.handle(.control("a"))
        XCTAssertEqual(e.cursor, 0)
        _ = e.handle(.control("e"))
        XCTAssertEqual(e.cursor, 17)
        _ = e.handle(.control("w"))
        XCTAssertEqual(e.text, "red ball ")
        _ = e.handle(.control("y"))
        XCTAssertEqual(e.text, "red ball bouncing")
        for _ in 0..<9 { _ = e.handle(.left) }
        _ = e.handle(.control("k"))
        XCTAssertEqual(e.text, "red ball")
        _ = e.handle(.control("u"))
        XCTAssertEqual(e.text, "")
        type("abc", into: &e)
        _ = e.handle(.backspace)
        _ = e.handle(.home)
        _ = e.handle(.delete)
        XCTAssertEqual(e.text, "b")
    }

    func testWordJumps() {
        var e = TextEditor("two red squares, one grows")
        _ = e.handle(.wordLeft)
        XCTAssertEqual(e.cursor, 21)          // before "grows"
        _ = e.handle(.wordLeft); _ = e.handle(.wordLeft)
        XCTAssertEqual(e.cursor, 8)           // before "squares" (skips ", ")
        _ = e.handle(.wordRight)
        XCTAssertEqual(e.cursor, 15)          // after "squares"
        _ = e.handle(.control("w"))
        XCTAssertEqual(e.text, "two red , one grows")
    }

    func testMultiLineMovementAndKill() {
        var e = TextEditor()
        type("red ball\nblue cube\nsea", into: &e)
        _ = e.handle(.up)
        XCTAssertEqual(e.cursor, 12)          // column 3 of "blue cube"
        _ = e.handle(.up)
        XCTAssertEqual(e.cursor, 3)
        _ = e.handle(.control("e"))
        _ = e.handle(.control("k"))           // at line end: joins the next line
        XCTAssertEqual(e.text, "red ballblue cube\nsea")
        _ = e.handle(.down)
        XCTAssertEqual(e.cursor, 21)          // "sea" is shorter: its end
    }

    func testHistory() {
        var e = TextEditor()
        e.remember("red ball")
        e.remember("blue cube")
        e.remember("blue cube")               // repeats are kept once
        type("draft", into: &e)
        XCTAssertTrue(e.handle(.up).contains(.changed))
        XCTAssertEqual(e.text, "blue cube")
        _ = e.handle(.up)
        XCTAssertEqual(e.text, "red ball")
        _ = e.handle(.up)
        XCTAssertEqual(e.text, "red ball")    // oldest stays
        _ = e.handle(.down)
        XCTAssertEqual(e.text, "blue cube")
        _ = e.handle(.down)
        XCTAssertEqual(e.text, "draft")       // back to what was being typed
        XCTAssertEqual(e.history, ["red ball", "blue cube"])
    }

    func testWideCharactersAndLayout() {
        var e = TextEditor()
        type("héllo 世界", into: &e)
        _ = e.handle(.left); _ = e.handle(.left); _ = e.handle(.left)
        _ = e.handle(.character("X"))
        XCTAssertEqual(e.text, "hélloX 世界")
        let l = e.layout(width: 40)
        XCTAssertEqual(l.cursorColumn, 6)
        _ = e.handle(.end)
        XCTAssertEqual(e.layout(width: 40).cursorColumn, 11)   // 世 and 界 are two columns each
        // Soft wrap after the last space that fits.
        let w = TextEditor("red ball bouncing on a meadow").layout(width: 12)
        XCTAssertEqual(w.rows.count, 3)
        XCTAssertEqual(w.rows[0], 0..<9)                      // "red ball "
    }

    func testPasteNormalisesLineBreaks() {
        var e = TextEditor("a")
        e.insert("b\r\nc\rd")
        XCTAssertEqual(e.text, "ab\nc\nd")
        XCTAssertFalse(e.handle(.newline, allowNewlines: false).contains(.handled))
    }
}
