// The real studio in tmux at 120x40 (STYLE.md item 14): type a prompt, change aspect and seed,
// preview (the pane's cells turn red and meadow green), render (a valid .mp4 and its sidecar),
// resize (including too small), quit (alternate screen left, tty modes as before).
// Needs the release binary (`make test` builds it first) and tmux (CI installs it).
import Foundation
import XCTest
import TesseraMedia
import TesseraStudio
import TesseraSampler

final class StudioEndToEndTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var binary: String { packageRoot.appendingPathComponent(".build/release/tessera").path }

    var driver: TmuxDriver?
    var folder = ""

    override func setUpWithError() throws {
        guard TmuxDriver.isAvailable else { throw XCTSkip("tmux is not installed (make deps installs it)") }
        guard FileManager.default.isExecutableFile(atPath: StudioEndToEndTests.binary) else {
            throw XCTSkip("no release binary at \(StudioEndToEndTests.binary); run `swift build -c release` first (make test does)")
        }
        folder = NSTemporaryDirectory() + "tessera-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        driver?.kill()
        driver = nil
        try? FileManager.default.removeItem(atPath: folder)
    }

    func fail(_ what: String, _ d: TmuxDriver, file: StaticString = #filePath, line: UInt = #line) {
        XCTFail("\(what); screen:\n\(d.capture())", file: file, line: line)
    }

    func testStudioEndToEnd() throws {
        let f = folder
        let command = "stty -g > \(f)/stty.before; cd \(f) && env -u NO_COLOR -u COLORTERM TERM=tmux-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 "
            + "TESSERA_THEMES=\(StudioEndToEndTests.packageRoot.path)/themes \(StudioEndToEndTests.binary) studio --generator reference --out \(f)/renders; "
            + "echo STUDIO-EXIT=$?; stty -g > \(f)/stty.after; exec sleep 600"
        let d = try TmuxDriver(width: 120, height: 40, shellCommand: command)
        driver = d
        guard d.wait(timeout: 15, { $0.contains("Tessera studio") && $0.contains("Prompt") }) != nil else {
            return fail("the studio did not start", d)
        }
        XCTAssertEqual(d.format("#{alternate_on}"), "1", "the studio uses the alternate screen")
        XCTAssertTrue(d.capture().contains("reference world renderer"), "the UI says the world renderer is used")

        // Type a prompt; the expanded prompt follows.
        d.type("red ball bouncing on a meadow")
        guard d.wait(timeout: 5, { $0.contains("red ball bouncing on a meadow") && $0.contains("green meadow") }) != nil else {
            return fail("prompt or expansion not shown", d)
        }

        // Settings: aspect 16:9 -> 9:16 -> 1:1, seed typed as 42.
        d.send("Tab"); d.send("Tab")
        d.send("Right"); d.send("Right")
        guard d.wait(timeout: 5, { $0.contains("1:1") && $0.contains("192x192") }) != nil else { return fail("aspect 1:1 not set", d) }
        d.send("Down"); d.send("Down")
        d.type("42"); d.send("Enter")
        guard d.wait(timeout: 5, { $0.contains("42 [locked]") }) != nil else { return fail("seed not set", d) }

        // Preview: the pane fills with half blocks of the ball's red and the meadow's green.
        d.send("F5")
        let shown = d.wait(timeout: 10, escapes: true) { screen in
            let colours = ScreenCapture(screen).halfBlockColours
            return colours.count > 400 && colours.contains(where: StudioEndToEndTests.isRed) && colours.contains(where: StudioEndToEndTests.isGreen)
        }
        guard let screen = shown else { return fail("no red ball on a green meadow in the preview", d) }
        XCTAssertTrue(screen.contains("38;5;"), "256-colour SGR in tmux-256color")
        // Square aspect: the picture is about twice as many columns wide as rows tall? No: a half
        // block is about square, so a 1:1 picture has as many columns as pixel rows (2 per cell).
        let rows = ScreenCapture(screen).rows.filter { $0.contains { $0.character == "▀" } }
        let widths = rows.map { $0.filter { $0.character == "▀" }.count }
        XCTAssertEqual(Double(widths.max() ?? 0), Double(2 * rows.count), accuracy: 3, "1:1 picture \(widths.max() ?? 0) x \(rows.count) cells")
        guard d.wait(timeout: 10, { $0.contains("Preview done") }) != nil else { return fail("preview did not finish", d) }

        // Render: .mp4 + sidecar in the output folder.
        d.send("F6")
        guard d.wait(timeout: 60, { $0.contains("Saved ") }) != nil else { return fail("render not saved", d) }
        let files = try FileManager.default.contentsOfDirectory(atPath: f + "/renders").sorted()
        let mp4 = try XCTUnwrap(files.first { $0.hasSuffix(".mp4") }, "\(files)")
        let json = try XCTUnwrap(files.first { $0.hasSuffix(".json") }, "\(files)")
        XCTAssertEqual(files.count, 2, "only the video and its sidecar, no temporary files: \(files)")
        let info = try MediaReader.probe(f + "/renders/" + mp4)
        XCTAssertEqual(info.width, 384)
        XCTAssertEqual(info.height, 384)
        XCTAssertEqual(info.frameCount, 49)
        if let probe = StudioEndToEndTests.ffprobe(f + "/renders/" + mp4) {
            XCTAssertTrue(probe.contains("codec_name=h264"), probe)
            XCTAssertTrue(probe.contains("width=384") && probe.contains("height=384"), probe)
            XCTAssertTrue(probe.contains("nb_read_frames=49"), probe)
        }
        let sidecar = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: f + "/renders/" + json))) as? [String: Any])
        XCTAssertEqual(sidecar["prompt"] as? String, "red ball bouncing on a meadow")
        XCTAssertTrue((sidecar["caption"] as? String ?? "").contains("red ball"), "\(sidecar)")
        XCTAssertEqual(sidecar["seed"] as? Int, 42)
        XCTAssertEqual(sidecar["aspect"] as? String, "1:1")
        XCTAssertEqual(sidecar["generator"] as? String, "reference-world-renderer")
        XCTAssertTrue(sidecar["model_hash"] is NSNull, "model_hash is null without a model")
        XCTAssertEqual(sidecar["video"] as? String, mp4)
        for key in ["steps", "guidance", "duration", "frames", "fps", "width", "height", "created", "caption_edited"] {
            XCTAssertNotNil(sidecar[key], key)
        }

        // Gallery lists the render.
        d.send("F2")
        guard d.wait(timeout: 5, { $0.contains("Gallery") && $0.contains("seed 42") }) != nil else { return fail("gallery does not list the render", d) }
        d.send("Escape")
        guard d.wait(timeout: 5, { !$0.contains("Gallery:") }) != nil else { return fail("gallery did not close", d) }

        // Resize: smaller, too small (a clear message), and back.
        d.resize(width: 90, height: 28)
        guard d.wait(timeout: 5, { s in s.contains("Tessera studio") && s.split(separator: "\n").allSatisfy { $0.count <= 90 } && s.contains("Settings") }) != nil else {
            return fail("no redraw at 90x28", d)
        }
        d.resize(width: 50, height: 12)
        guard d.wait(timeout: 5, { $0.contains("Terminal too small: 50x12") }) != nil else { return fail("no too-small message", d) }
        d.resize(width: 120, height: 40)
        guard d.wait(timeout: 5, { $0.contains("Settings") && $0.contains("Preview") }) != nil else { return fail("no redraw at 120x40", d) }

        // Quit: the shell is back, the alternate screen left, tty modes unchanged.
        d.send("F10")
        guard d.wait(timeout: 20, { $0.contains("STUDIO-EXIT=0") }) != nil else { return fail("the studio did not exit with 0", d) }
        XCTAssertEqual(d.format("#{alternate_on}"), "0")
        _ = d.wait(timeout: 5) { _ in FileManager.default.fileExists(atPath: f + "/stty.after") }
        let before = try String(contentsOfFile: f + "/stty.before", encoding: .utf8)
        let after = try String(contentsOfFile: f + "/stty.after", encoding: .utf8)
        XCTAssertEqual(before, after, "tty modes restored")
    }

    /// The shipped model behind the studio: preview frames appear, the render is a 512x288 clip whose
    /// sidecar names the model and its weights hash. Skipped only when no weights are shipped.
    func testStudioWithTheShippedModel() throws {
        let bundle = StudioEndToEndTests.packageRoot.appendingPathComponent(".build/release/Tessera_TesseraTransformer.resources")
        guard ["Resources/dit.safetensors", "dit.safetensors"].contains(where: { FileManager.default.fileExists(atPath: bundle.appendingPathComponent($0).path) }) else {
            throw XCTSkip("no diffusion transformer weights are shipped in this build")
        }
        let f = folder
        let command = "cd \(f) && env -u NO_COLOR -u OPENBLAS_CORETYPE COLORTERM=truecolor TERM=tmux-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 "
            + "TESSERA_THEMES=\(StudioEndToEndTests.packageRoot.path)/themes \(StudioEndToEndTests.binary) studio --out \(f)/renders; "
            + "echo STUDIO-EXIT=$?; exec sleep 600"
        let d = try TmuxDriver(width: 120, height: 40, shellCommand: command)
        driver = d
        guard d.wait(timeout: 20, { $0.contains("Tessera studio") && $0.contains("Tessera DiT") }) != nil else {
            return fail("the studio did not start with the model", d)
        }
        d.type("red ball bouncing on a meadow")
        guard d.wait(timeout: 5, { $0.contains("green meadow") }) != nil else { return fail("no expansion", d) }
        d.send("F5")
        guard d.wait(timeout: 60, escapes: true, { ScreenCapture($0).halfBlockColours.count > 400 && $0.contains("Preview done") }) != nil else {
            return fail("no preview from the model", d)
        }
        d.send("F6")
        guard d.wait(timeout: 300, { $0.contains("Saved ") }) != nil else { return fail("render not saved", d) }
        let files = try FileManager.default.contentsOfDirectory(atPath: f + "/renders").sorted()
        let mp4 = try XCTUnwrap(files.first { $0.hasSuffix(".mp4") }, "\(files)")
        let json = try XCTUnwrap(files.first { $0.hasSuffix(".json") }, "\(files)")
        let info = try MediaReader.probe(f + "/renders/" + mp4)
        XCTAssertEqual([info.width, info.height, info.frameCount], [512, 288, 49])
        let sidecar = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: f + "/renders/" + json))) as? [String: Any])
        XCTAssertEqual(sidecar["generator"] as? String, "tessera-dit")
        XCTAssertEqual((sidecar["model_hash"] as? String)?.count, 16, "\(sidecar)")
        // The studio starts with the steps and guidance that `generate` and `eval` use.
        XCTAssertEqual(sidecar["steps"] as? Int, GenerationSettings.defaultSteps, "\(sidecar)")
        XCTAssertEqual(sidecar["guidance"] as? Double, GenerationSettings.defaultGuidance, "\(sidecar)")
        d.send("F10")
        guard d.wait(timeout: 20, { $0.contains("STUDIO-EXIT=0") }) != nil else { return fail("the studio did not exit with 0", d) }
    }

    func testTerminationSignalRestoresTheTerminal() throws {
        let f = folder
        // The inner shell writes its pid and becomes the studio, so the test knows whom to signal.
        let command = "cd \(f) && sh -c 'echo $$ > \(f)/pid; exec env -u NO_COLOR TERM=tmux-256color LANG=C.UTF-8 "
            + "\(StudioEndToEndTests.binary) studio --generator reference --out \(f)/renders'; echo STUDIO-EXIT=$?; exec sleep 600"
        let d = try TmuxDriver(width: 100, height: 30, shellCommand: command)
        driver = d
        guard d.wait(timeout: 15, { $0.contains("Tessera studio") }) != nil else { return fail("the studio did not start", d) }
        let pid = try String(contentsOfFile: f + "/pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        kill(pid_t(pid)!, SIGTERM)
        guard d.wait(timeout: 20, { $0.contains("STUDIO-EXIT=") }) != nil else { return fail("no exit after SIGTERM", d) }
        XCTAssertEqual(d.format("#{alternate_on}"), "0")
    }

    /// Truecolor: overlay mode (COLORTERM with 256-colour terminfo) and, when `tic` can compile
    /// one, ncurses direct colour (tmux-direct terminfo). The meadow's exact colour must appear.
    func testTrueColorModesShowExactColours() throws {
        let f = folder
        var modes = ["env COLORTERM=truecolor TERM=tmux-256color"]
        let source = f + "/tmux-direct.src"
        try ("tmux-direct|tmux with direct-color indexing,\n\tRGB, colors#0x1000000, pairs#0x10000, CO#8,\n"
             + "\tsetab=\\E[%?%p1%{8}%<%t4%p1%d%e48\\:2\\:\\:%p1%{65536}%/%d\\:%p1%{256}%/%{255}%&%d\\:%p1%{255}%&%d%;m,\n"
             + "\tsetaf=\\E[%?%p1%{8}%<%t3%p1%d%e38\\:2\\:\\:%p1%{65536}%/%d\\:%p1%{256}%/%{255}%&%d\\:%p1%{255}%&%d%;m,\n"
             + "\tsetb@, setf@, initc@, ccc@, use=tmux-256color,\n").write(toFile: source, atomically: true, encoding: .utf8)
        if system("tic -x -o \(f)/terminfo \(source) >/dev/null 2>&1") == 0 {
            modes.append("env -u COLORTERM TERMINFO=\(f)/terminfo TERM=tmux-direct")
        }
        // The meadow of "red ball bouncing on a meadow" (world palette): exact only in truecolor.
        for mode in modes {
            let command = "cd \(f) && env -u NO_COLOR LANG=C.UTF-8 \(mode) \(StudioEndToEndTests.binary) studio --generator reference --out \(f)/renders; "
                + "echo STUDIO-EXIT=$?; exec sleep 600"
            let d = try TmuxDriver(width: 120, height: 40, shellCommand: command)
            driver = d
            guard d.wait(timeout: 15, { $0.contains("Tessera studio") && $0.contains("truecolor") }) != nil else {
                return fail("the studio did not start in truecolor (\(mode))", d)
            }
            d.type("red ball bouncing on a meadow")
            d.send("F5")
            let shown = d.wait(timeout: 10, escapes: true) { screen in
                screen.contains("48;2;") && ScreenCapture(screen).halfBlockColours.contains { $0 == RGB(70, 160, 70) }
            }
            if shown == nil { return fail("no exact meadow colour in \(mode)", d) }
            d.send("F10")
            guard d.wait(timeout: 10, { $0.contains("STUDIO-EXIT=0") }) != nil else { return fail("no exit (\(mode))", d) }
            d.kill()
        }
    }

    static func isRed(_ c: RGB) -> Bool { c.r >= 150 && c.g <= 90 && c.b <= 90 }
    static func isGreen(_ c: RGB) -> Bool { Int(c.g) >= Int(c.r) + 25 && Int(c.g) >= Int(c.b) + 25 }

    static func ffprobe(_ path: String) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                       "-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "default=noprint_wrappers=1", path]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = Pipe()
        guard (try? p.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return p.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }
}
