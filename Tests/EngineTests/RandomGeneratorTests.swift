import XCTest
import TesseraEngine

final class RandomGeneratorTests: XCTestCase {
    /// Philox4x32-10 known-answer vectors from the Random123 distribution (kat_vectors).
    func testPhiloxKnownAnswers() {
        let zero = philox4x32(counter: (0, 0, 0, 0), key: (0, 0))
        XCTAssertEqual([zero.0, zero.1, zero.2, zero.3], [0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8])
        let ones = philox4x32(counter: (0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF), key: (0xFFFF_FFFF, 0xFFFF_FFFF))
        XCTAssertEqual([ones.0, ones.1, ones.2, ones.3], [0x408F_276D, 0x41C8_3B0E, 0xA20B_C7C6, 0x6D54_51FD])
        let pi = philox4x32(counter: (0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344), key: (0xA409_3822, 0x299F_31D0))
        XCTAssertEqual([pi.0, pi.1, pi.2, pi.3], [0xD16C_FE09, 0x94FD_CCEB, 0x5001_E420, 0x2412_6EA1])
    }

    func testSameSeedSameStreamDifferentSeedDifferentStream() {
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42), c = RandomGenerator(seed: 43)
        let xa = (0..<16).map { _ in a.next() }, xb = (0..<16).map { _ in b.next() }, xc = (0..<16).map { _ in c.next() }
        XCTAssertEqual(xa, xb)
        XCTAssertNotEqual(xa, xc)
        var d1 = a.derived(1), d2 = a.derived(2)
        XCTAssertNotEqual((0..<4).map { _ in d1.uniform() }, (0..<4).map { _ in d2.uniform() })
    }

    func testNormalFillIsIndependentOfThreadCountAndHasUnitMoments() {
        let n = 200_001
        let saved = Parallel.workers
        defer { Parallel.workers = saved }
        var results: [[Float]] = []
        for workers in [1, 2, 3] {
            Parallel.workers = workers
            var rng = RandomGenerator(seed: 7, stream: 3)
            var t = Tensor<Float>(uninitialized: [n])
            t.withUnsafeMutablePointer { rng.fillNormal($0, count: n) }
            results.append(t.scalars)
        }
        XCTAssertEqual(results[0], results[1])
        XCTAssertEqual(results[0], results[2])
        let mean = results[0].reduce(0.0) { $0 + Double($1) } / Double(n)
        let variance = results[0].reduce(0.0) { $0 + Double($1) * Double($1) } / Double(n) - mean * mean
        XCTAssertEqual(mean, 0, accuracy: 0.01)
        XCTAssertEqual(variance, 1, accuracy: 0.01)
    }

    func testIntBelowIsInRangeAndCoversAll() {
        var rng = RandomGenerator(seed: 1)
        var seen = Set<Int>()
        for _ in 0..<1000 {
            let v = rng.int(below: 7)
            XCTAssert((0..<7).contains(v))
            seen.insert(v)
        }
        XCTAssertEqual(seen.count, 7)
    }
}
