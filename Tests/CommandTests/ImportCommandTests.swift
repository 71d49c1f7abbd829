import XCTest
import TesseraTestSupport
import Foundation
import TesseraCommands
import TesseraMedia

final class ImportCommandTests: XCTestCase {
    private func folder() -> String { temporaryFolder("import") }

    /// A 1920x1080 source (2 s at 24 fps) made by the ffmpeg CLI, plus a small 30 fps one.
    private func makeSources(in dir: String) -> (String, String) {
        let a = dir + "/wide.mp4", b = dir + "/small.webm"
        for (path, spec, codec) in [(a, "testsrc2=size=1920x1080:rate=24:duration=2", "libx264"),
                                    (b, "testsrc=size=320x240:rate=30:duration=1", "libvpx-vp9")] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", spec, "-c:v", codec, "-pix_fmt", "yuv420p",
                           "-preset", "ultrafast", "-deadline", "realtime", "-cpu-used", "8", path]
            try? p.run()
            p.waitUntilExit()
        }
        return (a, b)
    }

    func testImportsClipsIntoADataset() throws {
        let dir = folder()
        let (wide, small) = makeSources(in: dir)
        let out = dir + "/dataset"
        XCTAssertEqual(Tessera.main(["import", wide, small, "--caption", "A test card with moving colours. Synthetic.", "--out", out]), 0)
        XCTAssertEqual(Tessera.main(["import", small, "--caption", "Again", "--short", "again", "--out", out,
                                     "--size", "64x48", "--fps", "10", "--max-seconds", "0.5"]), 0)
        let reader = try DatasetReader(directory: out)
        XCTAssertEqual(reader.entries.count, 3)
        let (e0, e1, e2) = (reader.entries[0], reader.entries[1], reader.entries[2])
        XCTAssertEqual([e0.width, e0.height, e0.frames, e0.fps], [512, 288, 24, 12])   // 16:9 at height 288, 2 s
        XCTAssertEqual([e1.width, e1.height, e1.frames], [384, 288, 12])                // 4:3 at height 288, 1 s
        XCTAssertEqual([e2.width, e2.height, e2.frames, e2.fps], [64, 48, 5, 10])
        XCTAssertEqual(e0.short, "A test card with moving colours")
        XCTAssertEqual(e0.source, "import")
        XCTAssertEqual(e2.clip, "clips/000002.y4m")
        XCTAssertEqual(try reader.loadClip(e1).frameCount, 12)
    }

    func testBadInputFailsBeforeAddingAnything() throws {
        let dir = folder()
        let (_, small) = makeSources(in: dir)
        _ = FileManager.default.createFile(atPath: dir + "/notes.txt", contents: Data("hello\n".utf8))
        let out = dir + "/dataset"
        XCTAssertEqual(Tessera.main(["import", small, dir + "/notes.txt", "--caption", "x", "--out", out]), 1)
        XCTAssertEqual(try DatasetReader(directory: out).entries.count, 0)
        XCTAssertEqual(Tessera.main(["import", small, "--out", out]), 2)               // no caption
        XCTAssertEqual(Tessera.main(["import", small, "--caption", "x", "--out", out, "--size", "12"]), 2)
    }
}
