// Deepening a trained decoder (`train vae --init FILE --decoder-blocks N`): the added residual blocks
// start as identities, so the deeper network encodes and decodes exactly as the file does; its
// weights save and load with the deeper config; training then moves the added blocks.
import XCTest
import TesseraEngine
import TesseraAutoencoder
import TesseraTestSupport

final class DecoderDeepeningTests: XCTestCase {
    func testAddedBlocksStartAsIdentitiesAndTrain() throws {
        let dir = temporaryFolder("deepen")
        let original = VideoAutoencoder(config: .tiny, seed: 4)
        original.latentMean = [0.1, -0.2, 0.3, 0]
        original.latentStd = [1, 2, 0.5, 1.5]
        let path = dir + "/vae.safetensors"
        try original.saveWeights(to: path)

        let deeper = try VideoAutoencoder.load(path: path, decoderBlocks: 3)
        XCTAssertEqual(deeper.config.decoderBlocks, 3)
        XCTAssertEqual(deeper.config.blocksPerStage, 1, "the encoder keeps its depth")
        XCTAssertGreaterThan(deeper.store.count, original.store.count)
        XCTAssertEqual(deeper.encoderParameterCount, original.encoderParameterCount)
        XCTAssertEqual(deeper.latentStd, original.latentStd)

        var rng = RandomGenerator(seed: 6, stream: 1)
        var clip = Tensor<Float>(uninitialized: [1, 5, 16, 24, 3])
        let n = clip.count
        clip.withUnsafeMutablePointer { rng.fillUniform($0, count: n, lower: -1, upper: 1) }
        let latent = original.encode(clip)
        XCTAssertEqual(deeper.encode(clip).scalars, latent.scalars, "same encoder")
        XCTAssertEqual(deeper.decode(latent).scalars, original.decode(latent).scalars, "identity blocks: the same decode, bit for bit")

        // Saved and loaded with the deeper config; a file cannot be cut to fewer blocks.
        let deepPath = dir + "/deeper.safetensors"
        try deeper.saveWeights(to: deepPath)
        let reloaded = try VideoAutoencoder.load(path: deepPath)
        XCTAssertEqual(reloaded.config, deeper.config)
        XCTAssertEqual(reloaded.decode(latent).scalars, original.decode(latent).scalars)
        XCTAssertThrowsError(try VideoAutoencoder.load(path: deepPath, decoderBlocks: 2))
        XCTAssertEqual(try VideoAutoencoder.load(path: path).config, .tiny, "the plain file still reads as before")

        // A decoder-only step gives the added blocks' second convolutions a gradient.
        deeper.store.zeroGrads()
        var r = RandomGenerator(seed: 7, stream: 2)
        _ = deeper.trainingStep(clip, rng: &r, decoderOnly: true)
        let added = deeper.store.entries.filter { $0.name.hasPrefix("decoder.stages.") && $0.name.contains(".blocks.2.conv2.weight") }
        XCTAssertFalse(added.isEmpty)
        for e in added {
            let g = UnsafeBufferPointer(start: deeper.store.grads + e.offset, count: e.count)
            XCTAssertTrue(g.contains { $0 != 0 }, "\(e.name) has a gradient")
        }
    }
}
