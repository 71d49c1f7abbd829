// Finding files that SwiftPM copies into a target's resource bundle beside the executable, by path
// rather than `Bundle.module` (which aborts the process when the bundle is missing), and a content
// hash that names a weights file in sidecars.
import Foundation

public enum ShippedResource {
    /// `$environment` if set, else `<exe dir>/Tessera_<target>.resources[/Resources]/<file>` if present.
    public static func path(target: String, file: String, environment: String) -> String? {
        if let env = ProcessInfo.processInfo.environment[environment], !env.isEmpty { return env }
        let exe = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        let bundle = exe.deletingLastPathComponent().appendingPathComponent("Tessera_\(target).resources")
        let candidates = [bundle.appendingPathComponent("Resources/\(file)").path, bundle.appendingPathComponent(file).path]
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// FNV-1a (64-bit) of a file's bytes as 16 hex digits: a stable name for a weights file.
    public static func contentHash(path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw SafeTensorsError("cannot open \(path)") }
        defer { try? handle.close() }
        var hash = FNV1a64()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            chunk.withUnsafeBytes { hash.add($0) }
        }
        return hash.hex
    }

    /// The same hash of bytes already in memory (a file read whole), so it needs no second read.
    public static func contentHash(of bytes: UnsafeRawBufferPointer) -> String {
        var hash = FNV1a64()
        hash.add(bytes)
        return hash.hex
    }
}

/// FNV-1a, 64-bit, fed in pieces.
struct FNV1a64 {
    private var state: UInt64 = 0xcbf2_9ce4_8422_2325
    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        var h = state
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        state = h
    }
    var hex: String { String(state, radix: 16).leftPadded(to: 16) }
}

extension String {
    fileprivate func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
