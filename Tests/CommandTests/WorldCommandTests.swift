import XCTest
import TesseraTestSupport
import Foundation
import TesseraCommands
import TesseraMedia

final class WorldCommandTests: XCTestCase {
    private func folder() -> String { temporaryFolder("world") }

    func testExpand() {
        XCTAssertEqual(Tessera.main(["expand", "red bal bouncing at sunset", "--seed", "3"]), 0)
        XCTAssertEqual(Tessera.main(["expand", "a", "blue", "ring", "--json"]), 0)
        XCTAssertEqual(Tessera.main(["expand"]), 2)
        XCTAssertEqual(Tessera.main(["expand", String(repeating: "ball ", count: 1000)]), 2)
        XCTAssertEqual(Tessera.main(["expand", "ball", "--seed", "-1"]), 2)
    }

    func testRenderSizesAspectsAndDurations() throws {
        let dir = folder()
        XCTAssertEqual(Tessera.main(["world", "render", "--prompt", "green square sliding left", "--out", dir + "/a.y4m"]), 0)
        var info = try MediaReader.probe(dir + "/a.y4m")
        XCTAssertEqual([info.width, info.height, info.frameCount], [512, 288, 49])
        for (aspect, size) in [("9:16", [288, 512]), ("1:1", [384, 384]), ("4:3", [448, 336]), ("21:9", [592, 256]), ("2:1", [544, 272])] {
            XCTAssertEqual(Tessera.main(["world", "render", "--prompt", "star", "--aspect", aspect, "--duration", "1",
                                         "--out", dir + "/b.y4m"]), 0)
            info = try MediaReader.probe(dir + "/b.y4m")
            XCTAssertEqual([info.width, info.height, info.frameCount], size + [13], aspect)
        }
        XCTAssertEqual(Tessera.main(["world", "render", "--prompt", "ring", "--size", "100x60", "--duration", "0",
                                     "--out", dir + "/c.png"]), 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/c.png"))
        XCTAssertEqual(Tessera.main(["world", "render", "--prompt", "ring", "--duration", "0.5", "--out", dir + "/d.mp4"]), 0)
        XCTAssertEqual(try MediaReader.probe(dir + "/d.mp4").frameCount, 7)
        // Same prompt and seed: same bytes.
        XCTAssertEqual(Tessera.main(["world", "render", "--prompt", "green square sliding left", "--out", dir + "/e.y4m"]), 0)
        XCTAssertEqual(FileManager.default.contents(atPath: dir + "/a.y4m"), FileManager.default.contents(atPath: dir + "/e.y4m"))
    }

    func testRenderRejectsBadInputWithUsageErrors() {
        let out = folder() + "/x.mp4"
        for args in [["--prompt", "x"], ["--out", out], ["--prompt", "x", "--out", out, "--aspect", "0:3"],
                     ["--prompt", "x", "--out", out, "--aspect", "wide"], ["--prompt", "x", "--out", out, "--size", "1x1", "--aspect", "1:1"],
                     ["--prompt", "x", "--out", out, "--duration", "-1"], ["--prompt", "x", "--out", out, "--fps", "0"],
                     ["--prompt", "x", "--out", out, "extra"]] {
            XCTAssertEqual(Tessera.main(["world", "render"] + args), 2, "\(args)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        XCTAssertEqual(Tessera.main(["world", "render", "--prompt", "x", "--out", folder() + "/x.avi"]), 1)
    }

    func testSampleWritesADatasetAndAppendsNewScenes() throws {
        let out = folder() + "/data"
        XCTAssertEqual(Tessera.main(["world", "sample", "--count", "3", "--out", out, "--size", "64x48", "--duration", "1"]), 0)
        XCTAssertEqual(Tessera.main(["world", "sample", "--count", "2", "--out", out, "--size", "64x48", "--duration", "0"]), 0)
        let entries = try DatasetReader(directory: out).entries
        XCTAssertEqual(entries.count, 5)
        XCTAssertEqual(entries.map(\.frames), [13, 13, 13, 1, 1])
        XCTAssertEqual(Set(entries.map(\.source)), ["world"])
        XCTAssertEqual(Set(entries.map(\.detailed)).count, 5)
        for e in entries {
            XCTAssertTrue(e.detailed.hasPrefix("A ") && e.detailed.hasSuffix("."), e.detailed)
            XCTAssertFalse(e.short.isEmpty)
            XCTAssertTrue(e.sceneJSON?.contains("\"background\"") ?? false)
        }
        XCTAssertEqual(Tessera.main(["world", "sample", "--out", out]), 2)
        XCTAssertEqual(Tessera.main(["world", "sample", "--count", "0", "--out", out]), 2)
    }
}
