// Sampling without recording activations computes exactly what a recorded forward computes, and
// training afterwards still has its caches (the flag is restored, also when nested or on throw);
// reusing the encoded captions across calls (as sampling does) changes nothing.
import XCTest
import TesseraEngine
import TesseraTestSupport
import TesseraTransformer

final class InferenceModeTests: XCTestCase {
    struct Failure: Error {}

    func testUnrecordedForwardIsIdenticalAndTheFlagIsRestored() throws {
        var config = DiTConfig.tiny
        config.vocabularySize = 11
        config.absolutePosition = true
        let model = DiffusionTransformer<Float>(config: config, seed: 2)
        offsetAsIfTrained(model.store)
        let layout = TokenLayout(frames: 2, rows: 2, columns: 3, latentHeight: 3, latentWidth: 5)
        let x = Tensor<Float>(shape: [2, layout.tokens, config.tokenWidth], values: randomValues(2 * layout.tokens * config.tokenWidth, seed: 9).map { Float($0) })
        let ids = [[3, 5, 1, 0, 0, 0, 0, 0], [2, 0, 0, 0, 0, 0, 0, 0]]
        let recorded = model.forward(x, layout: layout, t: [0.4, 0.9], text: ids).scalars
        XCTAssertTrue(Autograd.isRecording)
        let unrecorded = Autograd.withoutRecording {
            Autograd.withoutRecording { XCTAssertFalse(Autograd.isRecording) }
            XCTAssertFalse(Autograd.isRecording, "nesting keeps the outer state")
            return model.forward(x, layout: layout, t: [0.4, 0.9], text: ids).scalars
        }
        XCTAssertEqual(recorded, unrecorded)
        XCTAssertTrue(Autograd.isRecording)
        XCTAssertThrowsError(try Autograd.withoutRecording { throw Failure() })
        XCTAssertTrue(Autograd.isRecording, "restored after a throw")
        // A recorded forward after an unrecorded one supports backward again.
        let y = model.forward(x, layout: layout, t: [0.4, 0.9], text: ids)
        model.store.zeroGrads()
        let dx = model.backward(Tensor(shape: y.shape, values: [Float](repeating: 1, count: y.count)))
        XCTAssertEqual(dx.shape, x.shape)
        XCTAssertGreaterThan(model.store.gradNorm(), 0)
    }

    func testReusedEncodedTextGivesTheSameVelocity() {
        var config = DiTConfig.tiny
        config.vocabularySize = 11
        let model = DiffusionTransformer<Float>(config: config, seed: 4)
        offsetAsIfTrained(model.store)
        let layout = TokenLayout(frames: 2, rows: 2, columns: 2, latentHeight: 4)
        let ids = [[3, 5, 1, 0, 0, 0, 0, 0], [2, 0, 0, 0, 0, 0, 0, 0]]
        Autograd.withoutRecording {
            let encoded = model.encodeText(ids)
            for (step, t) in [0.9, 0.5, 0.1].enumerated() {   // one encoding serves every step of a run
                let x = Tensor<Float>(shape: [2, layout.tokens, config.tokenWidth],
                                      values: randomValues(2 * layout.tokens * config.tokenWidth, seed: UInt64(20 + step)).map { Float($0) })
                let fresh = model.forward(x, layout: layout, t: [t, t], text: ids).scalars
                let reused = model.forward(x, layout: layout, t: [t, t], text: ids, encoded: encoded).scalars
                XCTAssertEqual(fresh, reused, "step \(step)")
                XCTAssertTrue(fresh.contains { $0 != 0 })
            }
        }
    }
}
