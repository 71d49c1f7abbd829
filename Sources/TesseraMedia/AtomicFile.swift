// Every output is written under a temporary name in its final folder and renamed into place only
// when complete, so an error (or Ctrl-C) never leaves a half-written file under the real name.
import Foundation

struct AtomicFile {
    let finalPath: String
    /// "<dir>/.<name>.<pid>.<counter>.tmp": hidden, same folder (rename stays atomic), unique per write.
    let temporaryPath: String
    private var committed = false

    init(_ path: String) throws {
        finalPath = path
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw MediaError("cannot write \(path): folder \(folder) does not exist")
        }
        temporaryPath = folder + "/." + url.lastPathComponent + ".\(getpid()).\(AtomicFile.nextCounter()).tmp"
    }

    /// Moves the finished temporary file over the final name.
    mutating func commit() throws {
        if rename(temporaryPath, finalPath) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw MediaError("cannot write \(finalPath): \(reason)")
        }
        committed = true
    }

    /// Removes the temporary file unless it was committed; safe to call more than once.
    func discard() {
        if !committed { unlink(temporaryPath) }
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var counter = 0
    private static func nextCounter() -> Int {
        lock.lock(); defer { lock.unlock() }
        counter += 1
        return counter
    }

    /// Writes `bytes` to `path` through a temporary file.
    static func write(_ bytes: [UInt8], to path: String) throws {
        var file = try AtomicFile(path)
        do {
            try writeAll(bytes, to: file.temporaryPath, label: path)
            try file.commit()
        } catch {
            file.discard()
            throw error
        }
    }

    /// Writes `bytes` to `path`; errors name `label` (the final name), not the temporary one.
    static func writeAll(_ bytes: [UInt8], to path: String, label: String) throws {
        guard let handle = fopen(path, "wb") else {
            throw MediaError("cannot write \(label): \(String(cString: strerror(errno)))")
        }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, handle) }
        let closed = fclose(handle)
        if written != bytes.count || closed != 0 {
            throw MediaError("cannot write \(label): \(String(cString: strerror(errno)))")
        }
    }
}
