// End to end: a small transformer built from the engine's layers learns to reverse a sequence,
// and the same seed reproduces the loss curve bit for bit.
import XCTest
import TesseraEngine

final class ToyTransformerTrainingTests: XCTestCase {
    /// Tokens (B, T) -> logits (B, T, V): token + position embeddings, 2 blocks, final norm, linear head.
    final class ToyModel {
        let store: ParameterStore<Float>
        let vocabulary: Int, length: Int, width: Int
        let tokenTable: Parameter, positionTable: Parameter
        let blocks: [TransformerBlock<Float>]
        let norm: LayerNorm<Float>, head: Linear<Float>
        var ids: [Int] = []

        init(seed: UInt64, vocabulary: Int, length: Int, width: Int) {
            let store = ParameterStore<Float>(seed: seed)
            self.store = store
            self.vocabulary = vocabulary; self.length = length; self.width = width
            tokenTable = store.add("tok_emb", shape: [vocabulary, width], initializer: .normal(std: 0.5))
            positionTable = store.add("pos_emb", shape: [length, width], initializer: .normal(std: 0.5))
            blocks = (0..<2).map { TransformerBlock(store, "blocks.\($0)", width: width, heads: 4, mlpRatio: 2) }
            norm = LayerNorm(store, "norm", features: width)
            head = Linear(store, "head", in: width, out: vocabulary)
        }

        func forward(_ tokens: [Int], batch: Int) -> Tensor<Float> {
            ids = tokens
            var x = Tensor<Float>(uninitialized: [batch, length, width])
            x.withUnsafeMutablePointer { xp in
                EmbeddingOp.forward(table: store.value(tokenTable), ids: tokens, out: xp, vocabulary: vocabulary, d: width)
                for i in 0..<tokens.count {
                    let pos = store.value(positionTable) + (i % length) * width
                    for j in 0..<width { xp[i * width + j] += pos[j] }
                }
            }
            for block in blocks { x = block.forward(x) }
            return head.forward(norm.forward(x))
        }

        func backward(_ dLogits: Tensor<Float>) {
            var dx = norm.backward(head.backward(dLogits))
            for block in blocks.reversed() { dx = block.backward(dx) }
            dx.withUnsafeMutablePointer { dxp in
                EmbeddingOp.backward(dout: dxp, ids: ids, dTable: store.grad(tokenTable), d: width)
                EmbeddingOp.backward(dout: dxp, ids: ids.indices.map { $0 % length }, dTable: store.grad(positionTable), d: width)
            }
        }
    }

    func train(seed: UInt64, steps: Int) -> [Double] {
        let (vocabulary, length, batch) = (8, 8, 32)
        let model = ToyModel(seed: seed, vocabulary: vocabulary, length: length, width: 32)
        let optimizer = AdamW(model.store, weightDecay: 0.01)
        let schedule = LearningRateSchedule(peak: 3e-3, floor: 3e-4, warmupSteps: 20, totalSteps: steps)
        var rng = RandomGenerator(seed: seed, stream: 99)
        var losses: [Double] = []
        for step in 0..<steps {
            let tokens = (0..<(batch * length)).map { _ in rng.int(below: vocabulary) }
            var targets = tokens
            for b in 0..<batch { for t in 0..<length { targets[b * length + t] = tokens[b * length + length - 1 - t] } }
            model.store.zeroGrads()
            let logits = model.forward(tokens, batch: batch)
            var dLogits = Tensor<Float>(zeros: logits.shape)
            let loss = dLogits.withUnsafeMutablePointer { d in
                logits.withUnsafePointer { SoftmaxOp.crossEntropy(logits: $0, targets: targets, n: batch * length, d: vocabulary, dLogits: d) }
            }
            model.backward(dLogits)
            GradientClipping.clip(model.store, maxNorm: 1.0)
            optimizer.update(lr: schedule.rate(at: step))
            losses.append(loss)
        }
        return losses
    }

    func testLearnsToReverseAndReproducesBitForBit() {
        let steps = 400
        let first = train(seed: 11, steps: steps)
        let second = train(seed: 11, steps: steps)
        XCTAssertEqual(first, second, "same seed must give the identical loss curve")
        let initial = first.prefix(5).reduce(0, +) / 5
        let final = first.suffix(20).reduce(0, +) / 20
        XCTAssertGreaterThan(initial, 1.8, "starts near chance (ln 8 = 2.08)")
        XCTAssertLessThan(final, 0.05, "reversal is learned: final loss \(final)")
        let other = train(seed: 12, steps: 3)
        XCTAssertNotEqual(Array(first.prefix(3)), other, "a different seed gives a different run")
    }
}
