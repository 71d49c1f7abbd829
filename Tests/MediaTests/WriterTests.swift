import XCTest
import Foundation
import TesseraMedia

final class WriterTests: XCTestCase {
    func testMP4FrameCountSizeAndRateForSeveralShapes() throws {
        let dir = scratchFolder()
        for (w, h, fps, n) in [(64, 48, 12, 7), (128, 72, 24, 13), (100, 60, 30, 1), (33, 17, 8, 5)] {
            let path = "\(dir)/clip_\(w)x\(h).mp4"
            try MediaWriter.write(testPattern(width: w, height: h, frames: n, fps: fps), to: path)
            let s = ffprobeStream(path)
            XCTAssertEqual(s["codec_name"], "h264", path)
            XCTAssertEqual(s["pix_fmt"], "yuv420p", path)
            XCTAssertEqual(s["width"], String(w + w % 2), path)   // odd sizes padded to even
            XCTAssertEqual(s["height"], String(h + h % 2), path)
            XCTAssertEqual(s["r_frame_rate"], "\(fps)/1", path)
            XCTAssertEqual(s["avg_frame_rate"], "\(fps)/1", path)
            XCTAssertEqual(s["nb_frames"], String(n), path)
            XCTAssertEqual(s["nb_read_frames"], String(n), path)
            XCTAssertEqual(s["color_space"], "bt709", path)
        }
        XCTAssertEqual(leftoverTemporaryFiles(in: dir), [])
    }

    func testMP4MetadataVisibleToFFprobe() throws {
        let path = scratchFolder() + "/meta.mp4"
        let metadata = ["prompt": "a red ball rolls left, then bounces", "seed": "42", "settings": "{\"steps\":20,\"cfg\":4.5}"]
        try MediaWriter.write(testPattern(width: 64, height: 64, frames: 3), to: path, metadata: metadata)
        let tags = ffprobeFormatTags(path)
        for (k, v) in metadata { XCTAssertEqual(tags[k], v, k) }
    }
}
