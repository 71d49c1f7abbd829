import XCTest
import Foundation
import TesseraMedia

/// A write that fails part-way leaves neither the final file nor its temporary file.
final class AtomicWriteTests: XCTestCase {
    func testFailedWritesLeaveNothing() throws {
        let dir = scratchFolder()
        let clip = testPattern(width: 256, height: 144, frames: 12)
        // Cap the size of files this process may write at 16 KB: every writer fails mid-file
        // (EFBIG; SIGXFSZ is ignored so the test process survives).
        let previousHandler = signal(SIGXFSZ, SIG_IGN)
        var saved = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        var capped = saved
        capped.rlim_cur = 16 << 10
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &capped)
        var failures: [String] = []
        for name in ["a.mp4", "a.gif", "a.y4m", "frames/"] {
            do {
                try MediaWriter.write(clip, to: dir + "/" + name, quality: .high)
            } catch let e as MediaError {
                failures.append(e.message)
            } catch {
                failures.append("unexpected \(error)")
            }
        }
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        signal(SIGXFSZ, previousHandler)

        XCTAssertEqual(failures.count, 4, "\(failures)")
        for message in failures { XCTAssertFalse(message.contains("\n") || message.hasPrefix("unexpected"), message) }
        for name in ["a.mp4", "a.gif", "a.y4m"] { XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/" + name), name) }
        XCTAssertEqual(leftoverTemporaryFiles(in: dir), [])
        XCTAssertEqual(leftoverTemporaryFiles(in: dir + "/frames"), [])
        print("failed writes:", failures.joined(separator: " | "))
        // The same writes succeed once the cap is lifted.
        try MediaWriter.write(clip, to: dir + "/a.mp4")
        XCTAssertEqual(ffprobeStream(dir + "/a.mp4")["nb_read_frames"], "12")
    }

    func testMissingFolderIsAOneLineError() {
        XCTAssertThrowsError(try MediaWriter.write(testPattern(width: 8, height: 8, frames: 1), to: "/nonexistent-folder/x.mp4")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent-folder"), "\(error)")
        }
    }
}
