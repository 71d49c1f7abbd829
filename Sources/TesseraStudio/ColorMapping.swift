// Colour modes and the mapping of exact colours to what a terminal can show: 24-bit as is, the
// xterm-256 palette (nearest of the 6x6x6 cube and the 24-step grey ramp, by squared RGB distance),
// the 16 ANSI colours, or none (the preview then draws brightness with characters).
//
// xterm-256 layout (xterm's 256colres.pl): index 16 + 36r + 6g + b with levels 0,95,135,175,215,255;
// indices 232...255 are greys 8, 18, ..., 238. Indices 0...15 vary by terminal, so exact colours never
// map to them in 256-colour mode.

/// How colours reach the terminal.
public enum ColorMode: String, CaseIterable, Sendable {
    /// 24-bit colour numbers through ncurses (terminfo with `RGB`, e.g. tmux-direct, xterm-direct).
    case direct
    /// 24-bit colours written as raw SGR sequences over the preview after each ncurses refresh
    /// (256-colour terminfo, but COLORTERM says the terminal takes 24-bit).
    case overlay
    case palette256 = "256"
    case ansi16 = "16"
    case none

    /// Whether exact colours are shown as is.
    public var isTrueColor: Bool { self == .direct || self == .overlay }
}

public enum ColorMapping {
    public static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    /// The RGB value of xterm-256 palette entry `index` (16...255; 0...15 use the xterm defaults).
    public static func rgb(ofXterm index: Int) -> RGB {
        switch index {
        case 0..<16: return ansiPalette[index]
        case 16..<232:
            let i = index - 16
            return RGB(UInt8(cubeLevels[i / 36]), UInt8(cubeLevels[(i / 6) % 6]), UInt8(cubeLevels[i % 6]))
        default:
            let v = UInt8(8 + 10 * (index - 232))
            return RGB(v, v, v)
        }
    }

    /// The nearest xterm-256 entry (16...255) by squared RGB distance; ties go to the lower index.
    ///
    /// The cube is a product grid, so its nearest point is the nearest level per channel; the result
    /// is then compared with the nearest grey.
    public static func xterm256(_ c: RGB) -> Int {
        let r = Int(c.r), g = Int(c.g), b = Int(c.b)
        let ri = nearestLevel(r), gi = nearestLevel(g), bi = nearestLevel(b)
        let cubeIndex = 16 + 36 * ri + 6 * gi + bi
        let cubeDistance = square(r - cubeLevels[ri]) + square(g - cubeLevels[gi]) + square(b - cubeLevels[bi])
        // Grey k has value 8 + 10k; the best k is near (mean - 8) / 10, check the neighbours.
        let mean = (r + g + b) / 3
        var bestGrey = 0, bestGreyDistance = Int.max
        let centre = min(23, max(0, (mean - 8 + 5) / 10))
        for k in max(0, centre - 1)...min(23, centre + 1) {
            let v = 8 + 10 * k
            let d = square(r - v) + square(g - v) + square(b - v)
            if d < bestGreyDistance { bestGreyDistance = d; bestGrey = k }
        }
        return bestGreyDistance < cubeDistance ? 232 + bestGrey : cubeIndex
    }

    /// The nearest of `count` (8 or 16) ANSI colours using xterm's default palette.
    public static func ansi(_ c: RGB, count: Int = 16) -> Int {
        var best = 0, bestDistance = Int.max
        for i in 0..<min(16, max(1, count)) {
            let p = ansiPalette[i]
            let d = square(Int(c.r) - Int(p.r)) + square(Int(c.g) - Int(p.g)) + square(Int(c.b) - Int(p.b))
            if d < bestDistance { bestDistance = d; best = i }
        }
        return best
    }

    /// xterm's default values of the 16 ANSI colours.
    public static let ansiPalette: [RGB] = [
        RGB(0, 0, 0), RGB(205, 0, 0), RGB(0, 205, 0), RGB(205, 205, 0),
        RGB(0, 0, 238), RGB(205, 0, 205), RGB(0, 205, 205), RGB(229, 229, 229),
        RGB(127, 127, 127), RGB(255, 0, 0), RGB(0, 255, 0), RGB(255, 255, 0),
        RGB(92, 92, 255), RGB(255, 0, 255), RGB(0, 255, 255), RGB(255, 255, 255),
    ]

    /// Characters from dark to bright for terminals without colour.
    public static let brightnessRamp: [Character] = [" ", ".", ":", "-", "=", "+", "*", "#", "%", "@"]

    /// Rec. 601 luma of a colour, 0...255.
    public static func luma(_ c: RGB) -> Double { 0.299 * Double(c.r) + 0.587 * Double(c.g) + 0.114 * Double(c.b) }

    /// The ramp character for the mean brightness of two pixels.
    public static func rampCharacter(top: RGB, bottom: RGB?) -> Character {
        let y = bottom.map { (luma(top) + luma($0)) / 2 } ?? luma(top)
        let i = min(brightnessRamp.count - 1, Int(y / 256 * Double(brightnessRamp.count)))
        return brightnessRamp[i]
    }

    @inline(__always) static func square(_ x: Int) -> Int { x * x }

    /// Index of the nearest cube level; the boundaries are the midpoints 47.5, 115, 155, 195, 235, and
    /// a value exactly on one goes to the lower level.
    @inline(__always) static func nearestLevel(_ v: Int) -> Int {
        if v <= 47 { return 0 }
        if v <= 115 { return 1 }
        return min(5, (v - 116) / 40 + 2)
    }
}
