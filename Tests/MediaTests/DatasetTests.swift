import XCTest
import Foundation
import TesseraMedia

final class DatasetTests: XCTestCase {
    func testAppendReadAndNumberingContinues() throws {
        let dir = scratchFolder()
        let a = testPattern(width: 32, height: 16, frames: 3), b = testPattern(width: 16, height: 16, frames: 2)
        let writer = try DatasetWriter(directory: dir)
        try writer.append(video: a, detailed: "a disc moves \"right\"\nslowly", short: "disc", source: "world",
                          sceneJSON: #"{"objects":[{"kind":"disc"}],"seed":7}"#)
        try writer.append(video: b, detailed: "b", short: "b", source: "import")
        // A second writer continues the numbering.
        try DatasetWriter(directory: dir).append(video: a, detailed: "c", short: "c", source: "import")

        let reader = try DatasetReader(directory: dir)
        XCTAssertEqual(reader.entries.map(\.clip), ["clips/000000.y4m", "clips/000001.y4m", "clips/000002.y4m"])
        let first = reader.entries[0]
        XCTAssertEqual(first.detailed, "a disc moves \"right\"\nslowly")
        XCTAssertEqual(first.sceneJSON, #"{"objects":[{"kind":"disc"}],"seed":7}"#)
        XCTAssertEqual([first.width, first.height, first.frames, first.fps], [32, 16, 3, 12])
        XCTAssertNil(reader.entries[1].sceneJSON)
        XCTAssertEqual(reader.entries[1].source, "import")
        let clip = try reader.loadClip(first)
        XCTAssertGreaterThanOrEqual(clip.psnr(against: a), 45)
        XCTAssertEqual(leftoverTemporaryFiles(in: dir + "/clips"), [])
        // Every manifest line is one line of JSON.
        let text = try String(contentsOfFile: dir + "/captions.jsonl", encoding: .utf8)
        XCTAssertEqual(text.split(separator: "\n").count, 3)
    }

    func testMalformedLineNamesItsNumber() throws {
        let dir = scratchFolder()
        try DatasetWriter(directory: dir).append(video: testPattern(width: 8, height: 8, frames: 1), detailed: "x", short: "x", source: "world")
        let handle = FileHandle(forWritingAtPath: dir + "/captions.jsonl")!
        handle.seekToEndOfFile()
        handle.write(Data("\n{\"clip\": 3}\n".utf8))
        handle.closeFile()
        XCTAssertThrowsError(try DatasetReader(directory: dir)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("line 3"), text)
            XCTAssertFalse(text.contains("\n"))
        }
        XCTAssertThrowsError(try DatasetWriter(directory: dir))
    }

    func testRejectsNonObjectScene() throws {
        let writer = try DatasetWriter(directory: scratchFolder())
        XCTAssertThrowsError(try writer.append(video: testPattern(width: 8, height: 8, frames: 1), detailed: "x", short: "x",
                                               source: "world", sceneJSON: "[1,2]"))
    }

    func testTwoWritersOnOneFolderNeverShareANumber() throws {
        let dir = scratchFolder()
        let a = try DatasetWriter(directory: dir), b = try DatasetWriter(directory: dir)
        let clip = testPattern(width: 8, height: 8, frames: 1)
        for i in 0..<3 {
            try a.append(video: clip, detailed: "a\(i)", short: "a", source: "world")
            try b.append(video: clip, detailed: "b\(i)", short: "b", source: "world")
        }
        let clips = try DatasetReader(directory: dir).entries.map(\.clip)
        XCTAssertEqual(clips.count, 6)
        XCTAssertEqual(Set(clips).count, 6)
    }

    func testAbandonedTemporaryClipsAreRemoved() throws {
        let dir = scratchFolder()
        try FileManager.default.createDirectory(atPath: dir + "/clips", withIntermediateDirectories: true)
        // pid 999999999 cannot exist; our own pid is alive and must be kept.
        _ = FileManager.default.createFile(atPath: dir + "/clips/.000003.y4m.999999999.1.tmp", contents: Data([1]))
        _ = FileManager.default.createFile(atPath: dir + "/clips/.000004.y4m.\(getpid()).1.tmp", contents: Data([1]))
        let writer = try DatasetWriter(directory: dir)
        XCTAssertEqual(writer.nextIndex, 0)
        XCTAssertEqual(leftoverTemporaryFiles(in: dir + "/clips"), [".000004.y4m.\(getpid()).1.tmp"])
    }
}
