// The scene: everything needed to render a clip, and its caption-level view.
//
// A scene splits into what a caption says (background; per object colour, shape, size class,
// motion and an optional placement) and what it does not (size jitter, where exactly in its range
// the object starts, the seed of night stars and waves). `PartialScene` is the caption-level view
// with every field optional: the parser produces it, the expander completes it, and
// `Scene.captionFields` is the explicit equality that parse(canonical(scene)) must satisfy.

/// One object of a scene.
public struct SceneObject: Hashable, Codable, Sendable {
    public var color: ObjectColor
    public var shape: Shape
    public var size: SizeClass
    public var motion: Motion
    /// The third the object starts in; nil lets the layout choose (single-object scenes).
    public var placement: Placement?
    /// Multiplier on the class height, within 0.9...1.1 (WORLD.md: "may jitter by up to 10%").
    public var sizeJitter: Double
    /// Where in its allowed start range the object starts, each in 0...1 (see Layout.swift).
    public var layoutU: Double
    public var layoutV: Double

    public init(color: ObjectColor, shape: Shape, size: SizeClass, motion: Motion, placement: Placement? = nil,
                sizeJitter: Double = 1, layoutU: Double = 0.5, layoutV: Double = 0.5) {
        self.color = color
        self.shape = shape
        self.size = size
        self.motion = motion
        self.placement = placement
        self.sizeJitter = min(1.1, max(0.9, sizeJitter))
        self.layoutU = min(1, max(0, layoutU))
        self.layoutV = min(1, max(0, layoutV))
    }

    enum CodingKeys: String, CodingKey {
        case color, shape, size, motion, placement, sizeJitter, layoutU, layoutV
    }

    /// Decodes through the initializer, so stored jitter and layout are clamped like built ones.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let motion = try c.decode(Motion.self, forKey: .motion)
        self.init(color: try c.decode(ObjectColor.self, forKey: .color), shape: try c.decode(Shape.self, forKey: .shape),
                  size: try c.decode(SizeClass.self, forKey: .size),
                  motion: Motion(motion.kind, speed: motion.speed, side: motion.side),
                  placement: try c.decodeIfPresent(Placement.self, forKey: .placement),
                  sizeJitter: try c.decodeIfPresent(Double.self, forKey: .sizeJitter) ?? 1,
                  layoutU: try c.decodeIfPresent(Double.self, forKey: .layoutU) ?? 0.5,
                  layoutV: try c.decodeIfPresent(Double.self, forKey: .layoutV) ?? 0.5)
    }

    /// Drawn height at scale 1, as a fraction of frame height.
    public var height: Double { size.height * sizeJitter }

    /// True when this object uses a pair that WORLD.md holds out of training.
    public func isHeldOut(on background: Background) -> Bool {
        HeldOut.isHeldOut(color, shape) || HeldOut.isHeldOut(color, motion.kind) || HeldOut.isHeldOut(background, motion.kind)
    }
}

/// A background and 1 to 3 objects; the first object is drawn in front.
public struct Scene: Hashable, Codable, Sendable {
    public static let maximumObjects = 3

    public var background: Background
    public var objects: [SceneObject]
    /// Seeds the background detail (night stars, wave phases).
    public var seed: UInt64

    public init(background: Background, objects: [SceneObject], seed: UInt64 = 0) {
        precondition((1...Scene.maximumObjects).contains(objects.count), "a scene has 1 to 3 objects")
        self.background = background
        self.objects = objects
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey { case background, objects, seed }

    /// Rejects scenes without 1 to 3 objects, so decoded scenes are as valid as built ones.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let objects = try c.decode([SceneObject].self, forKey: .objects)
        guard (1...Scene.maximumObjects).contains(objects.count) else {
            throw DecodingError.dataCorruptedError(forKey: .objects, in: c,
                                                   debugDescription: "a scene has 1 to 3 objects, found \(objects.count)")
        }
        self.init(background: try c.decode(Background.self, forKey: .background), objects: objects,
                  seed: try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 0)
    }

    public var isHeldOut: Bool { objects.contains { $0.isHeldOut(on: background) } }

    /// The caption-level view: what the canonical caption says, every field set.
    public var captionFields: PartialScene {
        PartialScene(background: background, objects: objects.map {
            PartialObject(color: $0.color, shape: $0.shape, size: $0.size, motion: $0.motion, placement: $0.placement)
        })
    }
}

/// What a caption or prompt says about one object; nil means "not said".
public struct PartialObject: Hashable, Codable, Sendable {
    public var color: ObjectColor?
    public var shape: Shape?
    public var size: SizeClass?
    /// Set when the motion is fully determined (kind plus speed or side where it takes one).
    public var motion: Motion?
    public var placement: Placement?
    /// Pieces of a motion the prompt gave without the rest ("moves" with no direction,
    /// "quickly" alone, "bounces" with no side); the expander completes them. Nil once `motion` is set.
    public var motionKind: MotionKind?
    public var speed: Speed?
    public var side: Side?
    /// "moves"/"travels" with no direction: some left/right/up/down motion.
    public var movesLinearly: Bool

    public init(color: ObjectColor? = nil, shape: Shape? = nil, size: SizeClass? = nil, motion: Motion? = nil,
                placement: Placement? = nil, motionKind: MotionKind? = nil, speed: Speed? = nil, side: Side? = nil,
                movesLinearly: Bool = false) {
        self.color = color
        self.shape = shape
        self.size = size
        self.motion = motion
        self.placement = placement
        self.motionKind = motionKind
        self.speed = speed
        self.side = side
        self.movesLinearly = movesLinearly
    }

    public var isEmpty: Bool { self == PartialObject() }
}

/// What a caption or prompt says about a scene.
public struct PartialScene: Hashable, Codable, Sendable {
    public var background: Background?
    public var objects: [PartialObject]

    public init(background: Background? = nil, objects: [PartialObject] = []) {
        self.background = background
        self.objects = objects
    }
}
