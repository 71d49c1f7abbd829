// The parameter arena: every parameter keeps its seeded draw while the arena grows (realloc), its
// gradients start at zero, and a store built for loading starts at zero without drawing.
import XCTest
import TesseraEngine

final class ParameterStoreTests: XCTestCase {
    func testGrowthKeepsEveryParameterAndItsSeededDraw() {
        let store = ParameterStore<Float>(seed: 5)
        // From a few values to 2^20: many growths, below and above malloc's mmap threshold.
        let sizes = [3, 1000, 17, 50_000, 1 << 20, 9, 300_000, 1 << 20]
        var expected: [[Float]] = []
        for (i, n) in sizes.enumerated() {
            let p = store.add("p\(i)", shape: [n], initializer: .normal(std: 0.5))
            // The reference: the same stream drawn into a plain array.
            var rng = RandomGenerator(seed: 5, stream: UInt64(i))
            var reference = [Float](repeating: 0, count: n)
            reference.withUnsafeMutableBufferPointer { rng.fillNormal($0.baseAddress!, count: n, scale: 0.5) }
            XCTAssertEqual(Array(UnsafeBufferPointer(start: store.value(p), count: n)), reference, "p\(i) right after add")
            expected.append(reference)
        }
        XCTAssertEqual(store.count, sizes.reduce(0, +))
        for (i, e) in store.entries.enumerated() {
            XCTAssertEqual(Array(UnsafeBufferPointer(start: store.values + e.offset, count: e.count)), expected[i], "\(e.name) after growth")
        }
        XCTAssertTrue(UnsafeBufferPointer(start: store.grads, count: store.count).allSatisfy { $0 == 0 })
        XCTAssertTrue(expected.joined().contains { $0 != 0 }, "the draw is not all zero")
    }

    func testStoreForLoadingStartsAtZero() {
        let drawn = ParameterStore<Double>(seed: 5)
        let blank = ParameterStore<Double>(seed: 5, initializesValues: false)
        for store in [drawn, blank] {
            store.add("w", shape: [64, 64], initializer: .xavier(fanIn: 64, fanOut: 64))
            store.add("b", shape: [64], initializer: .normal(std: 1))
            store.add("g", shape: [64], initializer: .ones)
        }
        XCTAssertEqual(blank.entries.map(\.name), drawn.entries.map(\.name))
        XCTAssertEqual(blank.count, drawn.count)
        XCTAssertTrue(UnsafeBufferPointer(start: blank.values, count: blank.count).allSatisfy { $0 == 0 })
        XCTAssertTrue(UnsafeBufferPointer(start: drawn.values, count: drawn.count).contains { $0 != 0 })
    }
}
