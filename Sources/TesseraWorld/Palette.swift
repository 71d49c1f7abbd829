// Object colours of the procedural world (../shared/WORLD.md, "Object colours", sRGB).

public enum ObjectColor: String, CaseIterable, Codable, Sendable {
    case red, orange, yellow, green, cyan, blue, purple, pink, white, black

    public var rgb: (UInt8, UInt8, UInt8) {
        switch self {
        case .red: return (220, 40, 40)
        case .orange: return (245, 140, 30)
        case .yellow: return (245, 215, 40)
        case .green: return (50, 180, 70)
        case .cyan: return (40, 200, 210)
        case .blue: return (40, 80, 220)
        case .purple: return (140, 60, 200)
        case .pink: return (245, 120, 180)
        case .white: return (245, 245, 245)
        case .black: return (25, 25, 25)
        }
    }
}
