// Drives a program in a detached tmux session (STYLE.md item 14): the end-to-end test and
// `tessera bench studio` type keys with `send-keys` and read the screen, colours included, with
// `capture-pane -p -e`. Each driver uses its own server socket (-L) and no config file.
import Foundation

public final class TmuxDriver {
    public let socket: String
    public let target = "studio"
    private var alive = false

    /// Whether tmux can be run here.
    public static var isAvailable: Bool { (try? run(["-V"]).status) == 0 }

    /// Starts `shellCommand` (run by sh) in a new detached session of `width` x `height`.
    public init(width: Int, height: Int, shellCommand: String, socket: String? = nil) throws {
        self.socket = socket ?? "tessera-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let r = try TmuxDriver.run(["-L", self.socket, "-f", "/dev/null", "new-session", "-d", "-x", "\(width)", "-y", "\(height)",
                                    "-s", target, shellCommand])
        guard r.status == 0 else { throw ThemeError("tmux new-session failed: \(r.output)") }
        alive = true
        _ = try? tmux(["set-option", "-t", target, "status", "off"])
    }

    deinit { kill() }

    @discardableResult
    public func tmux(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try TmuxDriver.run(["-L", socket] + arguments)
    }

    /// Sends tmux key names ("Enter", "F5", "Tab", "C-u", "Escape").
    public func send(_ keys: String...) {
        _ = try? tmux(["send-keys", "-t", target] + keys)
    }

    /// Types `text` literally.
    public func type(_ text: String) {
        _ = try? tmux(["send-keys", "-t", target, "-l", text])
    }

    /// The visible screen as text, with SGR colour sequences when `escapes` is true.
    public func capture(escapes: Bool = false) -> String {
        (try? tmux(["capture-pane", "-p", "-t", target] + (escapes ? ["-e"] : [])).output) ?? ""
    }

    public func resize(width: Int, height: Int) {
        _ = try? tmux(["resize-window", "-t", target, "-x", "\(width)", "-y", "\(height)"])
    }

    /// A tmux format value of the pane, e.g. "#{alternate_on}".
    public func format(_ format: String) -> String {
        ((try? tmux(["display-message", "-p", "-t", target, format]).output) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Polls the screen until `predicate` holds; returns the capture, or nil after `timeout` seconds.
    public func wait(timeout: Double, escapes: Bool = false, interval: Double = 0.005, _ predicate: (String) -> Bool) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            let screen = capture(escapes: escapes)
            if predicate(screen) { return screen }
            if interval > 0 { usleep(UInt32(interval * 1e6)) }
        } while Date() < deadline
        return nil
    }

    public func kill() {
        guard alive else { return }
        alive = false
        _ = try? tmux(["kill-server"])
    }

    /// Runs tmux with posix_spawn and waitpid. Foundation's Process is not used: it notices a
    /// child's exit through a socket the child inherits, and the server `new-session` forks keeps
    /// that socket open, so Process would wait forever. Output goes to a file for the same reason.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let path = NSTemporaryDirectory() + "tessera-tmux-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).out"
        defer { unlink(path) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ["tmux"] + arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "TMUX")   // works from inside tmux too
        let envStrings = env.map { "\($0.key)=\($0.value)" }
        var cArgs = argv.map { strdup($0) } + [nil]
        var cEnv = envStrings.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }
        var pid: pid_t = 0
        let r = posix_spawnp(&pid, "tmux", &actions, nil, &cArgs, &cEnv)
        guard r == 0 else { throw ThemeError("cannot run tmux: \(String(cString: strerror(r)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let data = FileManager.default.contents(atPath: path) ?? Data()
        let exited = (status & 0x7f) == 0
        return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), String(decoding: data, as: UTF8.self))
    }
}

/// A screen captured with `capture-pane -p -e`, decoded into characters with their colours.
public struct ScreenCapture {
    public struct CapturedCell: Equatable {
        public var character: Character
        /// Resolved colours (nil = the terminal default).
        public var foreground: RGB?
        public var background: RGB?
    }

    public var rows: [[CapturedCell]]

    /// Decodes SGR sequences: 30-37/90-97/40-47/100-107, 38;5;n / 48;5;n, 38;2;r;g;b / 48;2;r;g;b,
    /// 39/49 and 0. Other sequences are skipped.
    public init(_ text: String) {
        rows = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var row: [CapturedCell] = []
            var fg: RGB?, bg: RGB?
            let scalars = Array(line.unicodeScalars)
            var i = 0
            while i < scalars.count {
                let s = scalars[i]
                if s == "\u{1b}" && i + 1 < scalars.count && scalars[i + 1] == "[" {
                    var j = i + 2
                    var body = ""
                    while j < scalars.count && !(0x40...0x7e).contains(scalars[j].value) { body.unicodeScalars.append(scalars[j]); j += 1 }
                    if j < scalars.count && scalars[j] == "m" { ScreenCapture.apply(body, &fg, &bg) }
                    i = j + 1
                    continue
                }
                if DisplayWidth.of(s) > 0 {
                    row.append(CapturedCell(character: Character(s), foreground: fg, background: bg))
                    if DisplayWidth.of(s) == 2 { row.append(CapturedCell(character: Cell.continuationCharacter, foreground: fg, background: bg)) }
                }
                i += 1
            }
            rows.append(row)
        }
    }

    static func apply(_ body: String, _ fg: inout RGB?, _ bg: inout RGB?) {
        let codes = body.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
        var k = 0
        while k < codes.count {
            let c = codes[k]
            switch c {
            case 0: fg = nil; bg = nil
            case 30...37: fg = ColorMapping.ansiPalette[c - 30]
            case 90...97: fg = ColorMapping.ansiPalette[c - 90 + 8]
            case 40...47: bg = ColorMapping.ansiPalette[c - 40]
            case 100...107: bg = ColorMapping.ansiPalette[c - 100 + 8]
            case 39: fg = nil
            case 49: bg = nil
            case 38, 48:
                var value: RGB?
                if k + 2 < codes.count && codes[k + 1] == 5 {
                    value = ColorMapping.rgb(ofXterm: codes[k + 2]); k += 2
                } else if k + 4 < codes.count && codes[k + 1] == 2 {
                    value = RGB(UInt8(clamping: codes[k + 2]), UInt8(clamping: codes[k + 3]), UInt8(clamping: codes[k + 4])); k += 4
                }
                if c == 38 { fg = value } else { bg = value }
            default: break
            }
            k += 1
        }
    }

    /// The colours shown by half-block cells ('▀': foreground on top, background below).
    public var halfBlockColours: [RGB] {
        rows.flatMap { $0 }.filter { $0.character == "▀" }.flatMap { [$0.foreground, $0.background].compactMap { $0 } }
    }
}
