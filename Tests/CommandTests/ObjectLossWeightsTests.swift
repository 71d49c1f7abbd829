// Object loss weights against a naive per-pixel check on a rendered scene.
import XCTest
import TesseraCommands
import TesseraMedia
import TesseraWorld

final class ObjectLossWeightsTests: XCTestCase {
    func testWeightsMarkTheLatentPixelsObjectsTouch() {
        let scene = Scene(background: .studio, objects: [SceneObject(color: .red, shape: .ball, size: .large, motion: .right(.fast))], seed: 3)
        var empty = scene
        empty.objects = []
        let video = Renderer.render(scene, width: 64, height: 48, frames: 9)
        let background = Renderer.render(empty, width: 64, height: 48, frames: 9)
        let w = ObjectLossWeights.latentWeights(video: video, background: background, latentShape: [1, 3, 6, 8, 16],
                                                spatialFactor: 8, temporalFactor: 4, objectWeight: 4)
        XCTAssertEqual(w.count, 3 * 6 * 8)
        for k in 0..<3 { for y in 0..<6 { for x in 0..<8 {
            let frames = k == 0 ? [0] : Array((4 * k - 3)...(4 * k))
            var differs = false
            for f in frames { for py in (y * 8)..<(y * 8 + 8) { for px in (x * 8)..<(x * 8 + 8) { for c in 0..<3 {
                let i = ((f * 48 + py) * 64 + px) * 3 + c
                if abs(Int(video.pixels[i]) - Int(background.pixels[i])) > 8 { differs = true }
            }}}}
            XCTAssertEqual(w[(k * 6 + y) * 8 + x], differs ? 5 : 1, "latent frame \(k) pixel (\(x), \(y))")
        }}}
        XCTAssertTrue(w.contains(5) && w.contains(1))
        XCTAssertEqual(ObjectLossWeights.latentWeights(video: video, background: nil, latentShape: [1, 3, 6, 8, 16],
                                                       spatialFactor: 8, temporalFactor: 4, objectWeight: 4), [Float](repeating: 1, count: 144))
    }
}
