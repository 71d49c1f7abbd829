import XCTest
import TesseraMedia

final class VideoTests: XCTestCase {
    func testFrameSlicing() {
        var v = Video(width: 2, height: 1, fps: 12, frameCount: 3)
        v.pixels[6] = 9
        XCTAssertEqual(v.frameCount, 3)
        XCTAssertEqual(v.frame(1).first, 9)
    }
}
