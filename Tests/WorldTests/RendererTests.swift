import XCTest
import TesseraWorld
import TesseraMedia
import TesseraEngine

final class RendererTests: XCTestCase {
    static let scene = Scene(background: .ocean, objects: [
        SceneObject(color: .red, shape: .star, size: .large, motion: .spin, placement: .left),
        SceneObject(color: .yellow, shape: .ring, size: .medium, motion: .bounce(.right), placement: .middle),
        SceneObject(color: .blue, shape: .triangle, size: .small, motion: .left(.fast), placement: .right),
    ], seed: 42)

    /// FNV-1a over the bytes: the "hash of two renders".
    static func hash(_ video: Video) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in video.pixels { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    func testSameSceneAndSeedGiveTheSameBytes() {
        let a = Renderer.render(Self.scene, width: 160, height: 96, frames: 13)
        let b = Renderer.render(Self.scene, width: 160, height: 96, frames: 13)
        XCTAssertEqual(Self.hash(a), Self.hash(b))
        var other = Self.scene
        other.seed = 43
        XCTAssertNotEqual(Self.hash(Renderer.render(other, width: 160, height: 96, frames: 13)), Self.hash(a))
    }

    func testBytesDoNotDependOnTheNumberOfThreads() {
        let saved = Parallel.workers
        defer { Parallel.workers = saved }
        Parallel.workers = 1
        let one = Self.hash(Renderer.render(Self.scene, width: 200, height: 112, frames: 9))
        Parallel.workers = 3
        XCTAssertEqual(Self.hash(Renderer.render(Self.scene, width: 200, height: 112, frames: 9)), one)
    }

    func testFrameCountAndSize() {
        XCTAssertEqual(Renderer.frameCount(duration: 4), 49)
        XCTAssertEqual(Renderer.frameCount(duration: 0), 1)
        let v = Renderer.render(Self.scene, width: 90, height: 160, frames: 1)
        XCTAssertEqual(v.frameCount, 1)
        XCTAssertEqual(v.width, 90)
    }

    func testRenders512x288x49WellUnderASecond() {
        _ = Renderer.render(Self.scene, width: 512, height: 288, frames: 2)
        let start = Date()
        let v = Renderer.render(Self.scene, width: 512, height: 288, frames: 49)
        let seconds = Date().timeIntervalSince(start)
        print("render 512x288x49 (3 objects, ocean): \(String(format: "%.3f", seconds)) s")
        XCTAssertEqual(v.frameCount, 49)
        XCTAssertLessThan(seconds, 0.5)
    }
}
