// Growing a trained DiT by appending blocks (`train dit --init FILE --depth N`): the new blocks start
// as the identity (adaLN-zero gates and a zero cross-attention output), so the grown model computes
// exactly what the loaded one did, and training the new blocks changes it.
import XCTest
import TesseraTestSupport
import TesseraEngine
import TesseraTransformer

final class DepthGrowthTests: XCTestCase {
    func testGrownModelComputesTheSameFunctionUntilTrained() {
        var config = DiTConfig.tiny
        config.vocabularySize = 11
        config.absolutePosition = true
        let model = DiffusionTransformer<Float>(config: config, seed: 7)
        offsetAsIfTrained(model.store)
        var deeper = config
        deeper.depth = config.depth + 2
        let grown = model.upgraded(to: deeper)
        XCTAssertEqual(grown.blocks.count, config.depth + 2)
        let blockParameters = grown.store.entries.filter { $0.name.hasPrefix("blocks.0.") }.map(\.count).reduce(0, +)
        XCTAssertEqual(grown.parameterCount, model.parameterCount + 2 * blockParameters)
        // Every old parameter kept its value.
        for e in model.store.entries {
            let g = grown.store.entry(named: e.name)!
            XCTAssertTrue(UnsafeBufferPointer(start: grown.store.values + g.offset, count: g.count)
                .elementsEqual(UnsafeBufferPointer(start: model.store.values + e.offset, count: e.count)), e.name)
        }
        let layout = TokenLayout(frames: 2, rows: 2, columns: 3, latentHeight: 3, latentWidth: 5)
        let x = Tensor<Float>(shape: [2, layout.tokens, config.tokenWidth], values: randomValues(2 * layout.tokens * config.tokenWidth, seed: 4).map { Float($0) })
        let ids = [[3, 5, 1, 0, 0, 0, 0, 0], [2, 0, 0, 0, 0, 0, 0, 0]]
        let before = model.forward(x, layout: layout, t: [0.3, 0.8], text: ids).scalars
        XCTAssertEqual(grown.forward(x, layout: layout, t: [0.3, 0.8], text: ids).scalars, before)
        // A new block whose adaLN modulation has learned something changes the output.
        let last = "blocks.\(config.depth + 1)."
        let modulation = grown.store.entries.first { $0.name.hasPrefix(last) && $0.name.contains("adaLN") && $0.name.hasSuffix("weight") }!
        for i in 0..<modulation.count { grown.store.values[modulation.offset + i] = Float(i % 7 - 3) / 20 }
        XCTAssertNotEqual(grown.forward(x, layout: layout, t: [0.3, 0.8], text: ids).scalars, before)
    }
}
