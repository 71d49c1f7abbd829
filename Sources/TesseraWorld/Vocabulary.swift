// The closed vocabulary of the procedural world (../shared/WORLD.md): shapes, sizes, motions,
// speeds, placements, backgrounds, and the held-out combinations that training never shows.
// Colours live in Palette.swift.

/// Shapes as WORLD.md defines them; the geometry is in ShapeGeometry.swift.
public enum Shape: String, CaseIterable, Codable, Sendable {
    case ball, square, triangle, star, diamond, ring

    /// A ball or a ring looks the same at every angle, so WORLD.md rules out spinning them.
    public var canSpin: Bool { self != .ball && self != .ring }
}

/// Size classes: the upright bounding-box height as a fraction of frame height.
public enum SizeClass: String, CaseIterable, Codable, Sendable {
    case small, medium, large

    public var height: Double {
        switch self {
        case .small: return 0.12
        case .medium: return 0.20
        case .large: return 0.32
        }
    }

    /// The class whose nominal height is nearest in log scale (jitter is multiplicative).
    public static func nearest(toHeight h: Double) -> SizeClass {
        if h < (0.12 * 0.20).squareRoot() { return .small }
        if h < (0.20 * 0.32).squareRoot() { return .medium }
        return .large
    }
}

public enum MotionKind: String, CaseIterable, Codable, Sendable {
    case still, left, right, up, down, bounce, spin, grow, shrink

    /// Constant-velocity motions: the ones that take a speed.
    public var isLinear: Bool { self == .left || self == .right || self == .up || self == .down }
}

/// Speed of a linear motion, in normalized units per second.
public enum Speed: String, CaseIterable, Codable, Sendable {
    case slow, normal, fast

    public var value: Double {
        switch self {
        case .slow: return 0.15
        case .normal: return 0.25
        case .fast: return 0.35
        }
    }

    /// Nearest class for a measured speed (midpoints 0.20 and 0.30).
    public static func nearest(to v: Double) -> Speed {
        v < 0.20 ? .slow : (v < 0.30 ? .normal : .fast)
    }
}

/// Left or right: the sideways direction of a bounce.
public enum Side: String, CaseIterable, Codable, Sendable {
    case left, right
    public var sign: Double { self == .left ? -1 : 1 }
}

/// A motion with exactly the parameters its kind takes: a speed for left/right/up/down, a side for
/// bounce, nothing otherwise. The initializer drops what a kind does not take, so two motions that
/// look the same always compare equal.
public struct Motion: Hashable, Codable, Sendable, CustomStringConvertible {
    public let kind: MotionKind
    public let speed: Speed?
    public let side: Side?

    public init(_ kind: MotionKind, speed: Speed? = nil, side: Side? = nil) {
        self.kind = kind
        self.speed = kind.isLinear ? (speed ?? .normal) : nil
        self.side = kind == .bounce ? (side ?? .right) : nil
    }

    public static let still = Motion(.still), spin = Motion(.spin), grow = Motion(.grow), shrink = Motion(.shrink)
    public static func left(_ s: Speed = .normal) -> Motion { Motion(.left, speed: s) }
    public static func right(_ s: Speed = .normal) -> Motion { Motion(.right, speed: s) }
    public static func up(_ s: Speed = .normal) -> Motion { Motion(.up, speed: s) }
    public static func down(_ s: Speed = .normal) -> Motion { Motion(.down, speed: s) }
    public static func bounce(_ side: Side) -> Motion { Motion(.bounce, speed: nil, side: side) }

    /// Every distinct motion: 4 directions x 3 speeds, 2 bounces, and still/spin/grow/shrink.
    public static let all: [Motion] = MotionKind.allCases.flatMap { kind -> [Motion] in
        if kind.isLinear { return Speed.allCases.map { Motion(kind, speed: $0) } }
        if kind == .bounce { return Side.allCases.map { Motion.bounce($0) } }
        return [Motion(kind)]
    }

    public var description: String {
        if let s = speed { return "\(kind.rawValue)(\(s.rawValue))" }
        if let s = side { return "bounce(\(s.rawValue))" }
        return kind.rawValue
    }
}

/// Where an object starts: the left, middle or right third of the frame.
public enum Placement: String, CaseIterable, Codable, Sendable {
    case left, middle, right

    /// Range of the object's starting centre x.
    public var range: ClosedRange<Double> {
        switch self {
        case .left: return 0.0...(1.0 / 3)
        case .middle: return (1.0 / 3)...(2.0 / 3)
        case .right: return (2.0 / 3)...1.0
        }
    }
}

public enum Background: String, CaseIterable, Codable, Sendable {
    case sky, sunset, night, meadow, ocean, desert, snow, studio

    /// y where the ground starts, or nil for backgrounds without ground.
    public var groundLine: Double? {
        switch self {
        case .meadow: return 0.62
        case .ocean: return 0.55
        case .desert, .snow: return 0.60
        case .sky, .sunset, .night, .studio: return nil
        }
    }

    /// The floor that bouncing objects land on (WORLD.md: the ground line, or 0.92).
    public var floor: Double { groundLine ?? 0.92 }
}

/// WORLD.md "Held-out combinations": pairs the training sampler never produces.
public enum HeldOut {
    public static let colorShape: Set<String> = ["green star", "purple triangle", "orange ring", "white diamond", "pink square"]
    public static let colorMotion: Set<String> = ["cyan grow", "black bounce"]
    public static let backgroundMotion: Set<String> = ["night bounce", "snow spin"]

    public static func isHeldOut(_ color: ObjectColor, _ shape: Shape) -> Bool {
        colorShape.contains("\(color.rawValue) \(shape.rawValue)")
    }
    public static func isHeldOut(_ color: ObjectColor, _ motion: MotionKind) -> Bool {
        colorMotion.contains("\(color.rawValue) \(motion.rawValue)")
    }
    public static func isHeldOut(_ background: Background, _ motion: MotionKind) -> Bool {
        backgroundMotion.contains("\(background.rawValue) \(motion.rawValue)")
    }
}
