import XCTest
import Foundation
import TesseraMedia

final class ReaderTests: XCTestCase {
    func testMP4RoundTripPSNR() throws {
        let dir = scratchFolder()
        let source = testPattern(width: 512, height: 288, frames: 49)
        var numbers: [String] = []
        for (name, quality, floor) in [("high", VideoQuality.high, 40.0), ("standard", .standard, 34.0)] {
            let path = "\(dir)/\(name).mp4"
            let start = Date()
            try MediaWriter.write(source, to: path, quality: quality)
            let seconds = Date().timeIntervalSince(start)
            let back = try MediaReader.read(path)
            XCTAssertEqual([back.width, back.height, back.frameCount, back.fps], [512, 288, 49, 12])
            guard back.frameCount == 49 else { return }
            let psnr = back.psnr(against: source)
            XCTAssertGreaterThanOrEqual(psnr, floor, name)
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            numbers.append(String(format: "%@: %.2f dB, %d KB, encode %.2f s", name, psnr, size / 1024, seconds))
        }
        print("mp4 512x288x49:", numbers.joined(separator: "; "))
        for ext in ["gif", "y4m"] {
            let start = Date()
            try MediaWriter.write(source, to: "\(dir)/clip.\(ext)")
            let seconds = Date().timeIntervalSince(start)
            let psnr = try MediaReader.read("\(dir)/clip.\(ext)", fps: 12).psnr(against: source)
            print(String(format: "%@ 512x288x49: %.2f dB, write %.2f s", ext, psnr, seconds))
        }
    }

    func testGIFPaletteBeatsThreeThreeTwo() throws {
        let path = scratchFolder() + "/clip.gif"
        let source = testPattern(width: 160, height: 96, frames: 12)
        try MediaWriter.write(source, to: path)
        let back = try MediaReader.read(path, fps: 12)
        XCTAssertEqual([back.width, back.height, back.frameCount], [160, 96, 12])
        guard back.frameCount == 12 else { return }
        var rgb332 = source
        for i in stride(from: 0, to: rgb332.pixels.count, by: 3) {
            // The RGB8 format: 3 bits red, 3 green, 2 blue, expanded back to 8 bits.
            let r = rgb332.pixels[i] >> 5, g = rgb332.pixels[i + 1] >> 5, b = rgb332.pixels[i + 2] >> 6
            rgb332.pixels[i] = UInt8(Int(r) * 255 / 7)
            rgb332.pixels[i + 1] = UInt8(Int(g) * 255 / 7)
            rgb332.pixels[i + 2] = UInt8(Int(b) * 255 / 3)
        }
        let gif = back.psnr(against: source), naive = rgb332.psnr(against: source)
        print(String(format: "gif palette %.2f dB vs 3-3-2 %.2f dB", gif, naive))
        XCTAssertGreaterThan(gif, naive + 8)
        XCTAssertGreaterThan(gif, 32)
        let dithered = scratchFolder() + "/dithered.gif"
        try GIFWriter.write(source, to: dithered, dither: .ordered)
        let d = try MediaReader.read(dithered).psnr(against: source)
        print(String(format: "gif ordered dither %.2f dB", d))
        XCTAssertGreaterThan(d, naive + 4)
    }

    func testY4MAndPNGRoundTrip() throws {
        let dir = scratchFolder()
        let source = testPattern(width: 96, height: 64, frames: 5)
        try MediaWriter.write(source, to: dir + "/clip.y4m")
        let viaLibav = try MediaReader.read(dir + "/clip.y4m")
        let y4m = viaLibav.psnr(against: source)
        print(String(format: "y4m round trip through libav %.2f dB", y4m))
        XCTAssertEqual(viaLibav.frameCount, 5)
        XCTAssertGreaterThanOrEqual(y4m, 45)

        try MediaWriter.write(source, to: dir + "/frames/")
        let first = try MediaReader.read(dir + "/frames/frame_00003.png")
        XCTAssertEqual(first.frameCount, 1)
        XCTAssertEqual(first.pixels, Array(source.frame(3)))  // PNG is lossless
    }

    func testResamplesSizeAndFrameRate() throws {
        let dir = scratchFolder()
        // 2 s at 24 fps.
        try MediaWriter.write(testPattern(width: 128, height: 96, frames: 48, fps: 24), to: dir + "/a.mp4")
        let half = try MediaReader.read(dir + "/a.mp4", width: 64, height: 48, fps: 12)
        XCTAssertEqual([half.width, half.height, half.fps, half.frameCount], [64, 48, 12, 24])
        let up = try MediaReader.read(dir + "/a.mp4", height: 72, fps: 30)
        XCTAssertEqual([up.width, up.height, up.fps, up.frameCount], [96, 72, 30, 60])
        let capped = try MediaReader.read(dir + "/a.mp4", fps: 10, maxFrames: 7)
        XCTAssertEqual(capped.frameCount, 7)
        // Frame k of a 12 fps reading of a 24 fps clip is source frame 2k.
        let native = try MediaReader.read(dir + "/a.mp4")
        XCTAssertEqual(native.frameCount, 48)
        let resampled = try MediaReader.read(dir + "/a.mp4", fps: 12)
        XCTAssertEqual(Array(resampled.frame(5)), Array(native.frame(10)))

        let info = try MediaReader.probe(dir + "/a.mp4")
        XCTAssertEqual(info.width, 128)
        XCTAssertEqual(info.height, 96)
        XCTAssertEqual(info.fps, 24, accuracy: 1e-9)
        XCTAssertEqual(info.frameCount, 48)
        XCTAssertEqual(info.duration, 2, accuracy: 0.05)
        XCTAssertEqual(info.codec, "h264")

        // A clip made by the ffmpeg CLI at 25 fps, 1.2 s, read at 12 fps: ceil(1.2 * 12) = 15 frames.
        let external = dir + "/ext.mkv"
        XCTAssertEqual(runTool("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:duration=1.2",
                                      "-c:v", "libx264", "-pix_fmt", "yuv420p", external]).status, 0)
        let e = try MediaReader.read(external, width: 80, height: 45, fps: 12)
        XCTAssertEqual([e.width, e.height, e.frameCount], [80, 45, 15])
    }

    func testProbeAndOddSizes() throws {
        let dir = scratchFolder()
        let clip = testPattern(width: 33, height: 17, frames: 6, fps: 8)
        for (ext, codec) in [("mp4", "h264"), ("gif", "gif"), ("y4m", "rawvideo")] {
            try MediaWriter.write(clip, to: "\(dir)/odd.\(ext)")
            let info = try MediaReader.probe("\(dir)/odd.\(ext)")
            XCTAssertEqual(info.codec, codec)
            // yuv420p pads odd sizes by one repeated column/row; the others keep them.
            XCTAssertEqual([info.width, info.height], ext == "mp4" ? [34, 18] : [33, 17], ext)
            let back = try MediaReader.read("\(dir)/odd.\(ext)", width: 33, height: 17, fps: 8)
            XCTAssertEqual(back.frameCount, 6, ext)
        }
    }
}
