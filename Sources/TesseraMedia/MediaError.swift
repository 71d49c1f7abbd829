// One-line errors for everything that reads or writes media, and the glue that turns libav's
// integer error codes (plus its last logged message) into them.
import CFFmpeg
import Foundation

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
    /// Silences libav's stderr logging (x264 and the demuxers chat otherwise) and keeps the last
    /// error-level message for our one-line errors. Runs once per process.
    static let setUp: Void = {
        av_log_set_level(AV_LOG_ERROR)
        av_log_set_callback { _, level, format, arguments in
            guard level <= AV_LOG_ERROR, let format, let arguments else { return }
            var buffer = [CChar](repeating: 0, count: 256)
            vsnprintf(&buffer, buffer.count, format, arguments)
            let line = String(cString: buffer).split(whereSeparator: { $0 == "\n" || $0 == "\r" }).first.map(String.init) ?? ""
            LibAV.lastMessage.withLock { $0 = line }
        }
    }()

    /// Written from libav's threads (decoders log from workers), read when building an error.
    static let lastMessage = Locked("")

    static func clearLog() { lastMessage.withLock { $0 = "" } }

    /// libav's description of `code`, with its last logged error when that says more.
    static func describe(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 128)
        let text = String(cString: sh_av_err2str(code, &buffer, buffer.count))
        let logged = lastMessage.withLock { $0 }.trimmingSpaces()
        if logged.isEmpty || logged == text { return text }
        return "\(text) (\(logged))"
    }

    /// Throws a `MediaError` "<what> <path>: <libav reason>" when `code` is negative.
    @discardableResult
    static func check(_ code: Int32, _ what: String, _ path: String) throws -> Int32 {
        if code < 0 { throw MediaError("\(what) \(path): \(describe(code))") }
        return code
    }
}

/// A value behind a mutex.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock(); defer { lock.unlock() }
        return body(&value)
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "." { s.removeLast() }
        return String(s)
    }
}
