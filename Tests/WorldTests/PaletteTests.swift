import XCTest
import TesseraWorld

final class PaletteTests: XCTestCase {
    func testTenDistinctColours() {
        XCTAssertEqual(ObjectColor.allCases.count, 10)
        XCTAssertEqual(Set(ObjectColor.allCases.map { "\($0.rgb)" }).count, 10)
    }
}
