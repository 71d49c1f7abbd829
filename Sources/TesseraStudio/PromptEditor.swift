// The prompt editor: a multi-line `TextEditor` drawn with soft wrap, unknown words highlighted,
// and the cursor shown when focused.

public final class PromptEditor: Widget {
    public var editor = TextEditor()
    /// Lowercased words the world does not know (from the expansion), drawn with `.unknownWord`.
    public var unknownWords: Set<String> = []
    public var title = "Prompt"
    public var placeholder = "Type a prompt, e.g. red ball bouncing on a meadow"
    public var titleSuffix = ""
    /// Whether Enter-less line breaks (Ctrl-J, Alt-Enter, pasted) are allowed.
    public var allowNewlines = true

    public init() {}

    public var text: String { editor.text }

    public func handle(_ key: Key) -> HandlerResult {
        editor.handle(key, allowNewlines: allowNewlines)
    }

    public func render(into buffer: inout CellBuffer, area: Rect, context: RenderContext, focused: Bool) {
        let inner = Draw.box(&buffer, area, title: title + titleSuffix, focused: focused, context: context)
        guard !inner.isEmpty else { return }
        if editor.characters.isEmpty {
            buffer.put(placeholder, x: inner.x, y: inner.y, style: context.style(.muted), maxX: inner.maxX)
            if focused { buffer.cursor = (inner.x, inner.y) }
            return
        }
        let layout = editor.layout(width: inner.width)
        let top = max(0, layout.cursorRow - inner.height + 1)
        let marks = unknownMarks()
        for (i, range) in layout.rows.enumerated() where i >= top && i - top < inner.height {
            var x = inner.x
            for j in range {
                let c = editor.characters[j]
                let style = marks.contains(j) ? context.style(.unknownWord) : context.style(.text)
                x = buffer.put(String(c), x: x, y: inner.y + i - top, style: style, maxX: inner.maxX)
            }
        }
        if focused { buffer.cursor = (inner.x + layout.cursorColumn, inner.y + layout.cursorRow - top) }
    }

    /// Indices of characters that belong to unknown words.
    private func unknownMarks() -> Set<Int> {
        guard !unknownWords.isEmpty else { return [] }
        var marks = Set<Int>()
        let cs = editor.characters
        var i = 0
        while i < cs.count {
            if cs[i].isLetter {
                var j = i
                while j < cs.count && (cs[j].isLetter || cs[j] == "'") { j += 1 }
                if unknownWords.contains(String(cs[i..<j]).lowercased()) { for k in i..<j { marks.insert(k) } }
                i = j
            } else {
                i += 1
            }
        }
        return marks
    }
}
