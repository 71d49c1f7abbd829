// The bottom line: what is running (with a progress bar, step and ETA) or the last message, and
// key hints on the right.
import Foundation

public final class StatusLine: Widget {
    public enum State: Equatable {
        case idle
        case working(label: String, step: Int, total: Int, secondsLeft: Double?)
    }
    public var state = State.idle
    public var message = "Ready"
    public var messageRole = Role.status
    public var hints = "Enter preview · F6 render · Esc cancel · Tab focus · F2 gallery · F1 help · F10 quit"

    public init() {}

    public func handle(_ key: Key) -> HandlerResult { .ignored }

    public func render(into buffer: inout CellBuffer, area: Rect, context: RenderContext, focused: Bool) {
        let base = context.style(.status)
        buffer.fill(area, style: base)
        var x = area.x
        switch state {
        case .idle:
            var style = context.style(messageRole)
            if messageRole != .status { style.background = base.background; style.attributes.formUnion(base.attributes) }
            x = buffer.put(" " + message, x: x, y: area.y, style: style, maxX: area.maxX)
        case let .working(label, step, total, left):
            x = buffer.put(" " + label + " ", x: x, y: area.y, style: context.style(.statusKey), maxX: area.maxX)
            let barWidth = 20
            let done = total > 0 ? min(barWidth, barWidth * step / total) : 0
            for i in 0..<barWidth where x + i < area.maxX {
                buffer[x + i, area.y] = Cell(i < done ? (context.unicode ? "█" : "#") : (context.unicode ? "░" : "."),
                                             style: context.style(i < done ? .progressDone : .progressTodo))
            }
            x += barWidth
            let eta = left.map { String(format: " ETA %.1fs", $0) } ?? ""
            x = buffer.put(" \(step)/\(total)\(eta) ", x: x, y: area.y, style: base, maxX: area.maxX)
        }
        let hintWidth = DisplayWidth.of(hints)
        if area.maxX - hintWidth - 1 > x + 1 {
            buffer.put(hints, x: area.maxX - hintWidth - 1, y: area.y, style: base, maxX: area.maxX)
        }
    }
}
