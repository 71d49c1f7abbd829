import XCTest
import TesseraMedia
import TesseraStudio

final class PlaceholderTests: XCTestCase { func testNothing() {} }
