// The expanded prompt: the detailed caption the generator is conditioned on. It follows the prompt
// as you type; editing it locks it (the edited text is used as is) and Ctrl-L toggles the lock.
// Below the caption: unknown words with the nearest known word, and the expander's notes.
import TesseraWorld

public final class ExpandedPromptView: Widget {
    public var editor = TextEditor()
    public private(set) var locked = false
    public var unknownWords: [UnknownWord] = []
    public var notes: [String] = []
    /// Set when the caption's text no longer parses (shown instead of notes).
    public var problem: String?

    public init() {}

    public var caption: String { editor.text }

    /// Replaces the caption with a fresh expansion (ignored while locked).
    public func update(caption: String) {
        guard !locked else { return }
        editor.setText(caption)
    }

    public func setLocked(_ value: Bool) { locked = value }

    public func handle(_ key: Key) -> HandlerResult {
        if key == .control("l") {
            locked.toggle()
            return [.handled, .redraw, .changed]
        }
        let result = editor.handle(key, allowNewlines: false)
        if result.contains(.changed) { locked = true }
        return result
    }

    public func render(into buffer: inout CellBuffer, area: Rect, context: RenderContext, focused: Bool) {
        let title = locked ? "Expanded prompt [locked: edited, Ctrl-L unlocks]" : "Expanded prompt (follows the prompt)"
        let inner = Draw.box(&buffer, area, title: title, focused: focused, context: context)
        guard !inner.isEmpty else { return }
        let layout = editor.layout(width: inner.width)
        var extra: [(String, Role)] = unknownWords.map { ("unknown '\($0.word)': nearest known word '\($0.suggestion)'", .unknownWord) }
        if let problem { extra.append((problem, .error)) }
        extra += notes.map { ("note: " + $0, .muted) }
        let extraLines = extra.flatMap { item in Draw.wrap(item.0, width: inner.width).map { ($0, item.1) } }
        let captionRows = max(1, min(layout.rows.count, inner.height - min(extraLines.count, inner.height / 2)))
        let top = max(0, layout.cursorRow - captionRows + 1)
        for (i, range) in layout.rows.enumerated() where i >= top && i - top < captionRows {
            buffer.put(String(editor.characters[range]), x: inner.x, y: inner.y + i - top,
                       style: context.style(locked ? .locked : .text), maxX: inner.maxX)
        }
        var y = inner.y + captionRows
        for (line, role) in extraLines where y < inner.maxY {
            buffer.put(line, x: inner.x, y: y, style: context.style(role), maxX: inner.maxX)
            y += 1
        }
        if focused { buffer.cursor = (inner.x + layout.cursorColumn, inner.y + layout.cursorRow - top) }
    }
}
