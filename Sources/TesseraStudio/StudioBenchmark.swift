// `tessera bench studio`: drives the real studio in tmux (like the end-to-end test) and measures
// what a user feels: the time from the preview key to the first preview frame on screen, and the
// time from a key press to its echo in the prompt editor, idle and while a render runs. Times
// include tmux and one `capture-pane` round trip (reported as the resolution).
import Foundation

public struct StudioBenchReport: Sendable {
    public var firstFrameSeconds: [Double] = []
    public var echoIdleSeconds: [Double] = []
    public var echoDuringRenderSeconds: [Double] = []
    public var captureSeconds: [Double] = []
    public var rendersStarted = 0
    public var renderSize = ""
    public var terminal = "tmux 120x40, TERM=tmux-256color"

    public static func median(_ xs: [Double]) -> Double { percentile(xs, 0.5) }
    public static func percentile(_ xs: [Double], _ p: Double) -> Double {
        guard !xs.isEmpty else { return .nan }
        let s = xs.sorted()
        return s[min(s.count - 1, Int((Double(s.count - 1) * p).rounded()))]
    }
}

public enum StudioBenchmark {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs the benchmark against the studio binary at `binary`; `log` gets progress lines.
    public static func run(binary: String, trials: Int, log: (String) -> Void) throws -> StudioBenchReport {
        guard TmuxDriver.isAvailable else { throw Failure(description: "tmux is not installed (make deps installs it)") }
        let folder = NSTemporaryDirectory() + "tessera-bench-studio-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let command = "cd \(folder) && env -u NO_COLOR -u COLORTERM TERM=tmux-256color LANG=C.UTF-8 \(binary) studio --out \(folder)/renders; exec sleep 600"
        let d = try TmuxDriver(width: 120, height: 40, shellCommand: command)
        defer { d.send("F10"); usleep(300_000); d.kill() }
        var report = StudioBenchReport()
        let layout = StudioLayout(width: 120, height: 40)!

        func need(_ what: String, timeout: Double = 10, _ predicate: (String) -> Bool) throws -> String {
            guard let s = d.wait(timeout: timeout, interval: 0, predicate) else {
                throw Failure(description: "the studio did not show \(what) within \(timeout) s; screen:\n\(d.capture())")
            }
            return s
        }
        /// The 'x' characters in the prompt editor's box.
        func promptXs(_ screen: String) -> Int {
            let rows = screen.split(separator: "\n", omittingEmptySubsequences: false)
            var n = 0
            for y in (layout.prompt.y + 1)..<(layout.prompt.maxY - 1) where y < rows.count {
                n += rows[y].prefix(layout.prompt.width).filter { $0 == "x" }.count
            }
            return n
        }
        func rendering(_ screen: String) -> Bool { screen.contains("Rendering") || screen.contains("Writing video") }

        _ = try need("its window") { $0.contains("Prompt") && $0.contains("Settings") }
        for _ in 0..<5 {
            let t = Date(); _ = d.capture(); report.captureSeconds.append(Date().timeIntervalSince(t))
        }
        d.type("red ball bouncing on a meadow")
        _ = try need("the typed prompt") { $0.contains("on a meadow") && $0.contains("green meadow") }

        log("preview key -> first frame")
        for i in 1...trials {
            let t0 = Date()
            d.send("F5")
            _ = try need("preview #\(i)") { $0.contains("#\(i) preview") && $0.contains("▀") }
            report.firstFrameSeconds.append(Date().timeIntervalSince(t0))
            _ = try need("preview #\(i) finishing") { $0.contains("#\(i) preview ·") }
        }

        log("key echo, idle")
        d.type(" ")
        var xs = 0
        for _ in 0..<trials {
            let t0 = Date()
            d.type("x")
            xs += 1
            _ = try need("the typed key") { promptXs($0) >= xs }
            report.echoIdleSeconds.append(Date().timeIntervalSince(t0))
        }

        // A long render: 10 s at the default final size (512x288).
        d.send("Tab"); d.send("Tab"); d.send("Down")
        for _ in 0..<6 { d.send("Right") }
        d.send("Tab"); d.send("Tab")
        _ = try need("the final size") { $0.contains("10 s") }
        log("key echo during a render")
        let deadline = Date().addingTimeInterval(120)
        while report.echoDuringRenderSeconds.count < trials * 2 && Date() < deadline {
            if !rendering(d.capture()) {
                d.send("F6")
                report.rendersStarted += 1
                let screen = try need("a render running", timeout: 20) { rendering($0) }
                if let line = screen.split(separator: "\n").last(where: { $0.contains("Rendering") }),
                   let r = line.range(of: #"\d+x\d+"#, options: .regularExpression) { report.renderSize = String(line[r]) }
            }
            if xs >= 12 {
                d.send("C-u")
                xs = 0
                _ = try need("the cleared prompt") { promptXs($0) == 0 }
            }
            let t0 = Date()
            d.type("x")
            xs += 1
            let screen = try need("the typed key during a render") { promptXs($0) >= xs }
            let dt = Date().timeIntervalSince(t0)
            if rendering(screen) { report.echoDuringRenderSeconds.append(dt) }
            usleep(20_000)
        }
        d.send("Escape")
        return report
    }

    public static func table(_ r: StudioBenchReport) -> String {
        func ms(_ x: Double) -> String { x.isNaN ? "-" : String(format: "%.1f", x * 1000) }
        func row(_ name: String, _ xs: [Double]) -> String {
            name.padding(toLength: 40, withPad: " ", startingAt: 0)
                + [StudioBenchReport.median(xs), StudioBenchReport.percentile(xs, 0.95), xs.max() ?? .nan].map { ms($0).leftPadded(10) }.joined()
                + String(xs.count).leftPadded(8)
        }
        return ["terminal: \(r.terminal); times include one capture-pane round trip (median \(ms(StudioBenchReport.median(r.captureSeconds))) ms)",
                "render during the echo test: \(r.renderSize) x 121 frames, \(r.rendersStarted) render(s)", "",
                "measure".padding(toLength: 40, withPad: " ", startingAt: 0) + "median ms".leftPadded(10) + "p95 ms".leftPadded(10) + "max ms".leftPadded(10) + "n".leftPadded(8),
                row("preview key -> first frame on screen", r.firstFrameSeconds),
                row("key echo, idle", r.echoIdleSeconds),
                row("key echo during a render", r.echoDuringRenderSeconds)].joined(separator: "\n")
    }

    public static func json(_ r: StudioBenchReport) -> [String: Any] {
        func stats(_ xs: [Double]) -> [String: Any] {
            ["median_seconds": StudioBenchReport.median(xs), "p95_seconds": StudioBenchReport.percentile(xs, 0.95),
             "max_seconds": xs.max() ?? 0, "samples": xs.count]
        }
        return ["terminal": r.terminal, "capture_round_trip_seconds": StudioBenchReport.median(r.captureSeconds),
                "render_size": r.renderSize, "renders": r.rendersStarted,
                "first_frame": stats(r.firstFrameSeconds), "key_echo_idle": stats(r.echoIdleSeconds),
                "key_echo_during_render": stats(r.echoDuringRenderSeconds)]
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
