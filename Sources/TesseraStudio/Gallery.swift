// The gallery (F2): renders in the output folder, newest first. Enter opens one and replays it,
// `r` renders it again with the same settings, `t` loads its prompt and settings for tweaking.

public final class Gallery: Widget {
    public enum Action: Equatable { case open(RenderRecord), rerender(RenderRecord), tweak(RenderRecord) }

    public var records: [RenderRecord] = []
    public var folder = ""
    public private(set) var selected = 0
    /// What the last key asked the app to do (read and cleared by the app).
    public var action: Action?

    public init() {}

    public func reload() {
        records = RenderOutput.list(folder: folder)
        selected = min(selected, max(0, records.count - 1))
    }

    public func handle(_ key: Key) -> HandlerResult {
        switch key {
        case .escape, .function(2), .control("g"), .character("q"): return [.handled, .redraw, .close]
        case .up: selected = max(0, selected - 1)
        case .down: selected = min(max(0, records.count - 1), selected + 1)
        case .home: selected = 0
        case .end: selected = max(0, records.count - 1)
        case .enter, .character("o"):
            if records.indices.contains(selected) { action = .open(records[selected]); return [.handled, .redraw, .close] }
        case .character("r"):
            if records.indices.contains(selected) { action = .rerender(records[selected]); return [.handled, .redraw, .close] }
        case .character("t"):
            if records.indices.contains(selected) { action = .tweak(records[selected]); return [.handled, .redraw, .close] }
        default: break
        }
        return [.handled, .redraw]
    }

    public func render(into buffer: inout CellBuffer, area: Rect, context: RenderContext, focused: Bool) {
        let box = Rect(x: area.x + 2, y: area.y + 1, width: area.width - 4, height: area.height - 2)
        let inner = Draw.box(&buffer, box, title: "Gallery: \(folder) (Enter open · r re-render · t tweak · Esc close)",
                             focused: true, context: context, fill: .overlay)
        guard !inner.isEmpty else { return }
        if records.isEmpty {
            buffer.put("No renders yet in \(folder). Press F6 to render the current prompt.", x: inner.x + 1, y: inner.y,
                       style: context.style(.overlay), maxX: inner.maxX)
            return
        }
        let top = max(0, selected - inner.height + 1)
        for (i, r) in records.enumerated() where i >= top && i - top < inner.height {
            let line = "\(r.created.prefix(19).replacingOccurrences(of: "T", with: " "))  \(r.width)x\(r.height) \(r.frames)f  seed \(r.seed)  \(r.prompt.replacingOccurrences(of: "\n", with: " "))"
            let style = i == selected ? context.style(.selection) : context.style(.overlay)
            buffer.fill(Rect(x: inner.x, y: inner.y + i - top, width: inner.width, height: 1), style: style)
            buffer.put(" " + line, x: inner.x, y: inner.y + i - top, style: style, maxX: inner.maxX)
        }
    }
}
