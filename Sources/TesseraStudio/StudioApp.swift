// The studio: state, key routing and drawing (pure, testable without a terminal), and the event
// loop that polls keys with a short timeout, applies background job events and redraws once per
// change. Generation runs on `BackgroundJobs` threads; the UI thread never waits for it.
import Foundation
import TesseraMedia
import TesseraWorld

public struct StudioOptions: Sendable {
    public var themeName: String?
    public var outputFolder: String
    public var colorMode: ColorMode?
    public init(themeName: String? = nil, outputFolder: String = "renders", colorMode: ColorMode? = nil) {
        self.themeName = themeName; self.outputFolder = outputFolder; self.colorMode = colorMode
    }
}

public final class StudioApp {
    public enum Focus: Int, CaseIterable { case prompt, expanded, settings, preview }
    public enum Overlay { case none, help, gallery }

    public let generator: any VideoGenerating
    public let prompt = PromptEditor()
    public let expanded = ExpandedPromptView()
    public let settingsPanel = SettingsPanel()
    public let preview = PreviewPane()
    public let status = StatusLine()
    public let help = HelpOverlay()
    public let gallery = Gallery()
    public private(set) var focus = Focus.prompt
    public private(set) var overlay = Overlay.none
    public private(set) var context: RenderContext
    public private(set) var shouldQuit = false
    public let jobs = BackgroundJobs()
    public let outputFolder: String
    private let themeDirectory: String?
    private var pasting = false
    private var runningKind: JobKind?
    private var jobStart = Date()
    /// The request of the shown preview: a render reuses its seed so you get what you previewed.
    private var lastPreview: GenerationRequest?

    public init(options: StudioOptions, colorMode: ColorMode, unicode: Bool, generator: any VideoGenerating = ReferenceGenerator()) throws {
        self.generator = generator
        outputFolder = options.outputFolder
        themeDirectory = Theme.findDirectory()
        let theme = try Theme.load(options.themeName ?? "default", directory: themeDirectory)
        context = RenderContext(theme: theme, colorMode: colorMode, unicode: unicode)
        settingsPanel.diffusionSettingsApply = generator.usesDiffusionSettings
        if let sampling = generator.defaultSampling {
            settingsPanel.settings.steps = sampling.steps; settingsPanel.settings.guidance = sampling.guidance
        }
        settingsPanel.tiedPreviewSize = { [generator] in generator.previewSize(forFinal: $0) }
        gallery.folder = outputFolder
        preview.emptyMessage = "Type a prompt and press Enter to preview it here."
        status.message = generator.usesDiffusionSettings ? "Ready" : "Ready · \((generator as? ReferenceGenerator)?.note ?? "no trained model")"
        updateExpansion()
    }

    // MARK: keys

    public func handle(_ key: Key) {
        if key == .pasteBegin { pasting = true; return }
        if key == .pasteEnd { pasting = false; return }
        var key = key
        if pasting && (key == .enter || key == .newline) { key = .newline }
        if key == .resize { return }
        switch overlay {
        case .help:
            if help.handle(key).contains(.close) { overlay = .none }
            return
        case .gallery:
            if gallery.handle(key).contains(.close) { overlay = .none; runGalleryAction() }
            return
        case .none: break
        }
        if pasting, focus == .prompt || focus == .expanded {
            _ = focused.handle(key)
            afterEdit(focus)
            return
        }
        switch key {
        case .function(10), .control("q"), .control("c"): shouldQuit = true; return
        case .function(1): overlay = .help; return
        case .function(2), .control("g"): gallery.reload(); overlay = .gallery; return
        case .function(3), .control("t"): cycleTheme(); return
        case .function(5): startPreview(); return
        case .function(6), .control("r"): startRender(); return
        case .tab where settingsPanel.editing == nil || focus != .settings:
            focus = Focus(rawValue: (focus.rawValue + 1) % Focus.allCases.count)!; return
        case .backTab:
            focus = Focus(rawValue: (focus.rawValue + Focus.allCases.count - 1) % Focus.allCases.count)!; return
        case .control("l"):
            expanded.setLocked(!expanded.locked)
            updateExpansion()
            return
        case .escape where !(focus == .settings && settingsPanel.editing != nil):
            if jobs.cancelCurrent() { status.message = "Cancelling…" }
            return
        case .character("?") where focus == .preview || (focus == .settings && settingsPanel.editing == nil):
            overlay = .help; return
        default: break
        }
        let result = focused.handle(key)
        if result.contains(.changed) { afterEdit(focus) }
        if !result.contains(.handled) && key == .enter { startPreview() }
    }

    private var focused: Widget {
        switch focus {
        case .prompt: return prompt
        case .expanded: return expanded
        case .settings: return settingsPanel
        case .preview: return preview
        }
    }

    private func afterEdit(_ focus: Focus) {
        switch focus {
        case .prompt, .settings: updateExpansion()
        case .expanded: checkEditedCaption()
        case .preview: break
        }
    }

    /// Re-expands the prompt with the current seed (the caption follows unless it is locked).
    public func updateExpansion() {
        let text = prompt.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else {
            expanded.update(caption: "")
            expanded.unknownWords = []; expanded.notes = []; prompt.unknownWords = []
            return
        }
        do {
            let e = try PromptExpander.expand(text, seed: settingsPanel.settings.seed)
            expanded.update(caption: e.caption)
            expanded.unknownWords = e.unknownWords
            expanded.notes = e.notes
            prompt.unknownWords = Set(e.unknownWords.map { $0.word.lowercased() })
        } catch {
            expanded.notes = ["\(error)"]
        }
        if expanded.locked { checkEditedCaption() } else { expanded.problem = nil }
    }

    private func checkEditedCaption() {
        guard let e = try? PromptExpander.expand(expanded.caption, seed: settingsPanel.settings.seed) else {
            expanded.problem = "the edited caption is too long"
            return
        }
        expanded.problem = e.unknownWords.isEmpty ? nil
            : "the edited caption has unknown words: " + e.unknownWords.map { "'\($0.word)'" }.joined(separator: ", ")
    }

    private func cycleTheme() {
        guard let dir = themeDirectory else { status.message = "no themes folder found"; return }
        let names = Theme.available(in: dir)
        guard !names.isEmpty else { return }
        let i = names.firstIndex(of: context.theme.name).map { ($0 + 1) % names.count } ?? 0
        do {
            context.theme = try Theme.load(names[i], directory: dir)
            status.message = "Theme: \(names[i])"; status.messageRole = .status
        } catch {
            status.message = "\(error)"; status.messageRole = .error
        }
    }

    // MARK: jobs

    func request(size: (width: Int, height: Int)) -> GenerationRequest {
        let s = settingsPanel.settings
        return GenerationRequest(prompt: prompt.text, caption: expanded.caption, captionEdited: expanded.locked, seed: s.seed, width: size.width,
                                 height: size.height, frames: s.frameCount, fps: s.fps, steps: s.steps, guidance: s.guidance)
    }

    /// Starts a preview at the preview size, cancelling whatever runs.
    public func startPreview() {
        guard !prompt.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || expanded.locked else {
            status.message = "Type a prompt first"; status.messageRole = .warning
            return
        }
        if !settingsPanel.settings.seedLocked {
            settingsPanel.settings.seed = StudioSettings.randomSeed()
            updateExpansion()
        }
        prompt.editor.remember(prompt.text)
        let settings = settingsPanel.settings
        var req = request(size: generator.previewSize(forFinal: settings.finalSize) ?? settings.previewSize)
        req.isPreview = true
        lastPreview = req
        start(.preview, req, label: "Previewing")
    }

    /// Renders the final video at the final size into the output folder, with its sidecar.
    public func startRender(_ given: GenerationRequest? = nil, captionEdited: Bool? = nil, aspect: Aspect? = nil, duration: Double? = nil) {
        var req = given ?? request(size: settingsPanel.settings.finalSize)
        if given == nil, let p = lastPreview, p.prompt == req.prompt, p.caption == req.caption { req.seed = p.seed }
        guard !req.caption.isEmpty || !req.prompt.isEmpty else {
            status.message = "Type a prompt first"; status.messageRole = .warning
            return
        }
        prompt.editor.remember(prompt.text)
        let edited = captionEdited ?? req.captionEdited
        let aspect = aspect ?? settingsPanel.settings.aspect
        let duration = duration ?? settingsPanel.settings.duration
        let generator = self.generator, folder = outputFolder
        let finalRequest = req
        runningKind = .render
        jobStart = Date()
        status.state = .working(label: "Rendering \(req.width)x\(req.height)", step: 0, total: req.frames, secondsLeft: nil)
        jobs.start(.render) { job, isCancelled, post in
            let start = Date()
            do {
                let req = finalRequest
                let video = try generator.generate(request: req, progress: { post(.progress(job: job, $0)) }, isCancelled: isCancelled)
                if isCancelled() { return .cancelled(job: job) }
                post(.finished(job: job, video, Date().timeIntervalSince(start)))
                let record = try RenderOutput.write(video, request: req, captionEdited: edited, aspect: aspect, duration: duration,
                                                    generator: generator, seconds: Date().timeIntervalSince(start), folder: folder)
                return .saved(job: job, record)
            } catch is GenerationCancelled {
                return .cancelled(job: job)
            } catch {
                return .failed(job: job, "\(error)")
            }
        }
    }

    private func start(_ kind: JobKind, _ req: GenerationRequest, label: String) {
        let generator = self.generator
        runningKind = kind
        jobStart = Date()
        status.state = .working(label: "\(label) \(req.width)x\(req.height)", step: 0, total: req.frames, secondsLeft: nil)
        jobs.start(kind) { job, isCancelled, post in
            let start = Date()
            do {
                let video = try generator.generate(request: req, progress: { post(.progress(job: job, $0)) }, isCancelled: isCancelled)
                return .finished(job: job, video, Date().timeIntervalSince(start))
            } catch is GenerationCancelled {
                return .cancelled(job: job)
            } catch {
                return .failed(job: job, "\(error)")
            }
        }
    }

    /// Applies the current job's events; returns whether anything changed on screen.
    @discardableResult
    public func applyJobEvents() -> Bool {
        let events = jobs.drainEvents()
        for event in events {
            switch event {
            case let .progress(job, p):
                if case let .working(label, _, _, _) = status.state {
                    status.state = .working(label: label, step: p.step, total: p.totalSteps, secondsLeft: p.secondsLeft)
                }
                if let v = p.intermediate, v.frameCount > 0 {
                    preview.show(v, follow: true)
                    preview.caption = "· #\(job) \(runningKind == .render ? "rendering" : "previewing") (\(p.step)/\(p.totalSteps))"
                }
            case let .finished(job, video, seconds):
                preview.show(video)
                preview.playing = true
                preview.caption = "· #\(job) \(runningKind == .render ? "final" : "preview") · \(generator.identifier)"
                if runningKind == .preview {
                    status.state = .idle
                    status.message = String(format: "Preview done in %.2fs · %@", seconds, generator.identifier)
                    status.messageRole = .success
                } else {
                    status.state = .working(label: "Writing video", step: 1, total: 1, secondsLeft: nil)
                }
            case let .saved(_, record):
                status.state = .idle
                status.message = "Saved \(outputFolder)/\(record.video) (+ .json sidecar)"
                status.messageRole = .success
            case .cancelled:
                status.state = .idle
                status.message = "Cancelled"; status.messageRole = .warning
            case let .failed(_, message):
                status.state = .idle
                status.message = "Error: \(message)"; status.messageRole = .error
            }
        }
        return !events.isEmpty
    }

    private func runGalleryAction() {
        guard let action = gallery.action else { return }
        gallery.action = nil
        switch action {
        case .open(let r):
            do {
                let video = try MediaReader.read(outputFolder + "/" + r.video)
                preview.show(video)
                preview.playing = true
                preview.caption = "· \(r.video)"
                status.message = "Opened \(r.video): \(r.prompt.replacingOccurrences(of: "\n", with: " "))"; status.messageRole = .status
            } catch {
                status.message = "cannot open \(r.video): \(error)"; status.messageRole = .error
            }
        case .rerender(let r):
            let req = GenerationRequest(prompt: r.prompt, caption: r.caption, captionEdited: r.captionEdited, seed: r.seed, width: r.width, height: r.height,
                                        frames: r.frames, fps: r.fps, steps: r.steps, guidance: r.guidance)
            startRender(req, captionEdited: r.captionEdited, aspect: Aspect.parse(r.aspect) ?? Aspect(r.width, r.height), duration: r.duration)
        case .tweak(let r):
            prompt.editor.setText(r.prompt)
            expanded.setLocked(false)
            settingsPanel.setSeed(r.seed)
            var s = settingsPanel.settings
            if let a = Aspect.parse(r.aspect) { s.aspect = a }
            s.duration = r.duration; s.steps = r.steps; s.guidance = r.guidance
            settingsPanel.settings = s
            updateExpansion()
            if r.captionEdited { expanded.setLocked(false); expanded.update(caption: r.caption); expanded.setLocked(true) }
            focus = .prompt
            status.message = "Loaded \(r.video) for tweaking"; status.messageRole = .status
        }
    }

    // MARK: drawing

    /// Draws the whole screen for a `width` x `height` terminal.
    public func draw(width: Int, height: Int) -> CellBuffer {
        var buffer = CellBuffer(width: width, height: height, fill: context.style(.text))
        guard let layout = StudioLayout(width: width, height: height) else {
            let lines = ["Terminal too small: \(width)x\(height).",
                         "Tessera needs at least \(StudioLayout.minimumWidth)x\(StudioLayout.minimumHeight).",
                         "Enlarge the window (F10 quits)."]
            for (i, line) in lines.enumerated() {
                let x = max(0, (width - DisplayWidth.of(line)) / 2)
                buffer.put(line, x: x, y: max(0, height / 2 - 1) + i, style: context.style(i == 0 ? .warning : .text))
            }
            return buffer
        }
        let h = context.style(.header)
        buffer.fill(layout.header, style: h)
        let modeName = context.colorMode.isTrueColor ? "truecolor" : context.colorMode == .palette256 ? "256 colours" :
            context.colorMode == .ansi16 ? "16 colours" : "no colour"
        buffer.put(" Tessera studio · generator: \(generator.displayName) · theme \(context.theme.name) · \(modeName)",
                   x: 0, y: 0, style: h, maxX: width)
        prompt.render(into: &buffer, area: layout.prompt, context: context, focused: focus == .prompt && overlay == .none)
        expanded.render(into: &buffer, area: layout.expanded, context: context, focused: focus == .expanded && overlay == .none)
        settingsPanel.render(into: &buffer, area: layout.settings, context: context, focused: focus == .settings && overlay == .none)
        preview.render(into: &buffer, area: layout.preview, context: context, focused: focus == .preview && overlay == .none)
        status.render(into: &buffer, area: layout.status, context: context, focused: false)
        switch overlay {
        case .none: break
        case .help:
            buffer.cursor = nil
            buffer.overlay = nil
            help.render(into: &buffer, area: buffer.bounds, context: context, focused: true)
        case .gallery:
            buffer.cursor = nil
            buffer.overlay = nil
            gallery.render(into: &buffer, area: buffer.bounds, context: context, focused: true)
        }
        return buffer
    }

    // MARK: event loop

    /// Runs until quit (keys, F10/Ctrl-Q/Ctrl-C) or a termination signal; always restores the terminal.
    public func run(terminal: Terminal) {
        defer {
            jobs.cancelAllAndWait(timeout: 20)
            RenderOutput.removeTemporaryFiles(folder: outputFolder)
            terminal.end()
        }
        var dirty = true
        while !shouldQuit {
            if terminal.takePendingSignal() != nil { break }
            if dirty {
                let size = terminal.size
                terminal.flush(draw(width: size.width, height: size.height))
                dirty = false
            }
            let now = Date()
            var timeout = jobs.isBusy ? 15 : 100
            if let next = preview.secondsUntilNextFrame(now: now) { timeout = min(timeout, max(1, Int(next * 1000))) }
            if let key = terminal.readKey(timeoutMilliseconds: timeout) {
                if key == .resize { terminal.invalidate() }
                handle(key)
                // Take keys already waiting (a paste, fast typing) before drawing once.
                var n = 0
                while n < 256, !shouldQuit, let more = terminal.readKey(timeoutMilliseconds: 0) {
                    if more == .resize { terminal.invalidate() }
                    handle(more)
                    n += 1
                }
                dirty = true
            }
            if applyJobEvents() { dirty = true }
            if preview.advance(now: Date()) { dirty = true }
        }
    }
}
