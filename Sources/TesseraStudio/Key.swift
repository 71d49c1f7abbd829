// Keys as the widgets see them, decoded from ncurses by `Terminal` (or built directly in tests).

public enum Key: Hashable, Sendable {
    case character(Character)
    /// Ctrl plus a letter, lowercase: `.control("a")` is Ctrl-A.
    case control(Character)
    case enter
    /// Ctrl-J or Alt-Enter: a line break in the prompt editors (Enter previews).
    case newline
    case tab, backTab, backspace, delete, escape
    case up, down, left, right, home, end, pageUp, pageDown
    case wordLeft, wordRight
    case function(Int)
    case resize
    case pasteBegin, pasteEnd
    case unknown(Int32)
}

/// What a widget did with a key (htop Panel.h HandlerResult): flags the event loop acts on.
public struct HandlerResult: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// The key was used; do not offer it to anyone else.
    public static let handled = HandlerResult(rawValue: 1)
    /// The screen needs drawing again.
    public static let redraw = HandlerResult(rawValue: 2)
    /// The widget's content changed (the app recomputes what depends on it).
    public static let changed = HandlerResult(rawValue: 4)
    /// The widget asks to be closed (overlays).
    public static let close = HandlerResult(rawValue: 8)
    public static let ignored: HandlerResult = []
}
