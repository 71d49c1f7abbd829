// Theme files: the shipped ones parse and cover every role; mistakes give one-line errors that
// name the file and line.
import XCTest
import TesseraStudio

final class ThemeTests: XCTestCase {
    static let themesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("themes").path

    func testShippedThemesParseAndCoverEveryRole() throws {
        let names = Theme.available(in: ThemeTests.themesFolder)
        for required in ["default", "dark", "light", "mono"] { XCTAssertTrue(names.contains(required), "themes/\(required).theme") }
        for name in names {
            let path = ThemeTests.themesFolder + "/" + name + ".theme"
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let theme = try Theme.parse(text, name: name, file: name + ".theme")
            let mentioned = Set(text.split(separator: "\n").compactMap { line -> String? in
                let t = line.split(separator: "=").first?.trimmingCharacters(in: .whitespaces) ?? ""
                return t.hasPrefix("#") || t.isEmpty ? nil : t
            })
            XCTAssertEqual(mentioned, Set(Role.allCases.map(\.rawValue)), "\(name) names every role once")
            XCTAssertEqual(theme.name, name)
        }
    }

    func testMonoUsesNoColours() throws {
        let theme = try Theme.load("mono", directory: ThemeTests.themesFolder)
        for role in Role.allCases {
            XCTAssertEqual(theme[role].foreground, .terminalDefault, "\(role)")
            XCTAssertEqual(theme[role].background, .terminalDefault, "\(role)")
        }
    }

    func testDefaultThemeUsesOnlyTerminalAndAnsiColours() throws {
        // Readable on dark and light terminals: no fixed RGB colours that assume a background.
        let theme = try Theme.load("default", directory: ThemeTests.themesFolder)
        for role in Role.allCases {
            for c in [theme[role].foreground, theme[role].background] {
                if case .rgb = c { XCTFail("\(role) uses a fixed RGB colour") }
            }
            if case .ansi = theme[role].background { XCTFail("\(role) sets a background colour") }
        }
    }

    func testStyleSyntax() throws {
        let t = try Theme.parse("accent = #ff8000 on color236 bold underline\nerror = bright-red\n# comment\n\nmuted = grey dim",
                                name: "t", file: "t.theme")
        XCTAssertEqual(t[.accent], Style(foreground: .rgb(RGB(255, 128, 0)), background: .rgb(RGB(48, 48, 48)), attributes: [.bold, .underline]))
        XCTAssertEqual(t[.error].foreground, .ansi(9))
        XCTAssertEqual(t[.muted], Style(foreground: .ansi(8), attributes: [.dim]))
        // Roles left out keep the built-in style.
        XCTAssertEqual(t[.status], Theme.fallback[.status])
    }

    func testErrorsNameFileAndLine() {
        let cases: [(String, String)] = [
            ("text = default\nbogus = red", "bad.theme:2: unknown role 'bogus'"),
            ("text = default\n\naccent = #12345", "bad.theme:3: unknown colour '#12345'"),
            ("accent = red blink", "bad.theme:1: unknown attribute 'blink'"),
            ("accent red", "bad.theme:1: expected 'role = colour"),
            ("accent = red on", "bad.theme:1: missing background colour"),
            ("accent =", "bad.theme:1:"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try Theme.parse(text, name: "bad", file: "bad.theme")) { error in
                let message = (error as? ThemeError)?.message ?? ""
                XCTAssertTrue(message.hasPrefix(expected), "'\(message)' should start with '\(expected)'")
                XCTAssertFalse(message.contains("\n"), "one line")
            }
        }
    }

    func testMissingThemeListsTheAvailableOnes() {
        XCTAssertThrowsError(try Theme.load("nosuch", directory: ThemeTests.themesFolder)) { error in
            XCTAssertTrue("\(error)".contains("dark"), "\(error)")
        }
    }
}
