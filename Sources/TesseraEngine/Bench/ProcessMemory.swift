// Peak resident memory of this process, from /proc/self/status (VmHWM).
import Foundation

public enum ProcessMemory {
    /// Peak resident set size in bytes, or 0 where /proc is unavailable.
    public static func peakResidentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let digits = line.split(separator: " ").compactMap { Int($0) }
            if let kb = digits.first { return kb * 1024 }
        }
        return 0
    }

    /// Resets the peak counter (Linux >= 4.0: write 5 to /proc/self/clear_refs), so a later
    /// reading measures only what follows. Returns false where that is not possible.
    @discardableResult
    public static func resetPeak() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do { try handle.write(contentsOf: Data("5".utf8)); return true } catch { return false }
    }
}
