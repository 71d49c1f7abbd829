// The editing model behind the prompt editors: a multi-line text with a cursor, emacs-style keys
// (Ctrl-A/E/K/U/W/Y), word jumps, history on Up/Down at the first/last line, and pasted text.
// Pure: no drawing, no terminal.
import Foundation

public struct TextEditor: Equatable, Sendable {
    public private(set) var characters: [Character] = []
    /// Index into `characters` (0...count).
    public private(set) var cursor = 0
    /// Earlier entries, oldest first (added with `remember`).
    public private(set) var history: [String] = []
    private var historyIndex: Int?
    private var draft = ""
    private var killed: [Character] = []

    public init(_ text: String = "") { setText(text) }

    public var text: String { String(characters) }

    public mutating func setText(_ text: String) {
        characters = Array(text)
        cursor = characters.count
    }

    /// Adds `entry` to the history (skipping empty text and repeats of the newest entry).
    public mutating func remember(_ entry: String) {
        historyIndex = nil
        guard !entry.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, history.last != entry else { return }
        history.append(entry)
        if history.count > 200 { history.removeFirst() }
    }

    /// Applies one key; returns whether the key was used and whether the text changed.
    public mutating func handle(_ key: Key, allowNewlines: Bool = true) -> HandlerResult {
        let before = characters
        switch key {
        case .character(let c): insert(String(c))
        case .newline: if allowNewlines { insert("\n") } else { return .ignored }
        case .left: if cursor > 0 { cursor -= 1 }
        case .right: if cursor < characters.count { cursor += 1 }
        case .home, .control("a"): cursor = lineStart(cursor)
        case .end, .control("e"): cursor = lineEnd(cursor)
        case .wordLeft: cursor = wordStart(before: cursor)
        case .wordRight: cursor = wordEnd(after: cursor)
        case .backspace, .control("h"):
            if cursor > 0 { characters.remove(at: cursor - 1); cursor -= 1 }
        case .delete, .control("d"):
            if cursor < characters.count { characters.remove(at: cursor) }
        case .control("k"):
            let end = lineEnd(cursor)
            let stop = end == cursor && end < characters.count ? end + 1 : end   // at line end: join lines
            kill(cursor..<stop)
        case .control("u"):
            kill(lineStart(cursor)..<cursor)
        case .control("w"):
            kill(wordStart(before: cursor)..<cursor)
        case .control("y"):
            insert(String(killed))
        case .up:
            if lineStart(cursor) == 0 { return recall(-1) }
            moveVertically(-1)
        case .down:
            if lineEnd(cursor) == characters.count { return recall(+1) }
            moveVertically(+1)
        default:
            return .ignored
        }
        if characters != before { historyIndex = nil; return [.handled, .redraw, .changed] }
        return [.handled, .redraw]
    }

    /// Inserts text at the cursor (typing or a paste; line breaks normalised to "\n").
    public mutating func insert(_ text: String) {
        let clean = Array(text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n"))
        characters.insert(contentsOf: clean, at: cursor)
        cursor += clean.count
    }

    private mutating func kill(_ range: Range<Int>) {
        guard !range.isEmpty else { return }
        killed = Array(characters[range])
        characters.removeSubrange(range)
        cursor = range.lowerBound
    }

    /// Steps through history: -1 older, +1 newer (past the newest returns to the draft).
    private mutating func recall(_ step: Int) -> HandlerResult {
        guard !history.isEmpty else { return .handled }
        var index: Int
        if let i = historyIndex {
            index = i + step
        } else {
            guard step < 0 else { return .handled }
            draft = text
            index = history.count - 1
        }
        if index < 0 { index = 0 }
        if index >= history.count {
            historyIndex = nil
            setText(draft)
        } else {
            historyIndex = index
            setText(history[index])
        }
        return [.handled, .redraw, .changed]
    }

    public func lineStart(_ i: Int) -> Int {
        var j = i
        while j > 0 && characters[j - 1] != "\n" { j -= 1 }
        return j
    }

    public func lineEnd(_ i: Int) -> Int {
        var j = i
        while j < characters.count && characters[j] != "\n" { j += 1 }
        return j
    }

    private static func isWord(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "'" }

    public func wordStart(before i: Int) -> Int {
        var j = i
        while j > 0 && !TextEditor.isWord(characters[j - 1]) { j -= 1 }
        while j > 0 && TextEditor.isWord(characters[j - 1]) { j -= 1 }
        return j
    }

    public func wordEnd(after i: Int) -> Int {
        var j = i
        while j < characters.count && !TextEditor.isWord(characters[j]) { j += 1 }
        while j < characters.count && TextEditor.isWord(characters[j]) { j += 1 }
        return j
    }

    /// Moves up or down one line, keeping the display column where the line is long enough.
    private mutating func moveVertically(_ direction: Int) {
        let start = lineStart(cursor)
        let column = DisplayWidth.of(String(characters[start..<cursor]))
        let target: Int
        if direction < 0 {
            target = lineStart(start - 1)
        } else {
            target = lineEnd(cursor) + 1
        }
        var j = target, col = 0
        while j < characters.count && characters[j] != "\n" {
            let w = DisplayWidth.of(characters[j])
            if col + w > column { break }
            col += w
            j += 1
        }
        cursor = j
    }

    /// The text laid out in rows of at most `width` columns (soft wrap after the last space that
    /// fits, or at a character boundary in a long word; hard breaks at "\n"), with each row's range
    /// into `characters` and the cursor's (row, column).
    public func layout(width: Int) -> (rows: [Range<Int>], cursorRow: Int, cursorColumn: Int) {
        let width = max(2, width)
        var rows: [Range<Int>] = []
        var start = 0, column = 0, lastBreak: Int? = nil
        var i = 0
        while i < characters.count {
            let c = characters[i]
            if c == "\n" {
                rows.append(start..<i)
                start = i + 1; column = 0; lastBreak = nil; i += 1
                continue
            }
            let w = DisplayWidth.of(c)
            if column + w > width && i > start {
                let cut = (lastBreak.map { $0 > start ? $0 : i }) ?? i
                rows.append(start..<cut)
                start = cut; lastBreak = nil
                column = DisplayWidth.of(String(characters[start..<i]))
                continue
            }
            column += w
            i += 1
            if c == " " { lastBreak = i }
        }
        rows.append(start..<characters.count)
        // The cursor's row: the last row starting at or before it (a cursor at a soft wrap goes down).
        var cursorRow = 0
        for (r, range) in rows.enumerated() where range.lowerBound <= cursor {
            if r > 0 && range.lowerBound == cursor && rows[r - 1].upperBound == cursor && cursor > 0 && characters[cursor - 1] == "\n" {
                cursorRow = r
            } else if range.lowerBound <= cursor { cursorRow = r }
        }
        let range = rows[cursorRow]
        let cursorColumn = DisplayWidth.of(String(characters[range.lowerBound..<min(cursor, range.upperBound)]))
        return (rows, cursorRow, min(cursorColumn, width - 1))
    }
}
