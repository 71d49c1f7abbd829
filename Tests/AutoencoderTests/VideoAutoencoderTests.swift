import XCTest
import TesseraEngine
import TesseraAutoencoder
import TesseraTestSupport

final class VideoAutoencoderTests: XCTestCase {
    func randomVideo(frames: Int, height: Int, width: Int, seed: UInt64) -> Tensor<Float> {
        var rng = RandomGenerator(seed: seed)
        return Tensor(randomNormal: [1, frames, height, width, 3], scale: 0.5, rng: &rng)
    }

    func testLatentShapesForImagesAndClips() {
        let vae = VideoAutoencoder(config: .standard, seed: 1)
        for (frames, latentFrames) in [(1, 1), (5, 2), (9, 3)] {
            let z = vae.encode(randomVideo(frames: frames, height: 16, width: 24, seed: 2))
            XCTAssertEqual(z.shape, [1, latentFrames, 2, 3, 16])
            XCTAssertEqual(vae.decode(z).shape, [1, frames, 16, 24, 3])
        }
        XCTAssertNotNil(AutoencoderConfig.standard.validate(frames: 4, height: 16, width: 16))
        XCTAssertNotNil(AutoencoderConfig.standard.validate(frames: 5, height: 12, width: 16))
        XCTAssertNil(AutoencoderConfig.standard.validate(frames: 49, height: 288, width: 512))
    }

    /// Frame 0 is encoded from frame 0 alone, and later frames never affect earlier latents/frames.
    func testEncoderAndDecoderAreCausalInTime() {
        let vae = VideoAutoencoder(config: .standard, seed: 3)
        var video = randomVideo(frames: 9, height: 16, width: 16, seed: 4)
        let z1 = vae.encode(video)
        let image = vae.encode(Tensor(shape: [1, 1, 16, 16, 3], values: Array(video.scalars[0..<(16 * 16 * 3)])))
        // Equal up to float rounding (GEMM blocking depends on the problem size).
        XCTAssertLessThanOrEqual(toleranceRatio(Array(z1.scalars[0..<(2 * 2 * 16)]), image.scalars, atol: 1e-5, rtol: 1e-5), 1,
                                 "first latent frame = the image's latent")
        // Change frames 5...8: latent frames 0 and 1 (input frames 0...4) must not move.
        video.withUnsafeMutablePointer { p in for i in (5 * 16 * 16 * 3)..<(9 * 16 * 16 * 3) { p[i] += 1 } }
        let z2 = vae.encode(video)
        XCTAssertEqual(Array(z1.scalars[0..<(2 * 2 * 2 * 16)]), Array(z2.scalars[0..<(2 * 2 * 2 * 16)]))
        XCTAssertNotEqual(Array(z1.scalars[(2 * 2 * 2 * 16)...]), Array(z2.scalars[(2 * 2 * 2 * 16)...]))
        let d1 = vae.decode(z1), d2 = vae.decode(z2)
        XCTAssertEqual(Array(d1.scalars[0..<(5 * 16 * 16 * 3)]), Array(d2.scalars[0..<(5 * 16 * 16 * 3)]))
    }

    /// A tiny autoencoder overfits one clip: reconstruction PSNR climbs, reproducibly.
    func testTinyAutoencoderLearnsAndIsDeterministic() {
        func run() -> [Double] {
            let vae = VideoAutoencoder(config: .tiny, seed: 5)
            let optimizer = AdamW(vae.store)
            var rng = RandomGenerator(seed: 6)
            // A smooth clip: a moving bright square on a gradient.
            var clip = Tensor<Float>(zeros: [1, 5, 16, 16, 3])
            clip.withUnsafeMutablePointer { p in
                for f in 0..<5 { for y in 0..<16 { for x in 0..<16 {
                    let inside = x >= 3 + f && x < 9 + f && y >= 5 && y < 11
                    let base = (((f * 16) + y) * 16 + x) * 3
                    p[base] = inside ? 0.9 : Float(y) / 16 - 0.5
                    p[base + 1] = inside ? -0.6 : -0.3
                    p[base + 2] = inside ? 0.2 : Float(x) / 16 - 0.5
                }}}
            }
            var psnrs: [Double] = []
            for _ in 0..<150 {
                vae.store.zeroGrads()
                let r = vae.trainingStep(clip, rng: &rng)
                optimizer.update(lr: 3e-3)
                psnrs.append(r.psnr)
            }
            return psnrs
        }
        let a = run(), b = run()
        XCTAssertEqual(a, b)
        XCTAssertLessThan(a[0], 15)
        XCTAssertGreaterThan(a.suffix(10).reduce(0, +) / 10, a[0] + 8, "PSNR should rise by 8 dB: \(a[0]) -> \(a.last!)")
    }

    /// Decoder-only steps give the decoder exactly the gradients of a full step (same latent sample)
    /// and the encoder none.
    func testDecoderOnlyStepMatchesTheFullStepOnTheDecoder() {
        let vae = VideoAutoencoder(config: .tiny, seed: 8)
        var noise = RandomGenerator(seed: 1)
        let clip = Tensor<Float>(randomNormal: [1, 5, 16, 16, 3], scale: 0.5, rng: &noise)
        func grads(decoderOnly: Bool) -> (result: VideoAutoencoder.StepResult, grads: [Float]) {
            vae.store.zeroGrads()
            var rng = RandomGenerator(seed: 3)
            let r = vae.trainingStep(clip, rng: &rng, decoderOnly: decoderOnly)
            return (r, Array(UnsafeBufferPointer(start: vae.store.grads, count: vae.store.count)))
        }
        let full = grads(decoderOnly: false), decoder = grads(decoderOnly: true)
        let e = vae.encoderParameterCount
        XCTAssertGreaterThan(e, 0)
        XCTAssertLessThan(e, vae.store.count)
        XCTAssertTrue(decoder.grads[..<e].allSatisfy { $0 == 0 }, "no encoder gradient")
        XCTAssertTrue(full.grads[..<e].contains { $0 != 0 })
        XCTAssertEqual(Array(decoder.grads[e...]), Array(full.grads[e...]))
        XCTAssertEqual(decoder.result.reconstructionMSE, full.result.reconstructionMSE)
    }
}
