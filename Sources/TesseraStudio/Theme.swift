// Themes name a style per role (htop CRT.h style): widgets ask for `.accent` or `.unknownWord`,
// never for a colour. A theme file has one `role = FOREGROUND [on BACKGROUND] [bold] [dim]
// [reverse] [underline]` per line; `#` at the start of a line or followed by a space starts a
// comment (so #rrggbb colours are not comments). Colours: default, the ANSI names (black red
// green yellow blue magenta cyan white, bright-* for 8-15), color0...color255, or #rrggbb.
import Foundation

public enum Role: String, CaseIterable, Sendable {
    case text, muted, title, border, borderFocused, accent, label, value, selection
    case unknownWord, locked, warning, error, success
    case status, statusKey, progressDone, progressTodo
    case overlay, overlayTitle
    case header
    case previewBackground
}

public struct ThemeError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public struct Theme: Equatable, Sendable {
    public let name: String
    public var styles: [Role: Style]

    public subscript(role: Role) -> Style { styles[role] ?? .plain }

    /// Parses theme text; `file` names the source in errors ("dark.theme:12: ...").
    /// Roles the text leaves out keep the built-in default theme's style.
    public static func parse(_ text: String, name: String, file: String) throws -> Theme {
        var styles = Theme.fallback.styles
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = stripComment(String(raw))
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let at = "\(file):\(number + 1)"
            let parts = trimmed.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ThemeError("\(at): expected 'role = colour [on colour] [bold|dim|reverse|underline]', got '\(trimmed)'")
            }
            guard let role = Role(rawValue: parts[0]) else {
                throw ThemeError("\(at): unknown role '\(parts[0])'; roles: \(Role.allCases.map(\.rawValue).joined(separator: " "))")
            }
            styles[role] = try parseStyle(parts[1], at: at)
        }
        return Theme(name: name, styles: styles)
    }

    static func stripComment(_ line: String) -> String {
        let chars = Array(line)
        for (i, c) in chars.enumerated() where c == "#" {
            let atStart = chars[..<i].allSatisfy { $0 == " " || $0 == "\t" }
            if atStart || i + 1 == chars.count || chars[i + 1] == " " { return String(chars[..<i]) }
        }
        return line
    }

    static func parseStyle(_ text: String, at: String) throws -> Style {
        var words = text.split(separator: " ").map { String($0).lowercased() }
        guard !words.isEmpty else { throw ThemeError("\(at): missing colour after '='") }
        var style = Style()
        style.foreground = try parseColor(words.removeFirst(), at: at)
        if words.first == "on" {
            words.removeFirst()
            guard !words.isEmpty else { throw ThemeError("\(at): missing background colour after 'on'") }
            style.background = try parseColor(words.removeFirst(), at: at)
        }
        for word in words {
            switch word {
            case "bold": style.attributes.insert(.bold)
            case "dim": style.attributes.insert(.dim)
            case "reverse": style.attributes.insert(.reverse)
            case "underline": style.attributes.insert(.underline)
            default: throw ThemeError("\(at): unknown attribute '\(word)'; accepted: bold dim reverse underline")
            }
        }
        return style
    }

    static let ansiNames = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    static func parseColor(_ word: String, at: String) throws -> CellColor {
        if word == "default" { return .terminalDefault }
        if let i = ansiNames.firstIndex(of: word) { return .ansi(UInt8(i)) }
        if word.hasPrefix("bright-"), let i = ansiNames.firstIndex(of: String(word.dropFirst(7))) { return .ansi(UInt8(8 + i)) }
        if word == "grey" || word == "gray" { return .ansi(8) }
        if word.hasPrefix("color"), let n = Int(word.dropFirst(5)), (0...255).contains(n) {
            return n < 16 ? .ansi(UInt8(n)) : .rgb(ColorMapping.rgb(ofXterm: n))
        }
        if word.hasPrefix("#"), word.count == 7, let v = UInt32(word.dropFirst(), radix: 16) {
            return .rgb(RGB(UInt8(v >> 16), UInt8((v >> 8) & 255), UInt8(v & 255)))
        }
        throw ThemeError("\(at): unknown colour '\(word)'; use default, an ANSI name (red, bright-blue ...), color0-color255 or #rrggbb")
    }

    /// Loads `name` (a theme name in `directory`, or a path to a .theme file).
    public static func load(_ name: String, directory: String?) throws -> Theme {
        let path: String
        if name.hasSuffix(".theme") || name.contains("/") {
            path = name
        } else if let directory {
            path = directory + "/" + name + ".theme"
        } else {
            if name == "default" { return fallback }
            throw ThemeError("no themes folder found for theme '\(name)' (looked in TESSERA_THEMES, ./themes and beside the binary)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            let known = directory.map { available(in: $0) } ?? []
            throw ThemeError("cannot read theme file \(path)" + (known.isEmpty ? "" : "; themes: \(known.joined(separator: " "))"))
        }
        let base = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return try parse(String(decoding: data, as: UTF8.self), name: base, file: (path as NSString).lastPathComponent)
    }

    /// Theme names (files *.theme) in `directory`, sorted.
    public static func available(in directory: String) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix(".theme") }.map { String($0.dropLast(6)) }.sorted()
    }

    /// The themes folder: $TESSERA_THEMES, ./themes, or themes/ beside or above the binary
    /// (.build/release/tessera -> the package's themes/).
    public static func findDirectory() -> String? {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["TESSERA_THEMES"] { candidates.append(env) }
        candidates.append(FileManager.default.currentDirectoryPath + "/themes")
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(dir.appendingPathComponent("themes").path)
            dir = dir.deletingLastPathComponent()
        }
        return candidates.first { !available(in: $0).isEmpty }
    }

    /// The built-in theme, used when no theme files are found. Only the terminal's default colours,
    /// ANSI colours and attributes, so it reads on dark and light terminals alike.
    public static let fallback: Theme = {
        let s: [Role: Style] = [
            .text: Style(),
            .muted: Style(attributes: [.dim]),
            .title: Style(attributes: [.bold]),
            .border: Style(attributes: [.dim]),
            .borderFocused: Style(foreground: .ansi(4), attributes: [.bold]),
            .accent: Style(foreground: .ansi(4), attributes: [.bold]),
            .label: Style(attributes: [.dim]),
            .value: Style(attributes: [.bold]),
            .selection: Style(attributes: [.reverse]),
            .unknownWord: Style(foreground: .ansi(1), attributes: [.underline, .bold]),
            .locked: Style(foreground: .ansi(5), attributes: [.bold]),
            .warning: Style(foreground: .ansi(3), attributes: [.bold]),
            .error: Style(foreground: .ansi(1), attributes: [.bold]),
            .success: Style(foreground: .ansi(2), attributes: [.bold]),
            .status: Style(attributes: [.reverse]),
            .statusKey: Style(attributes: [.reverse, .bold]),
            .progressDone: Style(foreground: .ansi(4), attributes: [.reverse]),
            .progressTodo: Style(attributes: [.dim]),
            .overlay: Style(attributes: [.reverse]),
            .overlayTitle: Style(attributes: [.reverse, .bold]),
            .header: Style(attributes: [.bold]),
            .previewBackground: Style(),
        ]
        return Theme(name: "default", styles: s)
    }()
}
