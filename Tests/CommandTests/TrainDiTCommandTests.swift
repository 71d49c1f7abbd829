// `tessera train dit` end to end on a tiny autoencoder: train, resume, ship, load; bad input fails cleanly.
import XCTest
import Foundation
import TesseraAutoencoder
import TesseraCommands
import TesseraEngine
import TesseraTransformer

final class TrainDiTCommandTests: XCTestCase {
    func testTrainResumeShipAndErrors() throws {
        let dir = NSTemporaryDirectory() + "tessera-dit-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let vae = VideoAutoencoder(config: .tiny, seed: 1)
        try vae.saveWeights(to: dir + "/vae.safetensors")
        let base = ["train", "dit", "--vae", dir + "/vae.safetensors", "--token-budget", "48", "--checkpoint", dir + "/dit.ckpt.safetensors"]
        let common = base + ["--preset", "compact", "--attention", "factorized"]
        XCTAssertEqual(Tessera.main(common + ["--steps", "2", "--curriculum", "1"]), 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/dit.ckpt.safetensors"))
        XCTAssertEqual(Tessera.main(common + ["--steps", "3", "--resume", "--ship", dir + "/dit.safetensors"]), 0)
        let (model, tokenizer) = try DiffusionTransformer<Float>.load(path: dir + "/dit.safetensors")
        XCTAssertEqual(model.config.attention, .factorized)
        XCTAssertEqual(model.config.latentChannels, 4)
        XCTAssertEqual(model.config.vocabularySize, tokenizer.vocabularySize)
        let meta = try SafeTensors.read(path: dir + "/dit.safetensors").metadata
        XCTAssertEqual(meta["step"], "3")
        XCTAssertNotNil(meta["latent_preview"])
        // Resuming with another preset fails with a message, not a crash.
        XCTAssertEqual(Tessera.main(common.map { $0 == "compact" ? "small" : $0 } + ["--steps", "4", "--resume"]), 1)
        XCTAssertEqual(Tessera.main(base + ["--attention", "diagonal"]), 2)
        XCTAssertEqual(Tessera.main(base + ["--preset", "huge"]), 2)
        XCTAssertEqual(Tessera.main(["train", "dit", "--vae", dir + "/missing.safetensors"]), 1)
        XCTAssertEqual(Tessera.main(["train", "vae", "--bogus"]), 2)
    }
}
