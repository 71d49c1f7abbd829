// The studio without a terminal: the reference generator (progress, cancel, same bytes as a whole
// render), render output (atomic .mp4 + sidecar, gallery listing), background jobs, and the app's
// screen and key routing drawn into a cell buffer.
import Foundation
import XCTest
import TesseraMedia
import TesseraStudio
import TesseraWorld

final class StudioModelTests: XCTestCase {
    func request(frames: Int = 13, width: Int = 64, height: Int = 36) -> GenerationRequest {
        let e = try! PromptExpander.expand("red ball bouncing on a meadow", seed: 3)
        return GenerationRequest(prompt: "red ball bouncing on a meadow", caption: e.caption, seed: 3, width: width, height: height,
                                 frames: frames, fps: 12, steps: 30, guidance: 5)
    }

    func testReferenceGeneratorMatchesWholeRenderAndReportsProgress() throws {
        let req = request()
        var steps: [Int] = []
        let video = try ReferenceGenerator().generate(request: req, progress: { p in
            steps.append(p.step)
            XCTAssertEqual(p.totalSteps, 13)
            XCTAssertEqual(p.intermediate?.frameCount, p.step)
        }, isCancelled: { false })
        XCTAssertEqual(steps.last, 13)
        XCTAssertEqual(steps, steps.sorted())
        XCTAssertGreaterThan(steps.count, 1)
        // Rendered piece by piece, the bytes equal a whole render of the prompt's scene (what
        // `tessera world render --prompt P --seed 3` writes).
        let scene = try PromptExpander.expand(req.prompt, seed: 3).scene
        XCTAssertTrue(video == Renderer.render(scene, width: 64, height: 36, frames: 13, fps: 12))
        // An edited caption is what gets rendered.
        var edited = req
        edited.caption = "A small blue square slides to the left in a green meadow."
        edited.captionEdited = true
        let blue = try ReferenceGenerator.scene(for: edited)
        XCTAssertEqual(blue.objects.first?.color.rawValue, "blue")
    }

    func testReferenceGeneratorCancels() {
        var calls = 0
        XCTAssertThrowsError(try ReferenceGenerator().generate(request: request(frames: 49), progress: { _ in calls += 1 },
                                                               isCancelled: { calls >= 2 })) { error in
            XCTAssertTrue(error is GenerationCancelled)
        }
        XCTAssertEqual(calls, 2)
    }

    func testRenderOutputWritesVideoAndSidecarAtomically() throws {
        let folder = NSTemporaryDirectory() + "tessera-render-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let req = request()
        let video = try ReferenceGenerator().generate(request: req, progress: { _ in }, isCancelled: { false })
        let record = try RenderOutput.write(video, request: req, captionEdited: false, aspect: Aspect(16, 9), duration: 1,
                                            generator: ReferenceGenerator(), seconds: 0.5, folder: folder,
                                            date: Date(timeIntervalSince1970: 1_800_000_000))
        XCTAssertEqual(record.video, "20270115-080000-red-ball-bouncing-on-a-s3.mp4")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        XCTAssertEqual(files, [record.video.replacingOccurrences(of: ".mp4", with: ".json"), record.video])
        let info = try MediaReader.probe(folder + "/" + record.video)
        XCTAssertEqual(info.frameCount, 13)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: record.sidecarPath(in: folder)))) as? [String: Any])
        XCTAssertEqual(json["generator"] as? String, "reference-world-renderer")
        XCTAssertTrue(json["model_hash"] is NSNull)
        XCTAssertEqual(json["caption"] as? String, req.caption)
        XCTAssertEqual(RenderOutput.list(folder: folder), [record])
        // A second render of the same prompt at the same second gets its own name.
        let second = try RenderOutput.write(video, request: req, captionEdited: true, aspect: Aspect(16, 9), duration: 1,
                                            generator: ReferenceGenerator(), seconds: 0.5, folder: folder,
                                            date: Date(timeIntervalSince1970: 1_800_000_000))
        XCTAssertNotEqual(second.video, record.video)
        XCTAssertEqual(RenderOutput.list(folder: folder).count, 2)
        // A sidecar whose video is missing is not listed.
        try FileManager.default.removeItem(atPath: folder + "/" + second.video)
        XCTAssertEqual(RenderOutput.list(folder: folder), [record])
    }

    func testRenderOutputErrorLeavesNothing() throws {
        let file = NSTemporaryDirectory() + "tessera-not-a-folder-\(getpid())"
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: Data([1])))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let req = request(frames: 2)
        let video = try ReferenceGenerator().generate(request: req, progress: { _ in }, isCancelled: { false })
        XCTAssertThrowsError(try RenderOutput.write(video, request: req, captionEdited: false, aspect: Aspect(16, 9), duration: 0,
                                                    generator: ReferenceGenerator(), seconds: 0, folder: file + "/sub"))
    }

    func testBackgroundJobsCancelThePreviousJob() {
        let jobs = BackgroundJobs()
        let first = jobs.start(.preview) { job, isCancelled, _ in
            while !isCancelled() { usleep(1000) }
            return .cancelled(job: job)
        }
        let second = jobs.start(.preview) { job, _, post in
            post(.progress(job: job, GenerationProgress(step: 1, totalSteps: 2, secondsLeft: nil, intermediate: nil)))
            return .failed(job: job, "done")
        }
        XCTAssertNotEqual(first, second)
        let deadline = Date().addingTimeInterval(5)
        var seen: [JobEvent] = []
        while Date() < deadline && jobs.anyRunning { usleep(1000) }
        seen = jobs.drainEvents()
        XCTAssertFalse(jobs.anyRunning, "the first job stopped when the second started")
        XCTAssertTrue(seen.allSatisfy { $0.job == second }, "only the current job's events reach the UI")
        XCTAssertEqual(seen.count, 2)
    }

    func app() throws -> StudioApp {
        let themes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("themes").path
        setenv("TESSERA_THEMES", themes, 1)
        return try StudioApp(options: StudioOptions(outputFolder: NSTemporaryDirectory() + "tessera-app-\(getpid())"),
                             colorMode: .palette256, unicode: true)
    }

    func screenText(_ b: CellBuffer) -> String { (0..<b.height).map { b.text(row: $0) }.joined(separator: "\n") }

    func testScreenAndKeyRouting() throws {
        let app = try app()
        for c in "red ball bouncing on a medow" { app.handle(.character(c)) }
        var screen = screenText(app.draw(width: 120, height: 40))
        XCTAssertTrue(screen.contains("red ball bouncing on a medow"))
        XCTAssertTrue(screen.contains("unknown 'medow': nearest known word 'meadow'"), screen)
        XCTAssertTrue(screen.contains("reference world renderer"))
        // The unknown word is highlighted in the editor.
        let buffer = app.draw(width: 120, height: 40)
        let unknown = app.context.style(.unknownWord)
        XCTAssertTrue((0..<buffer.width).contains { buffer[$0, 2].style == unknown && buffer[$0, 2].character == "m" })
        // Enter previews; the preview pane fills with half blocks.
        app.handle(.enter)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && app.jobs.anyRunning { usleep(2000) }
        app.applyJobEvents()
        let drawn = app.draw(width: 120, height: 40)
        XCTAssertGreaterThan(drawn.cells.filter { $0.character == "▀" }.count, 500)
        XCTAssertNotNil(drawn.overlay)
        // Settings: Tab twice, Right changes the aspect.
        app.handle(.tab); app.handle(.tab); app.handle(.right)
        XCTAssertEqual(app.settingsPanel.settings.aspect, Aspect(9, 16))
        // Editing the expanded prompt locks it; Ctrl-L unlocks and it follows the prompt again.
        app.handle(.backTab)
        app.handle(.character("!"))
        XCTAssertTrue(app.expanded.locked)
        app.handle(.control("l"))
        XCTAssertFalse(app.expanded.locked)
        XCTAssertFalse(app.expanded.caption.contains("!"))
        // Help overlay and too-small message.
        app.handle(.function(1))
        screen = screenText(app.draw(width: 120, height: 40))
        XCTAssertTrue(screen.contains("Help (Esc closes)"))
        app.handle(.escape)
        XCTAssertTrue(screenText(app.draw(width: 60, height: 15)).contains("Terminal too small: 60x15"))
        app.handle(.function(10))
        XCTAssertTrue(app.shouldQuit)
    }
}
