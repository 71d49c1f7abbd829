// The help overlay (F1): every key, grouped by where it works.

public final class HelpOverlay: Widget {
    public static let lines: [String] = [
        "Anywhere",
        "  Enter        preview (Alt-Enter / Ctrl-J: new line in the prompt)",
        "  F5           preview        F6 / Ctrl-R   render the final video",
        "  Esc          cancel the running preview or render; close overlays",
        "  Tab/S-Tab    move focus: prompt, expanded prompt, settings, preview",
        "  F2 / Ctrl-G  gallery of renders   F3 / Ctrl-T  next theme",
        "  Ctrl-L       lock / unlock the expanded prompt",
        "  F1           this help          F10 / Ctrl-Q / Ctrl-C  quit",
        "Prompt editors",
        "  ←→ ↑↓ Home End, Ctrl-A/E line start/end, Ctrl-K/U kill to end/start,",
        "  Ctrl-W delete word, Ctrl-Y paste killed text, Ctrl-←/→ or Alt-B/F words,",
        "  ↑/↓ on the first/last line: prompt history; pasting keeps line breaks",
        "Settings",
        "  ↑↓ pick, ←→ change, Enter or digits: type an aspect W:H or a seed,",
        "  r re-roll the seed, l lock it (unlocked: a new seed for each preview)",
        "Preview",
        "  Space pause/play, ←→ step frames, Home/End first/last frame",
        "Gallery",
        "  ↑↓ pick, Enter open and replay, r re-render, t tweak (load into editor)",
        "",
        "Generator: until a trained model ships, videos come from the reference",
        "world renderer (the procedural ground truth), labelled as such in sidecars.",
    ]

    public init() {}

    public func handle(_ key: Key) -> HandlerResult {
        switch key {
        case .escape, .function(1), .character("q"), .enter: return [.handled, .redraw, .close]
        default: return .handled
        }
    }

    public func render(into buffer: inout CellBuffer, area: Rect, context: RenderContext, focused: Bool) {
        let width = min(area.width - 2, (HelpOverlay.lines.map { DisplayWidth.of($0) }.max() ?? 40) + 4)
        let height = min(area.height - 2, HelpOverlay.lines.count + 3)
        let box = Rect(x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width: width, height: height)
        let inner = Draw.box(&buffer, box, title: "Help (Esc closes)", focused: true, context: context, fill: .overlay)
        for (i, line) in HelpOverlay.lines.enumerated() where i < inner.height {
            let role: Role = line.hasPrefix(" ") || line.isEmpty ? .overlay : .overlayTitle
            buffer.put(line, x: inner.x + 1, y: inner.y + i, style: context.style(role), maxX: inner.maxX)
        }
    }
}
