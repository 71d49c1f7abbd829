// A fresh folder for a test's files.
import Foundation
import XCTest

/// A path under the temporary directory, unique to this process and call.
private func scratchPath(_ label: String) -> String {
    NSTemporaryDirectory() + "tessera-\(label)-\(getpid())-\(UUID().uuidString)"
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
