// The only code that calls ncurses: start-up (locale, raw mode, keypad, short Esc delay, colours),
// colour mode detection, key decoding, flushing a `CellBuffer` in one pass, and restoring the
// terminal on every way out (normal exit, atexit, SIGTERM/SIGHUP/SIGINT via a flag the event loop
// polls, crash signals via an async-signal-safe emergency restore). ncurses keeps its own SIGWINCH
// handler and reports resizes as KEY_RESIZE.
//
// Colour modes and their checks: /work/shared/PLATFORM.md ">256 colours - three modes".
import CNcursesw
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Process-wide state the signal handlers may touch (plain C-layout globals only).
nonisolated(unsafe) private var savedTermios = termios()
nonisolated(unsafe) private var haveSavedTermios = false
nonisolated(unsafe) private var terminalActive: sig_atomic_t = 0
nonisolated(unsafe) private var pendingSignalNumber: sig_atomic_t = 0

/// Writes the reset sequences and restores the saved tty modes; async-signal-safe (write and
/// tcsetattr only).
private func emergencyRestore() {
    guard terminalActive != 0 else { return }
    terminalActive = 0
    let reset = "\u{1b}[?2004l\u{1b}[0m\u{1b}[?25h\u{1b}[?1049l\r\n"
    reset.utf8CString.withUnsafeBufferPointer { p in _ = write(1, p.baseAddress, p.count - 1) }
    if haveSavedTermios { tcsetattr(0, TCSANOW, &savedTermios) }
}

public final class Terminal {
    public let colorMode: ColorMode
    /// Whether the locale is UTF-8 (box drawing and half blocks); otherwise ASCII stand-ins.
    public let unicode: Bool
    private var pairCache: [Int64: Int32] = [:]
    /// Pairs allocated since the last reset. alloc_pair recycles the least recently used pair when
    /// the table is full, which would recolour a cell still on screen (PLATFORM.md pitfall 7), so
    /// the table is reset, and the screen repainted, well before that.
    private var allocatedPairs = Set<Int64>()
    /// What the last overlay wrote; ncurses leaves those cells alone while their content is the
    /// same, so an unchanged picture is not written again (a keystroke then costs a few bytes).
    private var lastOverlay: (area: Rect, cells: [Cell])?
    private var active = true

    /// Key codes given to sequences ncurses does not name (define_key).
    private static let customKeys: [(String, Key)] = [
        ("\u{1b}[1;5D", .wordLeft), ("\u{1b}[1;5C", .wordRight), ("\u{1b}[1;3D", .wordLeft), ("\u{1b}[1;3C", .wordRight),
        ("\u{1b}b", .wordLeft), ("\u{1b}f", .wordRight), ("\u{1b}\r", .newline), ("\u{1b}\n", .newline),
        ("\u{1b}[200~", .pasteBegin), ("\u{1b}[201~", .pasteEnd),
    ]
    private static let customBase: Int32 = 0o1000

    /// The colour mode the rule of PLATFORM.md picks: direct when terminfo has 2^24 colours,
    /// overlay when COLORTERM says truecolor, else 256, 16 or none (NO_COLOR forces none).
    public static func detectMode(colors: Int, environment: [String: String]) -> ColorMode {
        if environment["NO_COLOR"].map({ !$0.isEmpty }) ?? false { return .none }
        if colors >= 1 << 24 { return .direct }
        let colorterm = environment["COLORTERM"]?.lowercased() ?? ""
        if (colorterm == "truecolor" || colorterm == "24bit") && colors >= 256 { return .overlay }
        if colors >= 256 { return .palette256 }
        if colors >= 8 { return .ansi16 }
        return .none
    }

    /// Starts curses on the controlling terminal. Throws (with the terminal untouched) when
    /// standard input/output is not a terminal or TERM is unknown.
    public init(colorOverride: ColorMode?) throws {
        guard isatty(0) == 1 && isatty(1) == 1 else { throw ThemeError("the studio needs a terminal (stdin and stdout must be a tty)") }
        setlocale(LC_ALL, "")
        let codeset = String(cString: nl_langinfo(nl_item(CODESET)))
        unicode = codeset.uppercased().replacingOccurrences(of: "-", with: "") == "UTF8"
        if tcgetattr(0, &savedTermios) == 0 { haveSavedTermios = true }
        guard newterm(nil, stdout, stdin) != nil else {
            let term = ProcessInfo.processInfo.environment["TERM"] ?? "(unset)"
            throw ThemeError("ncurses cannot use TERM=\(term); try TERM=xterm-256color (inside tmux: tmux-256color)")
        }
        terminalActive = 1
        atexit { emergencyRestore() }
        for s in [SIGTERM, SIGHUP, SIGINT, SIGQUIT] {
            signal(s) { number in pendingSignalNumber = number }
        }
        for s in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT] {
            signal(s) { number in
                emergencyRestore()
                signal(number, SIG_DFL)
                raise(number)
            }
        }
        raw()
        noecho()
        nonl()
        keypad(sh_stdscr(), true)
        // Never shift line content with insert/delete character or scroll lines: cells are only
        // rewritten in place, which the truecolor overlay relies on.
        idcok(sh_stdscr(), false)
        idlok(sh_stdscr(), false)
        set_escdelay(25)
        var mode = ColorMode.none
        if has_colors() {
            start_color()
            use_default_colors()
            mode = Terminal.detectMode(colors: Int(sh_COLORS()), environment: ProcessInfo.processInfo.environment)
        }
        if let colorOverride {
            mode = colorOverride
            if mode == .direct && sh_COLORS() < 1 << 24 { mode = .overlay }   // direct needs RGB terminfo
            if mode != .none && !has_colors() { mode = .none }
        }
        colorMode = mode
        for (i, entry) in Terminal.customKeys.enumerated() {
            _ = entry.0.withCString { define_key($0, Terminal.customBase + Int32(i)) }
        }
        writeRaw("\u{1b}[?2004h")   // bracketed paste
        curs_set(0)
    }

    deinit { end() }

    /// Restores the terminal (idempotent).
    public func end() {
        guard active else { return }
        active = false
        writeRaw("\u{1b}[?2004l")
        curs_set(1)
        endwin()
        terminalActive = 0
        if haveSavedTermios { tcsetattr(0, TCSANOW, &savedTermios) }
    }

    /// A termination signal received since the last call (SIGTERM, SIGHUP, SIGINT, SIGQUIT), or nil.
    public func takePendingSignal() -> Int32? {
        let s = pendingSignalNumber
        guard s != 0 else { return nil }
        pendingSignalNumber = 0
        return s
    }

    public var size: (width: Int, height: Int) {
        (Int(getmaxx(sh_stdscr())), Int(getmaxy(sh_stdscr())))
    }

    /// The next key, waiting at most `timeoutMilliseconds`; nil when none came.
    public func readKey(timeoutMilliseconds: Int) -> Key? {
        wtimeout(sh_stdscr(), Int32(timeoutMilliseconds))
        var wc: wint_t = 0
        let r = get_wch(&wc)
        if r == ERR { return nil }
        let code = Int32(bitPattern: wc)
        if r == KEY_CODE_YES { return Terminal.decodeKeyCode(code) }
        return Terminal.decodeCharacter(code)
    }

    static func decodeKeyCode(_ code: Int32) -> Key {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_BTAB: return .backTab
        case KEY_ENTER: return .enter
        case KEY_RESIZE: return .resize
        default:
            if code > sh_KEY_F(0) && code <= sh_KEY_F(24) { return .function(Int(code - sh_KEY_F(0))) }
            let i = Int(code - customBase)
            if i >= 0 && i < customKeys.count { return customKeys[i].1 }
            return .unknown(code)
        }
    }

    static func decodeCharacter(_ code: Int32) -> Key {
        switch code {
        case 13: return .enter
        case 10: return .newline
        case 9: return .tab
        case 27: return .escape
        case 127, 8: return .backspace
        case 1...26: return .control(Character(Unicode.Scalar(UInt8(code) + 96)))
        case 0: return .control("@")
        default:
            guard let scalar = Unicode.Scalar(UInt32(bitPattern: code)) else { return .unknown(code) }
            return .character(Character(scalar))
        }
    }

    /// Clears the screen on the next flush (after a resize).
    public func invalidate() {
        clearok(sh_stdscr(), true)
        lastOverlay = nil
    }

    /// Draws `buffer` and updates the screen once. In overlay mode, cells of `buffer.overlay` with
    /// exact colours are then written again as raw 24-bit SGR sequences.
    public func flush(_ buffer: CellBuffer) {
        pairCache.removeAll(keepingCapacity: true)
        if allocatedPairs.count > Int(sh_COLOR_PAIRS()) * 3 / 4 - buffer.width * buffer.height {
            reset_color_pairs()
            allocatedPairs.removeAll(keepingCapacity: true)
            invalidate()
        }
        var cc = cchar_t()
        var scalars = [wchar_t](repeating: 0, count: 6)
        for y in 0..<buffer.height {
            for x in 0..<buffer.width {
                let cell = buffer[x, y]
                if cell.isContinuation { continue }
                var pair = pairNumber(cell.style)
                var n = 0
                for s in cell.character.unicodeScalars where n < 5 { scalars[n] = wchar_t(bitPattern: s.value); n += 1 }
                scalars[n] = 0
                setcchar(&cc, scalars, attributes(cell.style.attributes), 0, &pair)
                mvadd_wch(Int32(y), Int32(x), &cc)
            }
        }
        if let c = buffer.cursor {
            curs_set(1)
            wmove(sh_stdscr(), Int32(c.y), Int32(c.x))
        } else {
            curs_set(0)
        }
        wnoutrefresh(sh_stdscr())
        doupdate()
        if colorMode == .overlay {
            if let area = buffer.overlay {
                let cells = (max(0, area.y)..<min(buffer.height, area.maxY)).flatMap { y in
                    (max(0, area.x)..<min(buffer.width, area.maxX)).map { buffer[$0, y] }
                }
                if lastOverlay?.area != area || lastOverlay?.cells != cells {
                    writeOverlay(buffer, area: area)
                    lastOverlay = (area, cells)
                }
            } else {
                lastOverlay = nil
            }
        }
    }

    private func writeOverlay(_ buffer: CellBuffer, area: Rect) {
        var out = "\u{1b}7"
        for y in max(0, area.y)..<min(buffer.height, area.maxY) {
            var x = max(0, area.x)
            while x < min(buffer.width, area.maxX) {
                let cell = buffer[x, y]
                guard case .rgb(let f) = cell.style.foreground, case .rgb(let b) = cell.style.background, !cell.isContinuation else {
                    x += 1
                    continue
                }
                out += "\u{1b}[\(y + 1);\(x + 1)H\u{1b}[38;2;\(f.r);\(f.g);\(f.b);48;2;\(b.r);\(b.g);\(b.b)m\(cell.character)"
                x += 1
            }
        }
        out += "\u{1b}[0m\u{1b}8"
        writeRaw(out)
    }

    private func writeRaw(_ text: String) {
        fflush(stdout)
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 { break }
            offset += n
        }
        bytes.removeAll()
    }

    private func attributes(_ a: TextAttributes) -> attr_t {
        var v = sh_A_NORMAL()
        if a.contains(.bold) { v |= sh_A_BOLD() }
        if a.contains(.reverse) { v |= sh_A_REVERSE() }
        if a.contains(.underline) { v |= sh_A_UNDERLINE() }
        if a.contains(.dim) { v |= sh_A_DIM() }
        return v
    }

    private func pairNumber(_ style: Style) -> Int32 {
        guard colorMode != .none else { return 0 }
        let fg = colorNumber(style.foreground), bg = colorNumber(style.background)
        if fg == -1 && bg == -1 { return 0 }
        let key = Int64(fg) << 32 | Int64(UInt32(bitPattern: bg))
        if let p = pairCache[key] { return p }
        let p = max(0, alloc_pair(fg, bg))
        pairCache[key] = p
        allocatedPairs.insert(key)
        return p
    }

    /// The ncurses colour number of a cell colour in this terminal's mode.
    func colorNumber(_ color: CellColor) -> Int32 {
        switch (color, colorMode) {
        case (.terminalDefault, _): return -1
        case (.ansi(let i), .direct): return i < 8 ? Int32(i) : packed(ColorMapping.ansiPalette[Int(i)])
        case (.ansi(let i), _): return sh_COLORS() >= 16 ? Int32(i) : Int32(i % 8)
        case (.rgb(let c), .direct): return packed(c)
        case (.rgb(let c), .overlay), (.rgb(let c), .palette256): return Int32(ColorMapping.xterm256(c))
        case (.rgb(let c), _): return Int32(ColorMapping.ansi(c, count: min(16, Int(sh_COLORS()))))
        }
    }

    /// Direct-colour number r<<16|g<<8|b; values 0...7 are ANSI colours there, so they move to 8.
    private func packed(_ c: RGB) -> Int32 {
        max(8, Int32(c.r) << 16 | Int32(c.g) << 8 | Int32(c.b))
    }
}
