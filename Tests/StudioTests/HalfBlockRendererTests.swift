// Half-block rendering measured against the source image: exact colours where the source is flat,
// per-channel error bounds on gradients and edges, area-average weights, aspect fitting.
import XCTest
import TesseraMedia
import TesseraStudio

final class HalfBlockRendererTests: XCTestCase {
    /// A one-frame video from a pixel function.
    func image(_ width: Int, _ height: Int, _ f: (Int, Int) -> (UInt8, UInt8, UInt8)) -> Video {
        var px = [UInt8]()
        for y in 0..<height { for x in 0..<width { let (r, g, b) = f(x, y); px += [r, g, b] } }
        return Video(width: width, height: height, fps: 12, pixels: px)
    }

    /// The half-block picture expanded back to source size (each source pixel takes the colour of
    /// the half-cell covering its centre), and the mean and max absolute error per channel.
    func error(of picture: HalfBlockImage, against video: Video) -> (mean: [Double], max: [Int]) {
        var sum = [0.0, 0.0, 0.0], worst = [0, 0, 0]
        let w = picture.columns, h = picture.pixelHeight
        for y in 0..<video.height {
            for x in 0..<video.width {
                let tx = min(w - 1, Int((Double(x) + 0.5) * Double(w) / Double(video.width)))
                let ty = min(h - 1, Int((Double(y) + 0.5) * Double(h) / Double(video.height)))
                let cell = picture[tx, ty / 2]
                let c = ty % 2 == 0 ? cell.top : cell.bottom!
                let p = (y * video.width + x) * 3
                for (k, v) in [c.r, c.g, c.b].enumerated() {
                    let e = abs(Int(v) - Int(video.pixels[p + k]))
                    sum[k] += Double(e)
                    worst[k] = max(worst[k], e)
                }
            }
        }
        let n = Double(video.width * video.height)
        return (sum.map { $0 / n }, worst)
    }

    func testFittedSizeKeepsAspect() {
        for (w, h) in [(512, 288), (288, 512), (384, 384), (448, 336), (672, 288)] {
            for (cols, rows) in [(70, 35), (80, 24), (30, 40), (120, 10)] {
                let fit = HalfBlockRenderer.fittedSize(sourceWidth: w, sourceHeight: h, columns: cols, rows: rows)
                XCTAssertLessThanOrEqual(fit.width, cols)
                XCTAssertLessThanOrEqual(fit.height, 2 * rows)
                XCTAssertTrue(fit.width == cols || fit.height == 2 * rows, "fills one side: \(fit) in \(cols)x\(rows)")
                // Rounding one side to whole pixels moves the aspect by at most half a pixel.
                let aspect = Double(w) / Double(h)
                XCTAssertEqual(Double(fit.width) / Double(fit.height), aspect,
                               accuracy: aspect * 0.5 / Double(min(fit.width, fit.height)) + 1e-9)
            }
        }
        XCTAssertTrue(HalfBlockRenderer.fittedSize(sourceWidth: 512, sourceHeight: 288, columns: 80, rows: 24) == (80, 45))
    }

    func testFlatImageIsExact() {
        let v = image(97, 61) { _, _ in (200, 30, 40) }
        let pic = HalfBlockRenderer.render(v, frame: 0, columns: 33, rows: 10)
        for cell in pic.cells {
            XCTAssertEqual(cell.top, RGB(200, 30, 40))
            if let b = cell.bottom { XCTAssertEqual(b, RGB(200, 30, 40)) }
        }
    }

    func testExactBlockAverage() {
        // 8x8 -> 2x2 pixels: each output is the rounded mean of a 4x4 block.
        let v = image(8, 8) { x, y in (UInt8((x * 37 + y * 11) % 256), UInt8((x * 5 + y * 70) % 256), UInt8((x * y * 9) % 256)) }
        let out = v.pixels.withUnsafeBufferPointer { HalfBlockRenderer.resample($0, width: 8, height: 8, toWidth: 2, toHeight: 2) }
        for by in 0..<2 { for bx in 0..<2 { for k in 0..<3 {
            var s = 0
            for y in 0..<4 { for x in 0..<4 { s += Int(v.pixels[((by * 4 + y) * 8 + bx * 4 + x) * 3 + k]) } }
            XCTAssertEqual(Int(out[(by * 2 + bx) * 3 + k]), Int((Double(s) / 16).rounded()))
        } } }
    }

    func testFractionalEdgeWeights() {
        // 7 pixels (3 red, 4 green) -> 2: pixel 0 covers [0, 3.5): 3 red + half a green pixel.
        let v = image(7, 1) { x, _ in x < 3 ? (255, 0, 0) : (0, 255, 0) }
        let out = v.pixels.withUnsafeBufferPointer { HalfBlockRenderer.resample($0, width: 7, height: 1, toWidth: 2, toHeight: 1) }
        XCTAssertEqual(Int(out[0]), Int((255 * 3 / 3.5).rounded()))
        XCTAssertEqual(Int(out[1]), Int((255 * 0.5 / 3.5).rounded()))
        XCTAssertEqual(Array(out[3...5]), [0, 255, 0])
    }

    func testGradientErrorPerChannel() {
        // Red ramps left to right, green top to bottom, blue diagonally; 256x144 into a 70x35 pane
        // (70x39 pixels: scale 3.66 horizontally, 3.69 vertically).
        let v = image(256, 144) { x, y in (UInt8(x), UInt8(y * 255 / 143), UInt8((x + y) * 255 / 398)) }
        let pic = HalfBlockRenderer.render(v, frame: 0, columns: 70, rows: 35)
        XCTAssertEqual(pic.columns, 70)
        XCTAssertEqual(pic.pixelHeight, 39)
        let e = error(of: pic, against: v)
        // A block of s source pixels on a ramp of slope d has mean |error| about s*d/4 (here below 1.1,
        // 2.4 and 1.7 levels) and max about s*d/2.
        XCTAssertLessThan(e.mean[0], 1.2, "red \(e)")
        XCTAssertLessThan(e.mean[1], 2.5, "green \(e)")
        XCTAssertLessThan(e.mean[2], 2.0, "blue \(e)")
        XCTAssertLessThanOrEqual(e.max.max()!, 6, "\(e)")
    }

    func testEdgeErrorStaysOnTheEdge() {
        // A vertical red/green edge and a horizontal split: error only where a target pixel straddles it.
        let v = image(200, 120) { x, y in x < 77 ? (220, 20, 20) : (y < 50 ? (30, 160, 40) : (20, 20, 200)) }
        let pic = HalfBlockRenderer.render(v, frame: 0, columns: 50, rows: 15)
        let e = error(of: pic, against: v)
        for k in 0..<3 { XCTAssertLessThan(e.mean[k], 6, "channel \(k): \(e)") }
        // Far from the edges the colours are exact.
        XCTAssertEqual(pic[2, 2].top, RGB(220, 20, 20))
        XCTAssertEqual(pic[pic.columns - 2, 1].top, RGB(30, 160, 40))
        XCTAssertEqual(pic[pic.columns - 2, pic.rows - 1].top, RGB(20, 20, 200))
    }

    func testOddHeightAndCentring() {
        let v = image(64, 36) { _, y in y < 18 ? (255, 255, 255) : (0, 0, 0) }
        // 20 columns -> 20x11 pixels (odd): 6 rows, the last one has no bottom pixel.
        let pic = HalfBlockRenderer.render(v, frame: 0, columns: 20, rows: 10)
        XCTAssertEqual(pic.pixelHeight, 11)
        XCTAssertEqual(pic.rows, 6)
        XCTAssertNil(pic[0, 5].bottom)
        XCTAssertNotNil(pic[0, 4].bottom)
        XCTAssertEqual(pic.x, 0)
        XCTAssertEqual(pic.y, 2)   // (10 - 6) / 2
        // A tall picture is centred horizontally.
        let tall = HalfBlockRenderer.render(image(36, 64) { _, _ in (1, 2, 3) }, frame: 0, columns: 40, rows: 10)
        XCTAssertEqual(tall.pixelHeight, 20)
        XCTAssertEqual(tall.columns, 11)
        XCTAssertEqual(tall.x, (40 - 11) / 2)
    }

    func testFrameSelection() {
        var px = [UInt8](repeating: 10, count: 8 * 8 * 3)
        px += [UInt8](repeating: 250, count: 8 * 8 * 3)
        let v = Video(width: 8, height: 8, fps: 12, pixels: px)
        XCTAssertEqual(HalfBlockRenderer.render(v, frame: 1, columns: 4, rows: 2)[0, 0].top, RGB(250, 250, 250))
        XCTAssertEqual(HalfBlockRenderer.render(v, frame: 0, columns: 4, rows: 2)[0, 0].top, RGB(10, 10, 10))
    }
}
