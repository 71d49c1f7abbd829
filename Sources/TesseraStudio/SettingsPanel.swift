// Settings: aspect (presets and custom W:H), duration, seed (lock, re-roll, typed), steps,
// guidance, preview and final size. Up/Down pick a row, Left/Right change it, Enter or digits edit
// the aspect or seed as text, `l` locks the seed and `r` re-rolls it.
import Foundation

public final class SettingsPanel: Widget {
    public enum Row: Int, CaseIterable { case aspect, duration, seed, steps, guidance, previewSize, finalSize }

    public var settings = StudioSettings()
    public var selected = Row.aspect
    /// Whether steps and guidance apply to the current generator.
    public var diffusionSettingsApply = false
    /// The generator's preview size for a final size, when it ties the two (then the preview-size
    /// row shows it and cannot be changed).
    public var tiedPreviewSize: (((width: Int, height: Int)) -> (width: Int, height: Int)?)?
    /// Text being typed into the aspect or seed row.
    public private(set) var editing: (row: Row, editor: TextEditor)?
    public private(set) var problem: String?

    public init() {}

    public func handle(_ key: Key) -> HandlerResult {
        if var edit = editing {
            switch key {
            case .enter, .tab:
                commit(edit.row, edit.editor.text)
                editing = nil
                return [.handled, .redraw, .changed]
            case .escape:
                editing = nil
                return [.handled, .redraw]
            default:
                let r = edit.editor.handle(key, allowNewlines: false)
                editing = edit
                return r.contains(.handled) ? [.handled, .redraw] : .ignored
            }
        }
        problem = nil
        switch key {
        case .up:
            selected = Row(rawValue: (selected.rawValue + Row.allCases.count - 1) % Row.allCases.count)!
            return [.handled, .redraw]
        case .down:
            selected = Row(rawValue: (selected.rawValue + 1) % Row.allCases.count)!
            return [.handled, .redraw]
        case .left: return change(-1)
        case .right: return change(+1)
        case .enter where selected == .aspect || selected == .seed:
            startEditing(selected, text: selected == .aspect ? settings.aspect.description : String(settings.seed))
            return [.handled, .redraw]
        case .character("l") where selected == .seed, .character("L"):
            settings.seedLocked.toggle()
            return [.handled, .redraw, .changed]
        case .character("r"), .character("R"):
            settings.seed = StudioSettings.randomSeed()
            return [.handled, .redraw, .changed]
        case .character(let c) where c.isNumber && (selected == .seed || selected == .aspect):
            var e = TextEditor()
            e.insert(String(c))
            editing = (selected, e)
            return [.handled, .redraw]
        default:
            return .ignored
        }
    }

    private func startEditing(_ row: Row, text: String) {
        editing = (row, TextEditor(text))
    }

    private func commit(_ row: Row, _ text: String) {
        switch row {
        case .aspect:
            if let a = Aspect.parse(text) { settings.aspect = a } else { problem = "aspect must be W:H (1-100 each, ratio 1:8 to 8:1), got '\(text)'" }
        case .seed:
            if let s = UInt64(text.trimmingCharacters(in: .whitespaces)) { settings.seed = s; settings.seedLocked = true }
            else { problem = "seed must be a whole number, got '\(text)'" }
        default: break
        }
    }

    /// Sets the seed from outside (gallery tweak) and locks it.
    public func setSeed(_ seed: UInt64) { settings.seed = seed; settings.seedLocked = true }

    private func change(_ step: Int) -> HandlerResult {
        var s = settings
        switch selected {
        case .aspect:
            let presets = Aspect.presets
            if let i = presets.firstIndex(of: s.aspect) {
                s.aspect = presets[(i + step + presets.count) % presets.count]
            } else {
                s.aspect = step > 0 ? presets[0] : presets[presets.count - 1]
            }
        case .duration: s.duration = cycle(StudioSettings.durations, s.duration, step)
        case .seed:
            if step > 0 { s.seed &+= 1 } else if s.seed > 0 { s.seed -= 1 }
        case .steps: s.steps = min(200, max(1, s.steps + 5 * step - (s.steps == 1 && step > 0 ? 1 : 0)))
        case .guidance: s.guidance = min(20, max(1, s.guidance + 0.5 * Double(step)))
        case .previewSize:
            if tiedPreviewSize?(s.finalSize) == nil { s.previewHeight = cycle(StudioSettings.previewHeights, s.previewHeight, step) }
        case .finalSize: s.finalHeight = cycle(StudioSettings.finalHeights, s.finalHeight, step)
        }
        settings = s
        return [.handled, .redraw, .changed]
    }

    private func cycle<T: Equatable>(_ values: [T], _ current: T, _ step: Int) -> T {
        let i = values.firstIndex(of: current) ?? 0
        return values[min(values.count - 1, max(0, i + step))]
    }

    func value(_ row: Row) -> String {
        let s = settings
        switch row {
        case .aspect: return s.aspect.isPreset ? s.aspect.description : "custom \(s.aspect)"
        case .duration:
            return s.duration == 0 ? "still image" : String(format: "%g s (%d frames)", s.duration, s.frameCount)
        case .seed: return "\(s.seed) " + (s.seedLocked ? "[locked]" : "(new each preview)")
        case .steps: return "\(s.steps)" + (diffusionSettingsApply ? "" : " (model only)")
        case .guidance: return String(format: "%.1f", s.guidance) + (diffusionSettingsApply ? "" : " (model only)")
        case .previewSize:
            if let tied = tiedPreviewSize?(s.finalSize) { return "\(tied.width)x\(tied.height) (quarter of final)" }
            return "\(s.previewSize.width)x\(s.previewSize.height)"
        case .finalSize: return "\(s.finalSize.width)x\(s.finalSize.height)"
        }
    }

    static let labels = ["Aspect", "Duration", "Seed", "Steps", "Guidance", "Preview size", "Final size"]

    public func render(into buffer: inout CellBuffer, area: Rect, context: RenderContext, focused: Bool) {
        let inner = Draw.box(&buffer, area, title: "Settings", focused: focused, context: context)
        guard !inner.isEmpty else { return }
        for row in Row.allCases where row.rawValue < inner.height {
            let y = inner.y + row.rawValue
            let isSelected = focused && row == selected
            let label = SettingsPanel.labels[row.rawValue].padding(toLength: 13, withPad: " ", startingAt: 0)
            let labelStyle = isSelected ? context.style(.selection) : context.style(.label)
            var x = buffer.put(label, x: inner.x, y: y, style: labelStyle, maxX: inner.maxX)
            if let edit = editing, edit.row == row {
                x = buffer.put(edit.editor.text, x: x + 1, y: y, style: context.style(.value), maxX: inner.maxX)
                if focused { buffer.cursor = (min(x, inner.maxX - 1), y) }
                buffer.put("  Enter ok, Esc cancel", x: x, y: y, style: context.style(.muted), maxX: inner.maxX)
                continue
            }
            let arrows = isSelected && ![.seed].contains(row)
            let text = (arrows ? "◂ " : " ") + value(row) + (arrows ? " ▸" : "")
            let role: Role = (row == .steps || row == .guidance) && !diffusionSettingsApply ? .muted
                : (row == .seed && settings.seedLocked ? .locked : .value)
            buffer.put(context.unicode ? text : text.replacingOccurrences(of: "◂", with: "<").replacingOccurrences(of: "▸", with: ">"),
                       x: x, y: y, style: context.style(role), maxX: inner.maxX)
        }
        let hintY = inner.y + Row.allCases.count
        if hintY < inner.maxY {
            let hint = problem ?? (focused ? (selected == .seed ? "r re-roll · l lock · digits type a seed" : "↑↓ pick · ←→ change · Enter/digits edit")
                                           : "Tab here to change settings")
            buffer.put(hint, x: inner.x, y: hintY, style: context.style(problem == nil ? .muted : .error), maxX: inner.maxX)
        }
    }
}
