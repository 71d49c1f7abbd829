// A fresh folder for a test's files.
import Foundation
import XCTest

/// A path under the temporary directory, unique to this process and call.
private func scratchPath(_ label: String) -> String {
    NSTemporaryDirectory() + "tessera-\(label)-\(getpid())-\(UUID().uuidString)"
}

/// A new empty folder at `scratchPath(label)`; the caller removes it
/// (`defer { try? FileManager.default.removeItem(atPath: dir) }`).
public func makeScratchFolder(_ label: String) throws -> String {
    let path = scratchPath(label)
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

extension XCTestCase {
    /// A new empty folder at `scratchPath(label)`, removed when the test ends. A folder that cannot
    /// be made fails the test at its first write there, with the path in the message.
    public func temporaryFolder(_ label: String) -> String {
        let path = scratchPath(label)
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}
