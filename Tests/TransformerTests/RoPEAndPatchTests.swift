// RoPE against a naive rotation-matrix reference, its resolution-independent coordinates, and the
// latent <-> token round trip with padding.
import XCTest
import TesseraEngine
import TesseraTestSupport
import TesseraTransformer

final class RoPEAndPatchTests: XCTestCase {
    func testRoPEMatchesNaiveRotationMatrices() {
        let (b, frames, rows, columns, h, dh) = (2, 3, 2, 3, 3, 14)
        let t = frames * rows * columns
        let pairs = RoPEPairs(headDim: dh)
        let coords = RoPETable<Double>.gridCoordinates(frames: frames, rows: rows, columns: columns, patch: (2, 2), latentHeight: 5)
        let x = randomValues(b * t * h * dh, seed: 3)
        let expected = RoPEOp.reference(x, tokens: t, heads: h, headDim: dh, coordinates: coords, pairs: pairs)
        for precision in ["double", "float"] {
            if precision == "double" {
                let table = RoPETable<Double>(coordinates: coords, pairs: pairs)
                var y = x
                y.withUnsafeMutableBufferPointer { RoPEOp.rotate($0.baseAddress!, ld: h * dh, batch: b, heads: h, headDim: dh, cos: table.cos, sin: table.sin, tokens: t) }
                XCTAssertLessThan(toleranceRatio(y, expected, atol: 1e-12, rtol: 1e-12), 1)
            } else {
                let table = RoPETable<Float>(coordinates: coords, pairs: pairs)
                var y = x.map { Float($0) }
                y.withUnsafeMutableBufferPointer { RoPEOp.rotate($0.baseAddress!, ld: h * dh, batch: b, heads: h, headDim: dh, cos: table.cos, sin: table.sin, tokens: t) }
                XCTAssertLessThan(toleranceRatio(y, expected, atol: 1e-5, rtol: 1e-5), 1)
            }
        }
    }

    /// Relative positions only: q.k after rotation depends on the coordinate difference.
    func testRoPEScoresDependOnlyOnOffsets() {
        let pairs = RoPEPairs(headDim: 16)
        let q = randomValues(16, seed: 1), k = randomValues(16, seed: 2)
        func score(_ a: (t: Double, y: Double, x: Double), _ b: (t: Double, y: Double, x: Double)) -> Double {
            let qa = RoPEOp.reference(q, tokens: 1, heads: 1, headDim: 16, coordinates: [a], pairs: pairs)
            let kb = RoPEOp.reference(k, tokens: 1, heads: 1, headDim: 16, coordinates: [b], pairs: pairs)
            return zip(qa, kb).map(*).reduce(0, +)
        }
        let s1 = score((0.3, 0.2, 0.5), (1.0, 0.6, 0.1)), s2 = score((1.3, 0.5, 1.2), (2.0, 0.9, 0.8))
        XCTAssertEqual(s1, s2, accuracy: 1e-10)
    }

    func testPreviewAndFullRenderShareOneLayout() {
        // 128x72 preview -> latent 9 x 16 (one pad row); 512x288 -> 36 x 64. Same extent in world units.
        let preview = LatentPatches(latentShape: [1, 13, 9, 16, 16], patch: (2, 2))
        let full = LatentPatches(latentShape: [1, 13, 36, 64, 16], patch: (2, 2))
        XCTAssertEqual(preview.layout, TokenLayout(frames: 13, rows: 5, columns: 8, latentHeight: 9, latentWidth: 16))
        XCTAssertEqual(full.layout.tokens, 13 * 18 * 32)
        let a = preview.coordinates, b = full.coordinates
        XCTAssertEqual(a.last!.t, 4, accuracy: 1e-12)   // latent frame 12 is at 48/12 s
        XCTAssertEqual(b.last!.t, 4, accuracy: 1e-12)
        XCTAssertEqual(b.last!.x, (63.0) / 36, accuracy: 1e-12)   // centre of the last patch column
        XCTAssertLessThan(b.map(\.x).max()!, 16.0 / 9 + 1e-9)
        XCTAssertGreaterThan(a.map(\.x).max()!, 1.5)
        XCTAssertLessThan(a.map(\.x).max()!, 16.0 / 9 + 0.2)
        XCTAssertEqual(b.map(\.y).max()!, 35.0 / 36, accuracy: 1e-12)
    }

    func testPatchifyWithPaddingRoundTrip() {
        for shape in [[2, 3, 9, 16, 4], [1, 1, 5, 7, 3], [1, 2, 4, 6, 2]] {
            let patches = LatentPatches(latentShape: shape, patch: (2, 2))
            let c = shape[4]
            let mean = (0..<c).map { Float($0) * 0.5 - 1 }, std = (0..<c).map { 0.5 + Float($0) }
            let z = Tensor<Double>(shape: shape, values: randomValues(shape.reduce(1, *), seed: 9))
            let tokens = patches.tokens(from: z, mean: mean, std: std)
            XCTAssertEqual(tokens.shape, [shape[0], shape[1] * ((shape[2] + 1) / 2) * ((shape[3] + 1) / 2), 4 * c])
            let back = patches.latent(from: tokens, mean: mean, std: std)
            XCTAssertEqual(back.shape, shape)
            XCTAssertLessThan(toleranceRatio(back.scalars, z.scalars, atol: 1e-12, rtol: 1e-12), 1)
            // Token 0 holds latent pixels (0,0),(0,1),(1,0),(1,1) normalised, channels last.
            let first = (0..<c).map { (z.scalars[$0] - Double(mean[$0])) / Double(std[$0]) }
            XCTAssertEqual(Array(tokens.scalars[0..<c]), first)
            // Padding is zero after normalisation, and counts as invalid.
            if shape[2] % 2 == 1 {
                let frac = patches.validFraction
                XCTAssertEqual(frac.last!, shape[3] % 2 == 1 ? 0.25 : 0.5)
                let lastToken = Array(tokens.scalars[(patches.tokens - 1) * 4 * c ..< patches.tokens * 4 * c])
                XCTAssertEqual(lastToken[(2 * c)...].filter { $0 != 0 }.count, 0)
            }
        }
    }

    /// Loss weights per latent pixel land on every channel of that pixel's token slot; padding gets 0.
    func testTokenWeightsFollowTheTokenLayout() {
        let shape = [1, 2, 3, 3, 2]   // 3x3 latent, patch 2x2: 2x2 tokens per frame, a padded row and column
        let patches = LatentPatches(latentShape: shape, patch: (2, 2))
        let weights = (0..<(2 * 3 * 3)).map { Float($0 + 1) }
        let t = patches.tokenWeights(weights)
        XCTAssertEqual(t.shape, [1, 8, 8])
        // Reference: put pixel (f, y, x) at token (f, y/2, x/2), slot (y%2, x%2), channels last.
        var expected = [Float](repeating: 0, count: 64)
        for f in 0..<2 { for y in 0..<3 { for x in 0..<3 {
            let token = f * 4 + (y / 2) * 2 + x / 2, slot = (y % 2) * 2 + x % 2
            for k in 0..<2 { expected[token * 8 + slot * 2 + k] = weights[(f * 3 + y) * 3 + x] }
        }}}
        XCTAssertEqual(t.scalars, expected)
    }
}
