// Box downscaling against a naive per-pixel reference.
import XCTest
import TesseraMedia

final class DownscaleTests: XCTestCase {
    func testBoxDownscaleIsTheRoundedBlockMean() throws {
        var state: UInt64 = 12345
        let pixels = (0..<(2 * 8 * 12 * 3)).map { _ -> UInt8 in state = state &* 6364136223846793005 &+ 1442695040888963407; return UInt8(state >> 56) }
        let video = Video(width: 12, height: 8, fps: 12, pixels: pixels)
        let small = try XCTUnwrap(video.boxDownscaled(width: 3, height: 2))
        XCTAssertEqual([small.width, small.height, small.frameCount], [3, 2, 2])
        for f in 0..<2 { for y in 0..<2 { for x in 0..<3 { for c in 0..<3 {
            var values: [Double] = []
            for yy in (y * 4)..<(y * 4 + 4) { for xx in (x * 4)..<(x * 4 + 4) { values.append(Double(pixels[((f * 8 + yy) * 12 + xx) * 3 + c])) } }
            let mean = values.reduce(0, +) / 16
            XCTAssertEqual(Double(small.pixels[((f * 2 + y) * 3 + x) * 3 + c]), mean, accuracy: 0.5)
        }}}}
        XCTAssertNil(video.boxDownscaled(width: 5, height: 2), "5 does not divide 12")
        XCTAssertEqual(video.boxDownscaled(width: 12, height: 8)?.pixels, pixels)
    }
}
