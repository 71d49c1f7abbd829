import XCTest
import Foundation
import TesseraWorld
import TesseraMedia
import TesseraTestSupport

/// The judge on clips that went through a real encoder and decoder (H.264 4:2:0, GIF palette):
/// the closest thing to generated video this module can make by itself.
final class EncodedClipJudgeTests: XCTestCase {
    func testJudgeSurvivesMP4AndGIFRoundTrips() throws {
        let dir = temporaryFolder("judge")
        let sampler = SceneSampler(seed: 21)
        var correct = 0, total = 0
        for i in 0..<12 {
            let scene = sampler.sample(index: i)
            let video = Renderer.render(scene, width: 256, height: 144, frames: 31)
            let path = dir + (i % 2 == 0 ? "/clip.mp4" : "/clip.gif")
            try MediaWriter.write(video, to: path, metadata: [:])
            let decoded = try MediaReader.read(path)
            XCTAssertEqual(decoded.frameCount, 31)
            let verdict = SceneJudge().judge(decoded, intended: scene)
            correct += verdict.correctCount
            total += verdict.results.count
        }
        print("judge after mp4/gif round trips: \(correct)/\(total)")
        XCTAssertGreaterThanOrEqual(Double(correct) / Double(total), 0.95)
    }
}
