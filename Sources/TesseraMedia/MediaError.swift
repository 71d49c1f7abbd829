// One-line errors for everything that reads or writes media, and the glue that turns libav's
// integer error codes (plus its last logged message) into them.
import CFFmpeg

/// A media failure as one line that names the file and, where it helps, what is accepted.
public struct MediaError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) {
        // Callers may pass libav text; keep the promise of a single line.
        self.message = message.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).joined(separator: " ")
    }
    public var description: String { message }
}

enum LibAV {
    /// Installs the quiet log callback once per process (x264 and the demuxers chat on stderr otherwise).
    static let setUp: Void = {
        sh_install_log_callback()
    }()

    /// libav's description of `code`, with its last logged error when that says more.
    static func describe(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 128)
        let text = String(cString: sh_av_err2str(code, &buffer, buffer.count))
        let logged = String(cString: sh_last_log()).trimmingSpaces()
        if logged.isEmpty || logged == text { return text }
        return "\(text) (\(logged))"
    }

    /// Throws a `MediaError` "<what> <path>: <libav reason>" when `code` is negative.
    @discardableResult
    static func check(_ code: Int32, _ what: String, _ path: String) throws -> Int32 {
        if code < 0 { throw MediaError("\(what) \(path): \(describe(code))") }
        return code
    }

    static func clearLog() { sh_clear_last_log() }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "." { s.removeLast() }
        return String(s)
    }
}
