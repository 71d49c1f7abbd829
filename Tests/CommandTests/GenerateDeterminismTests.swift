// The determinism contract end to end: two separate `tessera generate` processes with the same
// prompt, settings, seed and weights write byte-identical files (.mp4 included, with its metadata;
// a Dictionary's order differs between processes, which once made the .mp4 headers differ).
import Foundation
import XCTest
import TesseraTestSupport

final class GenerateDeterminismTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var binary: String { packageRoot.appendingPathComponent(".build/release/tessera").path }

    func run(_ arguments: [String]) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: GenerateDeterminismTests.binary)
        p.arguments = arguments
        p.standardOutput = Pipe()
        p.standardError = Pipe()
        guard (try? p.run()) != nil else { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }

    func testTwoProcessesWriteTheSameBytes() throws {
        guard FileManager.default.isExecutableFile(atPath: GenerateDeterminismTests.binary) else {
            throw XCTSkip("no release binary at \(GenerateDeterminismTests.binary); run `swift build -c release` first (make test does)")
        }
        let dir = temporaryFolder("det")
        for ext in ["mp4", "gif"] {
            var files: [Data] = []
            for i in 0..<2 {
                let out = "\(dir)/\(i).\(ext)"
                XCTAssertEqual(run(["generate", "--prompt", "red ball bouncing", "--preview", "--duration", "1", "--seed", "3", "--out", out]), 0)
                files.append(try Data(contentsOf: URL(fileURLWithPath: out)))
            }
            XCTAssertGreaterThan(files[0].count, 1000, ext)
            XCTAssertEqual(files[0], files[1], "\(ext) files of two identical runs differ")
        }
    }
}
