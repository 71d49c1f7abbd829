// `tessera eval vae --judged`: each scene's verdicts are the judge's on the world render and on its
// round trip through the shipped autoencoder, recomputed here by hand; "lost" is exactly what the
// render had right and the round trip wrong.
import XCTest
import TesseraAutoencoder
import TesseraCommands
import TesseraEngine
import TesseraMedia
import TesseraWorld

final class EvalVAEJudgedTests: XCTestCase {
    func testVerdictsMatchHandRecomputation() throws {
        let vae = try VideoAutoencoder.loadWeights(path: nil)
        let cases = Array(EvalPromptSet.standard(seen: 2, heldOut: 1))
        let scenes = try EvalVAEJudged.measure(vae, cases: cases, duration: 0)
        XCTAssertEqual(scenes.count, 3)
        let judge = SceneJudge()
        for (c, s) in zip(cases, scenes) {
            let expansion = try PromptExpander.expand(c.prompt, seed: c.seed)
            let size = WorldOptions.defaultSize(aspect: Double(c.aspect.width) / Double(c.aspect.height))
            XCTAssertEqual([s.width, s.height, s.frames], [size.width, size.height, 1])
            let world = Renderer.render(expansion.scene, width: size.width, height: size.height, frames: 1)
            let decoded = vae.decodeVideo(vae.encode(Tensor(video: world)), fps: world.fps, frames: 1)
            XCTAssertEqual(s.reference.results, judge.judge(world, intended: expansion.scene).results)
            let after = judge.judge(decoded, intended: expansion.scene).results
            XCTAssertEqual(s.autoencoder.results, after)
            let lost = after.enumerated().filter { i, r in !r.correct && s.reference.results[i].correct }.map { $0.element }
            XCTAssertEqual(s.lost, lost)
            XCTAssertEqual(s.psnr, decoded.psnr(against: world), accuracy: 1e-9)
            XCTAssertGreaterThan(s.psnr, 25, "a trained autoencoder on a world image")
        }
        XCTAssertEqual(scenes.map(\.heldOut), [false, false, true])
        // The preview size is a quarter of each side.
        let small = try EvalVAEJudged.measure(vae, cases: [cases[0]], previewSize: true, duration: 0)
        XCTAssertEqual(small[0].width * 4, scenes[0].width)
        XCTAssertEqual(Tessera.main(["eval", "vae", "--judged", "--seen", "0", "--held-out", "0", "--nonsense"]), 2)
    }
}
