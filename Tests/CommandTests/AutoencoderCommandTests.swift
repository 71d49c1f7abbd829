// `tessera train vae`, `tessera vae ...` and `tessera eval vae` end to end, on small real runs.
import XCTest
import TesseraTestSupport
import Foundation
import TesseraCommands
import TesseraMedia
import TesseraAutoencoder

final class AutoencoderCommandTests: XCTestCase {
    private func folder() -> String { temporaryFolder("vae-cmd") }

    /// Train on an imported-style dataset (--data), resume, ship; then roundtrip, encode/decode a
    /// latent file and evaluate with the shipped file.
    func testTrainResumeShipRoundtripAndEval() throws {
        let dir = folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = dir + "/data", ckpt = dir + "/vae.ckpt.safetensors", weights = dir + "/vae.safetensors"
        XCTAssertEqual(Tessera.main(["world", "sample", "--count", "2", "--out", data, "--size", "64x48", "--duration", "1"]), 0)
        XCTAssertEqual(Tessera.main(["train", "vae", "--data", data, "--steps", "2", "--clips-per-step", "1", "--checkpoint", ckpt]), 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: ckpt))
        XCTAssertEqual(Tessera.main(["train", "vae", "--data", data, "--steps", "3", "--clips-per-step", "1", "--checkpoint", ckpt,
                                     "--resume", "--ship", weights]), 0)
        let vae = try VideoAutoencoder.load(path: weights)
        XCTAssertEqual(vae.config, .standard)
        XCTAssertEqual(vae.latentStd.count, 16)
        XCTAssertTrue(vae.latentStd.allSatisfy { $0 > 0 && $0.isFinite })

        let clip = dir + "/clip.y4m", out = dir + "/out.mp4", latent = dir + "/clip.latent.safetensors", back = dir + "/back.y4m"
        XCTAssertEqual(Tessera.main(["world", "render", "--prompt", "red ball moves left", "--size", "70x50", "--duration", "0.5",
                                     "--out", clip]), 0)
        XCTAssertEqual(Tessera.main(["vae", "roundtrip", clip, out, "--weights", weights]), 0)
        let decoded = try MediaReader.read(out)
        XCTAssertEqual([decoded.width, decoded.height, decoded.frameCount], [64, 48, 5], "cropped to multiples of 8, 1 + 4k frames")
        XCTAssertEqual(Tessera.main(["vae", "encode", clip, latent, "--weights", weights]), 0)
        XCTAssertEqual(Tessera.main(["vae", "decode", latent, back, "--weights", weights]), 0)
        XCTAssertEqual(try MediaReader.read(back).frameCount, 5)
        XCTAssertEqual(Tessera.main(["eval", "vae", "--count", "2", "--weights", weights, "--json"]), 0)

        // Decoder-only fine-tuning keeps the encoder and the latent statistics bit for bit.
        let ckpt2 = dir + "/dec.ckpt.safetensors", tuned = dir + "/tuned.safetensors"
        let decoderOnly = ["train", "vae", "--data", data, "--clips-per-step", "1", "--checkpoint", ckpt2, "--init", weights, "--decoder-only"]
        XCTAssertEqual(Tessera.main(decoderOnly + ["--steps", "2"]), 0)
        XCTAssertEqual(Tessera.main(decoderOnly + ["--steps", "3", "--resume", "--ship", tuned]), 0)
        let after = try VideoAutoencoder.load(path: tuned)
        let e = vae.encoderParameterCount
        XCTAssertTrue(UnsafeBufferPointer(start: after.store.values, count: e).elementsEqual(UnsafeBufferPointer(start: vae.store.values, count: e)))
        XCTAssertFalse(UnsafeBufferPointer(start: after.store.values + e, count: vae.store.count - e)
            .elementsEqual(UnsafeBufferPointer(start: vae.store.values + e, count: vae.store.count - e)), "the decoder trained")
        XCTAssertEqual(after.latentMean, vae.latentMean)
        XCTAssertEqual(after.latentStd, vae.latentStd)
        XCTAssertEqual(Tessera.main(["train", "vae", "--decoder-only", "--steps", "1", "--checkpoint", ckpt2]), 2, "--decoder-only without --init")
        // Resuming it on top of another encoder is refused.
        XCTAssertEqual(Tessera.main(["train", "vae", "--data", data, "--clips-per-step", "1", "--checkpoint", ckpt2, "--init", tuned,
                                     "--decoder-only", "--steps", "4", "--resume"]), 0, "same encoder: fine")
        XCTAssertEqual(Tessera.main(["train", "vae", "--data", data, "--clips-per-step", "1", "--checkpoint", ckpt, "--init", tuned,
                                     "--decoder-only", "--steps", "5", "--resume"]), 1, "a checkpoint of another encoder")
    }

    func testClearErrors() {
        let dir = folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(Tessera.main(["train", "vae", "--resume", "--checkpoint", dir + "/none.safetensors", "--steps", "1"]), 1)
        XCTAssertEqual(Tessera.main(["train", "vae", "--data", dir + "/missing", "--steps", "1"]), 1)
        XCTAssertEqual(Tessera.main(["train", "vae", "--steps", "0"]), 2)
        XCTAssertEqual(Tessera.main(["vae", "roundtrip", dir + "/none.mp4", dir + "/o.mp4", "--weights", dir + "/none.safetensors"]), 1)
        XCTAssertEqual(Tessera.main(["vae", "explode", "a", "b"]), 2)
        XCTAssertEqual(Tessera.main(["eval", "nothing"]), 2)
    }
}
