// Where each part of the studio goes for a terminal size; nil when the terminal is too small to
// show them legibly (the studio then says so instead of drawing garbage).

public struct StudioLayout: Equatable, Sendable {
    public static let minimumWidth = 70
    public static let minimumHeight = 20

    public var header: Rect
    public var prompt: Rect
    public var expanded: Rect
    public var settings: Rect
    public var preview: Rect
    public var status: Rect

    public init?(width: Int, height: Int) {
        guard width >= StudioLayout.minimumWidth && height >= StudioLayout.minimumHeight else { return nil }
        let bodyY = 1, bodyHeight = height - 2
        let left = min(56, max(34, width * 2 / 5))
        let settingsHeight = 10
        let promptHeight = max(4, (bodyHeight - settingsHeight) * 2 / 5)
        header = Rect(x: 0, y: 0, width: width, height: 1)
        prompt = Rect(x: 0, y: bodyY, width: left, height: promptHeight)
        expanded = Rect(x: 0, y: bodyY + promptHeight, width: left, height: bodyHeight - promptHeight - settingsHeight)
        settings = Rect(x: 0, y: bodyY + bodyHeight - settingsHeight, width: left, height: settingsHeight)
        preview = Rect(x: left, y: bodyY, width: width - left, height: bodyHeight)
        status = Rect(x: 0, y: height - 1, width: width, height: 1)
    }
}
