// A fresh folder for a test's files.
import Foundation

/// A new empty folder under the temporary directory, unique to this process and call; the caller
/// removes it (`defer { try? FileManager.default.removeItem(atPath: dir) }`).
public func makeScratchFolder(_ label: String) throws -> String {
    let path = NSTemporaryDirectory() + "tessera-\(label)-\(getpid())-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
