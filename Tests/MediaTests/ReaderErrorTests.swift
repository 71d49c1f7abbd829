import XCTest
import Foundation
import TesseraMedia

/// Bad input must give one-line `MediaError`s naming the file, never a crash or a hang.
final class ReaderErrorTests: XCTestCase {
    private func assertOneLineError(_ path: String, mentions: String? = nil, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try MediaReader.read(path, fps: 12), path, file: file, line: line) { error in
            guard let e = error as? MediaError else { return XCTFail("not a MediaError: \(error)", file: file, line: line) }
            XCTAssertFalse(e.message.contains("\n"), e.message, file: file, line: line)
            XCTAssertTrue(e.message.contains(path), e.message, file: file, line: line)
            if let m = mentions { XCTAssertTrue(e.message.contains(m), e.message, file: file, line: line) }
            print("error for \((path as NSString).lastPathComponent): \(e.message)")
        }
    }

    func testMissingEmptyTextAndAudioOnly() throws {
        let dir = scratchFolder()
        assertOneLineError(dir + "/missing.mp4", mentions: "no such file")
        _ = FileManager.default.createFile(atPath: dir + "/empty.mp4", contents: Data())
        assertOneLineError(dir + "/empty.mp4", mentions: "empty")
        let prose = String(repeating: "This is a plain text file, not a video at all.\n", count: 40)
        _ = FileManager.default.createFile(atPath: dir + "/notes.txt", contents: Data(prose.utf8))
        assertOneLineError(dir + "/notes.txt")
        _ = FileManager.default.createFile(atPath: dir + "/notes.mp4", contents: Data(prose.utf8))
        assertOneLineError(dir + "/notes.mp4")
        XCTAssertEqual(runTool("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1", dir + "/tone.m4a"]).status, 0)
        assertOneLineError(dir + "/tone.m4a", mentions: "no video stream")
        XCTAssertThrowsError(try MediaReader.probe(dir + "/tone.m4a"))
        assertOneLineError(dir, mentions: "folder")
    }

    func testTruncatedAndCorruptedFiles() throws {
        let dir = scratchFolder()
        let clip = testPattern(width: 96, height: 64, frames: 12)
        try MediaWriter.write(clip, to: dir + "/good.mp4")
        try MediaWriter.write(clip, to: dir + "/good.y4m")
        try MediaWriter.write(clip, to: dir + "/good.gif")
        for name in ["good.mp4", "good.y4m", "good.gif"] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))
            let ext = (name as NSString).pathExtension
            // Cut in the middle of the data.
            _ = FileManager.default.createFile(atPath: "\(dir)/cut.\(ext)", contents: bytes.prefix(bytes.count / 2 + 7))
            assertOneLineError("\(dir)/cut.\(ext)")
            // Header destroyed.
            var head = bytes
            for i in 0..<min(64, head.count) { head[i] ^= 0xA5 }
            _ = FileManager.default.createFile(atPath: "\(dir)/head.\(ext)", contents: head)
            assertOneLineError("\(dir)/head.\(ext)")
        }
        // Garbage over the middle of the H.264 data: caught because decoders run with AV_EF_EXPLODE.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/good.mp4"))
        var state: UInt64 = 0x9E3779B97F4A7C15
        for i in (bytes.count / 3)..<(bytes.count / 3 + 600) {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            bytes[i] = UInt8(truncatingIfNeeded: state >> 56)
        }
        _ = FileManager.default.createFile(atPath: dir + "/flipped.mp4", contents: bytes)
        assertOneLineError(dir + "/flipped.mp4")
    }

    /// Hundreds of mutated files: each read must finish (error or video) within a time bound.
    func testFuzzedFilesNeverCrashOrHang() throws {
        let dir = scratchFolder()
        let clip = testPattern(width: 48, height: 32, frames: 6)
        var seeds: [(String, Data)] = []
        for ext in ["mp4", "gif", "y4m", "png"] {
            let path = "\(dir)/seed.\(ext)"
            try MediaWriter.write(ext == "png" ? Video(width: 48, height: 32, fps: 12, pixels: Array(clip.frame(0))) : clip, to: path)
            seeds.append((ext, try Data(contentsOf: URL(fileURLWithPath: path))))
        }
        var state: UInt64 = 12345
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(max(1, n)))
        }
        var errors = 0, decoded = 0, slowest = 0.0
        for trial in 0..<320 {
            let (ext, seed) = seeds[trial % seeds.count]
            var bytes = seed
            switch next(3) {
            case 0: bytes = bytes.prefix(next(bytes.count))                       // truncate
            case 1: for _ in 0..<(1 + next(16)) { bytes[next(bytes.count)] ^= UInt8(1 << next(8)) }  // flip bits
            default:                                                               // overwrite a run
                let start = next(bytes.count), length = min(bytes.count - start, 1 + next(64))
                for i in start..<(start + length) { bytes[i] = UInt8(next(256)) }
            }
            let path = "\(dir)/fuzz\(trial).\(ext)"
            _ = FileManager.default.createFile(atPath: path, contents: bytes)
            let done = DispatchSemaphore(value: 0)
            let start = Date()
            nonisolated(unsafe) var outcome = ""
            DispatchQueue.global().async {
                do {
                    let v = try MediaReader.read(path, width: 24, height: 16, fps: 12)
                    outcome = v.frameCount > 0 ? "ok" : "empty"
                } catch let e as MediaError {
                    outcome = e.message.contains("\n") ? "multi-line error" : "error"
                } catch {
                    outcome = "unexpected \(error)"
                }
                done.signal()
            }
            guard done.wait(timeout: .now() + 20) == .success else {
                return XCTFail("reading \(path) did not finish within 20 s")
            }
            slowest = max(slowest, Date().timeIntervalSince(start))
            XCTAssertTrue(outcome == "ok" || outcome == "error", "\(path): \(outcome)")
            if outcome == "ok" { decoded += 1 } else { errors += 1 }
            try? FileManager.default.removeItem(atPath: path)
        }
        print(String(format: "fuzz: 320 files, %d errors, %d decoded, slowest %.3f s", errors, decoded, slowest))
        XCTAssertLessThan(slowest, 5)
    }
}
