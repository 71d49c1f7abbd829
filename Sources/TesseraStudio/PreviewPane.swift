// The preview pane: plays a video as half blocks fitted to the pane (truecolor, 256 or 16 colours
// by the terminal's mode; brightness characters without colour). While a job runs it shows the
// latest intermediate result; afterwards it loops the clip. Space pauses, Left/Right step frames,
// Home/End jump to the first/last frame.
import Foundation
import TesseraMedia

public final class PreviewPane: Widget {
    public private(set) var video: Video?
    public private(set) var frameIndex = 0
    public var playing = true
    /// What the pane shows, e.g. "preview 256x144 · reference world renderer".
    public var caption = ""
    /// Shown when there is no video.
    public var emptyMessage = "Press Enter to preview the prompt"
    private var lastAdvance = Date()
    /// Cached cells of the current frame at the last pane size.
    private var cached: (frame: Int, columns: Int, rows: Int, image: HalfBlockImage)?

    public init() {}

    /// Shows `video`; `follow` jumps to its newest frame (intermediate results while a job runs).
    public func show(_ video: Video?, follow: Bool = false) {
        self.video = video
        cached = nil
        if let v = video {
            frameIndex = follow ? max(0, v.frameCount - 1) : min(frameIndex, max(0, v.frameCount - 1))
        } else {
            frameIndex = 0
        }
        lastAdvance = Date()
    }

    /// Moves to the next frame when a frame's time has passed; returns whether the frame changed.
    public func advance(now: Date) -> Bool {
        guard playing, let v = video, v.frameCount > 1 else { return false }
        let period = 1.0 / Double(v.fps)
        guard now.timeIntervalSince(lastAdvance) >= period else { return false }
        frameIndex = (frameIndex + 1) % v.frameCount
        lastAdvance = now
        return true
    }

    /// Seconds until the next frame is due (for the event loop's key timeout).
    public func secondsUntilNextFrame(now: Date) -> Double? {
        guard playing, let v = video, v.frameCount > 1 else { return nil }
        return max(0, 1.0 / Double(v.fps) - now.timeIntervalSince(lastAdvance))
    }

    public func handle(_ key: Key) -> HandlerResult {
        guard let v = video else { return .ignored }
        switch key {
        case .character(" "): playing.toggle(); lastAdvance = Date()
        case .left: playing = false; frameIndex = (frameIndex + v.frameCount - 1) % v.frameCount
        case .right: playing = false; frameIndex = (frameIndex + 1) % v.frameCount
        case .home: playing = false; frameIndex = 0
        case .end: playing = false; frameIndex = v.frameCount - 1
        default: return .ignored
        }
        return [.handled, .redraw]
    }

    public func render(into buffer: inout CellBuffer, area: Rect, context: RenderContext, focused: Bool) {
        let inner = Draw.box(&buffer, area, title: "Preview", focused: focused, context: context, fill: .previewBackground)
        guard inner.height >= 2 else { return }
        let picture = Rect(x: inner.x, y: inner.y, width: inner.width, height: inner.height - 1)
        let infoY = inner.maxY - 1
        guard let v = video, v.frameCount > 0 else {
            let lines = Draw.wrap(emptyMessage, width: inner.width - 2)
            for (i, line) in lines.enumerated() {
                let x = inner.x + max(0, (inner.width - DisplayWidth.of(line)) / 2)
                buffer.put(line, x: x, y: inner.y + inner.height / 2 - lines.count / 2 + i, style: context.style(.muted), maxX: inner.maxX)
            }
            return
        }
        let image: HalfBlockImage
        if let c = cached, c.frame == frameIndex, c.columns == picture.width, c.rows == picture.height {
            image = c.image
        } else {
            image = HalfBlockRenderer.render(v, frame: frameIndex, columns: picture.width, rows: picture.height)
            cached = (frameIndex, picture.width, picture.height, image)
        }
        let background = context.style(.previewBackground).background
        for row in 0..<image.rows {
            for column in 0..<image.columns {
                let cell = image[column, row]
                let x = picture.x + image.x + column, y = picture.y + image.y + row
                if context.colorMode == .none || !context.unicode {
                    buffer[x, y] = Cell(ColorMapping.rampCharacter(top: cell.top, bottom: cell.bottom), style: context.style(.text))
                } else {
                    let bottom: CellColor = cell.bottom.map { .rgb($0) } ?? background
                    buffer[x, y] = Cell("▀", style: Style(foreground: .rgb(cell.top), background: bottom))
                }
            }
        }
        buffer.overlay = Rect(x: picture.x + image.x, y: picture.y + image.y, width: image.columns, height: image.rows)
        let state = v.frameCount > 1 ? (playing ? "▶" : "❚❚") : ""
        let info = "\(state) frame \(frameIndex + 1)/\(v.frameCount) · \(v.width)x\(v.height) \(caption)"
        buffer.put(context.unicode ? info : info.replacingOccurrences(of: "▶", with: ">").replacingOccurrences(of: "❚❚", with: "||").replacingOccurrences(of: "·", with: "-"),
                   x: inner.x, y: infoY, style: context.style(.muted), maxX: inner.maxX)
    }
}
