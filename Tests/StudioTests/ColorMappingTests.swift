// xterm-256 nearest colour against a brute-force search over the palette, with error bounds.
import XCTest
import TesseraStudio

final class ColorMappingTests: XCTestCase {
    func bruteForce(_ c: RGB, indices: ClosedRange<Int> = 16...255) -> Int {
        var best = -1, bestDistance = Int.max
        for i in indices {
            let p = ColorMapping.rgb(ofXterm: i)
            let d = [Int(c.r) - Int(p.r), Int(c.g) - Int(p.g), Int(c.b) - Int(p.b)].reduce(0) { $0 + $1 * $1 }
            if d < bestDistance { bestDistance = d; best = i }
        }
        return best
    }

    func testPaletteValues() {
        XCTAssertEqual(ColorMapping.rgb(ofXterm: 16), RGB(0, 0, 0))
        XCTAssertEqual(ColorMapping.rgb(ofXterm: 196), RGB(255, 0, 0))
        XCTAssertEqual(ColorMapping.rgb(ofXterm: 46), RGB(0, 255, 0))
        XCTAssertEqual(ColorMapping.rgb(ofXterm: 231), RGB(255, 255, 255))
        XCTAssertEqual(ColorMapping.rgb(ofXterm: 232), RGB(8, 8, 8))
        XCTAssertEqual(ColorMapping.rgb(ofXterm: 255), RGB(238, 238, 238))
    }

    func testEveryPaletteEntryMapsToItself() {
        for i in 16...255 { XCTAssertEqual(ColorMapping.xterm256(ColorMapping.rgb(ofXterm: i)), i) }
    }

    func testMatchesBruteForceOnAGridAndRandomColours() {
        var colours: [RGB] = []
        // Every channel value near the cube and grey boundaries, on a grid.
        let values: [UInt8] = [0, 1, 4, 7, 8, 12, 13, 18, 47, 48, 94, 95, 96, 114, 115, 116, 135, 154, 155, 156,
                               175, 194, 195, 196, 215, 234, 235, 236, 238, 246, 247, 250, 255]
        for r in values { for g in values { for b in values { colours.append(RGB(r, g, b)) } } }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<20_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let v = state >> 24
            colours.append(RGB(UInt8(v & 255), UInt8((v >> 8) & 255), UInt8((v >> 16) & 255)))
        }
        // Near-greys, where the grey ramp competes with the cube.
        for v in 0...255 { for d in [-3, 0, 2] { colours.append(RGB(UInt8(v), UInt8(max(0, min(255, v + d))), UInt8(v))) } }
        var mismatches = 0
        for c in colours where ColorMapping.xterm256(c) != bruteForce(c) {
            mismatches += 1
            if mismatches < 5 { XCTFail("\(c): fast \(ColorMapping.xterm256(c)) brute force \(bruteForce(c))") }
        }
        XCTAssertEqual(mismatches, 0, "of \(colours.count) colours")
    }

    func testErrorBounds() {
        // The cube's widest gap is 0..95, so the nearest cube colour is within 47 per channel and the
        // chosen entry (cube or grey) within 3 * 47^2 squared distance; greys are within 5 (8 above 238,
        // the end of the ramp).
        var sum = 0.0, n = 0.0, worst = 0
        for r in stride(from: 0, through: 255, by: 5) { for g in stride(from: 0, through: 255, by: 5) { for b in stride(from: 0, through: 255, by: 5) {
            let c = RGB(UInt8(r), UInt8(g), UInt8(b))
            let p = ColorMapping.rgb(ofXterm: ColorMapping.xterm256(c))
            var d2 = 0
            for (x, y) in [(c.r, p.r), (c.g, p.g), (c.b, p.b)] {
                let e = abs(Int(x) - Int(y))
                d2 += e * e; sum += Double(e); n += 1
            }
            worst = max(worst, d2)
        } } }
        XCTAssertLessThanOrEqual(worst, 3 * 47 * 47)
        XCTAssertLessThan(sum / n, 16, "mean abs channel error")
        for v in 0...255 {
            let p = ColorMapping.rgb(ofXterm: ColorMapping.xterm256(RGB(UInt8(v), UInt8(v), UInt8(v))))
            XCTAssertLessThanOrEqual(abs(Int(p.r) - v), v > 238 ? 8 : 5, "grey \(v)")
        }
    }

    func testAnsiNearest() {
        XCTAssertEqual(ColorMapping.ansi(RGB(250, 10, 10)), 9)
        XCTAssertEqual(ColorMapping.ansi(RGB(250, 10, 10), count: 8), 1)
        XCTAssertEqual(ColorMapping.ansi(RGB(10, 10, 10)), 0)
        XCTAssertEqual(ColorMapping.ansi(RGB(250, 250, 250)), 15)
        for i in 0..<16 { XCTAssertEqual(ColorMapping.ansi(ColorMapping.ansiPalette[i]), i) }
    }

    func testBrightnessRamp() {
        XCTAssertEqual(ColorMapping.rampCharacter(top: RGB(0, 0, 0), bottom: RGB(0, 0, 0)), " ")
        XCTAssertEqual(ColorMapping.rampCharacter(top: RGB(255, 255, 255), bottom: nil), "@")
    }

    func testModeDetection() {
        XCTAssertEqual(Terminal.detectMode(colors: 1 << 24, environment: [:]), .direct)
        XCTAssertEqual(Terminal.detectMode(colors: 256, environment: ["COLORTERM": "truecolor"]), .overlay)
        XCTAssertEqual(Terminal.detectMode(colors: 256, environment: [:]), .palette256)
        XCTAssertEqual(Terminal.detectMode(colors: 8, environment: ["COLORTERM": "truecolor"]), .ansi16)
        XCTAssertEqual(Terminal.detectMode(colors: 0, environment: [:]), ColorMode.none)
        XCTAssertEqual(Terminal.detectMode(colors: 256, environment: ["NO_COLOR": "1"]), ColorMode.none)
    }
}
