// `tessera eval denoise` measures what it says: an untrained DiT (adaLN-zero: its velocity is
// exactly 0) estimates x0 as x_t itself, whose error is t^2 mean((eps - x0)^2), so the reported
// errors must grow as t^2 from one noise level to the next; and the command runs end to end.
import XCTest
import TesseraTestSupport
import Foundation
import TesseraAutoencoder
import TesseraCommands
import TesseraEngine
import TesseraSampler
import TesseraTransformer

final class EvalDenoiseTests: XCTestCase {
    func testUntrainedModelErrorsGrowAsTSquared() throws {
        let vae = VideoAutoencoder(config: .tiny, seed: 1)
        let tokenizer = TextTokenizer.world(maxLength: 8, sampledScenes: 200)
        var config = DiTConfig.tiny
        config.vocabularySize = tokenizer.vocabularySize
        let model = DiffusionTransformer<Float>(config: config, seed: 2)
        let pipeline = TextToVideo(model: model, tokenizer: tokenizer, vae: vae, latentPreview: nil, modelHash: "test")
        let rows = EvalDenoise.measure(pipeline, count: 6, seed: 9)
        XCTAssertEqual(rows.map(\.name), ["full-size image", "preview 17-frame clip"])
        let t = EvalDenoise.times
        for row in rows {
            XCTAssertEqual(row.all.count, t.count)
            for k in 1..<t.count {
                // Different noise draws per level: equal up to sampling error of thousands of values.
                XCTAssertEqual(row.all[k] / row.all[0], (t[k] / t[0]) * (t[k] / t[0]), accuracy: 0.08 * (t[k] / t[0]) * (t[k] / t[0]), "\(row.name) t=\(t[k])")
            }
            XCTAssertTrue(row.objects.allSatisfy { $0 > 0 }, "\(row.name): world scenes have object pixels")
        }
    }

    func testCommandRunsAndRejectsBadInput() throws {
        let dir = try makeScratchFolder("denoise")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let vae = VideoAutoencoder(config: .tiny, seed: 1)
        try vae.saveWeights(to: dir + "/vae.safetensors")
        let tokenizer = TextTokenizer.world(maxLength: 8, sampledScenes: 200)
        var config = DiTConfig.tiny
        config.vocabularySize = tokenizer.vocabularySize
        try DiffusionTransformer<Float>(config: config, seed: 2).saveWeights(to: dir + "/dit.safetensors", tokenizer: tokenizer)
        let files = ["--weights", dir + "/dit.safetensors", "--vae", dir + "/vae.safetensors"]
        XCTAssertEqual(Tessera.main(["eval", "denoise", "--count", "2", "--json"] + files), 0)
        XCTAssertEqual(Tessera.main(["eval", "denoise", "--count", "0"] + files), 2)
        XCTAssertEqual(Tessera.main(["eval", "denoise", "--weights", dir + "/missing.safetensors"]), 1)
    }
}
