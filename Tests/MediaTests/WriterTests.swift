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

final class FormatTests: XCTestCase {
    func testY4MHeaderAndFFprobe() throws {
        let path = scratchFolder() + "/clip.y4m"
        try MediaWriter.write(testPattern(width: 48, height: 32, frames: 4), to: path)
        let head = try String(decoding: Data(contentsOf: URL(fileURLWithPath: path)).prefix(60), as: UTF8.self)
        XCTAssertTrue(head.hasPrefix("YUV4MPEG2 W48 H32 F12:1 Ip A1:1 C444 XCOLORRANGE=FULL\nFRAME\n"), head)
        let s = ffprobeStream(path)
        XCTAssertEqual(s["pix_fmt"], "yuv444p")
        XCTAssertEqual(s["color_range"], "pc")  // FFmpeg reads the full-range tag
        XCTAssertEqual(s["nb_read_frames"], "4")
    }

    func testGIFAndPNGFilesAreReadable() throws {
        let dir = scratchFolder()
        try MediaWriter.write(testPattern(width: 40, height: 30, frames: 6), to: dir + "/a.gif")
        let g = ffprobeStream(dir + "/a.gif")
        XCTAssertEqual(g["codec_name"], "gif")
        XCTAssertEqual(g["nb_read_frames"], "6")
        try MediaWriter.write(testPattern(width: 40, height: 30, frames: 1), to: dir + "/one.png")
        XCTAssertEqual(ffprobeStream(dir + "/one.png")["codec_name"], "png")
        try MediaWriter.write(testPattern(width: 40, height: 30, frames: 3), to: dir + "/frames/")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/frames").sorted(),
                       ["frame_00000.png", "frame_00001.png", "frame_00002.png"])
        XCTAssertThrowsError(try MediaWriter.write(testPattern(width: 8, height: 8, frames: 2), to: dir + "/two.png"))
        XCTAssertThrowsError(try MediaWriter.write(testPattern(width: 8, height: 8, frames: 2), to: dir + "/x.avi"))
        XCTAssertEqual(leftoverTemporaryFiles(in: dir), [])
    }
}
