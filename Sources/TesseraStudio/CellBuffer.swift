// The pure render target of the studio: a grid of cells (character, colours, attributes) that the
// widgets draw into and that `Terminal` flushes to the screen in one pass (STYLE.md item 13).
// Nothing here calls ncurses, so every widget can be tested by reading cells back.

/// A screen position or size in cells.
public struct Rect: Equatable, Sendable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x; self.y = y; self.width = max(0, width); self.height = max(0, height)
    }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width <= 0 || height <= 0 }
    /// The rectangle shrunk by `n` cells on every side (a box's interior).
    public func inset(_ n: Int) -> Rect { Rect(x: x + n, y: y + n, width: width - 2 * n, height: height - 2 * n) }
}

/// An 8-bit sRGB colour.
public struct RGB: Hashable, Sendable, CustomStringConvertible {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
    public var description: String { "#" + [r, g, b].map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined() }
}

/// A cell colour before it is mapped to what the terminal can show (see `ColorMapping`).
public enum CellColor: Hashable, Sendable {
    /// The terminal's own foreground or background (readable on dark and light terminals).
    case terminalDefault
    /// One of the 16 ANSI colours (0-7 normal, 8-15 bright); the terminal's palette decides the shade.
    case ansi(UInt8)
    /// An exact colour, shown as is in truecolor and mapped to the nearest palette entry otherwise.
    case rgb(RGB)
}

/// Text attributes, combined as a set.
public struct TextAttributes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = TextAttributes(rawValue: 1)
    public static let reverse = TextAttributes(rawValue: 2)
    public static let underline = TextAttributes(rawValue: 4)
    public static let dim = TextAttributes(rawValue: 8)
}

/// Foreground, background and attributes: what a theme gives each role.
public struct Style: Hashable, Sendable {
    public var foreground: CellColor
    public var background: CellColor
    public var attributes: TextAttributes
    public init(foreground: CellColor = .terminalDefault, background: CellColor = .terminalDefault, attributes: TextAttributes = []) {
        self.foreground = foreground; self.background = background; self.attributes = attributes
    }
    public static let plain = Style()
}

public struct Cell: Hashable, Sendable {
    /// What the cell shows; a wide character's second column holds `Cell.continuation`.
    public var character: Character
    public var style: Style
    public init(_ character: Character = " ", style: Style = .plain) {
        self.character = character; self.style = style
    }
    /// Marks the right half of a two-column character; the flush skips it.
    public static let continuationCharacter: Character = "\u{0}"
    public var isContinuation: Bool { character == Cell.continuationCharacter }
}

public struct CellBuffer: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Where the terminal cursor goes after the flush; nil hides it.
    public var cursor: (x: Int, y: Int)? {
        get { cursorX.map { ($0, cursorY) } }
        set { cursorX = newValue?.x; cursorY = newValue?.y ?? 0 }
    }
    /// The area (the preview picture) that terminals in overlay mode redraw with exact colours.
    public var overlay: Rect?
    private var cursorX: Int?
    private var cursorY = 0

    public init(width: Int, height: Int, fill: Style = .plain) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: Cell(" ", style: fill), count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { if x >= 0 && y >= 0 && x < width && y < height { cells[y * width + x] = newValue } }
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public mutating func fill(_ area: Rect, style: Style, character: Character = " ") {
        let x0 = max(0, area.x), x1 = min(width, area.maxX), y0 = max(0, area.y), y1 = min(height, area.maxY)
        guard x0 < x1 && y0 < y1 else { return }
        for y in y0..<y1 { for x in x0..<x1 { cells[y * width + x] = Cell(character, style: style) } }
    }

    /// Writes `text` from (x, y), clipped to `maxX` (exclusive; default: the buffer's width).
    /// Returns the column after the last character written. Wide characters take two columns and
    /// are not split at the clip edge.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style, maxX: Int? = nil) -> Int {
        let limit = min(maxX ?? width, width)
        guard y >= 0 && y < height else { return x }
        var column = x
        for character in text {
            if character == "\n" { break }
            let w = DisplayWidth.of(character)
            if w == 0 { continue }
            if column + w > limit { break }
            if column >= 0 {
                cells[y * width + column] = Cell(character, style: style)
                if w == 2 { cells[y * width + column + 1] = Cell(Cell.continuationCharacter, style: style) }
            }
            column += w
        }
        return column
    }

    /// The text of row `y`, continuation cells removed (for tests and snapshots).
    public func text(row y: Int) -> String {
        String(cells[(y * width)..<((y + 1) * width)].filter { !$0.isContinuation }.map(\.character))
    }

    public static func == (a: CellBuffer, b: CellBuffer) -> Bool {
        a.width == b.width && a.height == b.height && a.cells == b.cells && a.cursorX == b.cursorX && a.cursorY == b.cursorY
    }
}

/// Terminal column widths of characters, without the C library's locale-dependent wcwidth, so the
/// layout is the same in tests and on screen (East Asian wide and emoji ranges are two columns,
/// combining marks and controls none).
public enum DisplayWidth {
    public static func of(_ character: Character) -> Int {
        guard let scalar = character.unicodeScalars.first else { return 0 }
        return of(scalar)
    }

    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v == 0 || v < 32 || (0x7f..<0xa0).contains(v) { return 0 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if (0x1100...0x115f).contains(v) || (0x2e80...0x303e).contains(v) || (0x3041...0x33ff).contains(v)
            || (0x3400...0x4dbf).contains(v) || (0x4e00...0x9fff).contains(v) || (0xa000...0xa4cf).contains(v)
            || (0xac00...0xd7a3).contains(v) || (0xf900...0xfaff).contains(v) || (0xfe30...0xfe4f).contains(v)
            || (0xff00...0xff60).contains(v) || (0xffe0...0xffe6).contains(v) || (0x1f300...0x1f64f).contains(v)
            || (0x1f900...0x1f9ff).contains(v) || (0x20000...0x3fffd).contains(v) {
            return 2
        }
        return 1
    }

    public static func of(_ text: String) -> Int { text.reduce(0) { $0 + of($1) } }
}

