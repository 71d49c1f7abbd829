// The widget contract (STYLE.md item 13): draw purely into a `CellBuffer`, handle a key and say
// what happened with `HandlerResult` flags. Widgets never call the terminal.

public struct RenderContext: Sendable {
    public var theme: Theme
    public var colorMode: ColorMode
    /// Box drawing and half blocks available (UTF-8 locale).
    public var unicode: Bool
    public init(theme: Theme, colorMode: ColorMode, unicode: Bool) {
        self.theme = theme; self.colorMode = colorMode; self.unicode = unicode
    }
    public func style(_ role: Role) -> Style { theme[role] }
}

public protocol Widget: AnyObject {
    func render(into buffer: inout CellBuffer, area: Rect, context: RenderContext, focused: Bool)
    func handle(_ key: Key) -> HandlerResult
}

public enum Draw {
    /// A box with a title in its top border; returns the interior.
    @discardableResult
    public static func box(_ buffer: inout CellBuffer, _ area: Rect, title: String, focused: Bool, context: RenderContext,
                           fill: Role = .text) -> Rect {
        guard area.width >= 2 && area.height >= 2 else { return Rect(x: area.x, y: area.y, width: 0, height: 0) }
        buffer.fill(area, style: context.style(fill))
        let border = context.style(focused ? .borderFocused : .border)
        let u = context.unicode
        let (h, v, tl, tr, bl, br): (Character, Character, Character, Character, Character, Character) =
            !u ? ("-", "|", "+", "+", "+", "+") : focused ? ("━", "┃", "┏", "┓", "┗", "┛") : ("─", "│", "┌", "┐", "└", "┘")
        for x in area.x..<area.maxX {
            buffer[x, area.y] = Cell(h, style: border)
            buffer[x, area.maxY - 1] = Cell(h, style: border)
        }
        for y in area.y..<area.maxY {
            buffer[area.x, y] = Cell(v, style: border)
            buffer[area.maxX - 1, y] = Cell(v, style: border)
        }
        buffer[area.x, area.y] = Cell(tl, style: border)
        buffer[area.maxX - 1, area.y] = Cell(tr, style: border)
        buffer[area.x, area.maxY - 1] = Cell(bl, style: border)
        buffer[area.maxX - 1, area.maxY - 1] = Cell(br, style: border)
        if !title.isEmpty {
            buffer.put(" " + title + " ", x: area.x + 2, y: area.y, style: context.style(focused ? .accent : .title), maxX: area.maxX - 2)
        }
        return area.inset(1)
    }

    /// Words of `text` wrapped to `width` columns (long words are cut).
    public static func wrap(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in paragraph.split(separator: " ") {
                var w = String(word)
                while DisplayWidth.of(w) > width {
                    if !line.isEmpty { lines.append(line); line = "" }
                    let cut = String(w.prefix(width))
                    lines.append(cut)
                    w = String(w.dropFirst(width))
                }
                if line.isEmpty { line = w }
                else if DisplayWidth.of(line) + 1 + DisplayWidth.of(w) <= width { line += " " + w }
                else { lines.append(line); line = w }
            }
            lines.append(line)
        }
        return lines
    }
}
